"""What a clinician reads on the patient page, the review queue, triage and the PDF (QA items
4, 7, 8, 14, 15, 16 and 17): each figure in its own window, each word the rule's."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.management import call_command
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing, Rect, String

from diary.analytics import cycles as cycle_rules
from diary.analytics.wear_off import GRACE_WEEKS
from diary.demo import DEMO_PATIENT_EMAIL, DEMO_TIMEZONE
from diary.models import DiaryDay, FlagDecision, PatientProfile
from diary.report_charts import pdf_charts
from diary.reports import report_pdf, treatment_review
from frontend.clinic.evidence import evidence_card
from frontend.clinic.forms import FlagReviewForm
from frontend.clinic.triage import triage_row
from tests.analytics.records import inject, log_days

TODAY = dt.date(2026, 12, 1)
PLANNED = 12
END_LAST_WEEK = PLANNED + GRACE_WEEKS


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


class Tables(HTMLParser):
    """Every table of a page as {caption: rows of cell texts}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._caption is not None:
            self.tables[self._caption.strip()] = self._rows
            self._caption = None

    def handle_data(self, data):
        if self._in_caption and self._caption is not None:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


def page_tables(client, patient) -> tuple[str, dict[str, list[list[str]]]]:
    html = client.get(f"/clinic/patients/{patient.pk}/").content.decode()
    parser = Tables()
    parser.feed(html)
    return " ".join(unescape(html).split()), parser.tables


def table_starting(tables: dict[str, list[list[str]]], caption: str) -> list[dict[str, str]]:
    rows = next(rows for name, rows in tables.items() if name.startswith(caption))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def drawn_strings(drawing: Drawing) -> list[str]:
    return [item.text for item in drawing.getContents() if isinstance(item, String)]


def one_injection_24_weeks_ago(patient: PatientProfile) -> dt.date:
    injected = TODAY - dt.timedelta(weeks=24)
    start = injected - dt.timedelta(days=28)
    log_days(patient, start, "H." * ((TODAY - start).days // 2))
    inject(patient, injected)
    return injected


# 4: overdue weeks are not end of cycle -----------------------------------------------------------


def test_the_cycle_chart_stops_the_end_of_cycle_band_at_the_grace_week(alice, carol_client):
    one_injection_24_weeks_ago(alice)

    page, _ = page_tables(carol_client, alice)

    first = cycle_rules.END_OF_CYCLE_FIRST_WEEK
    assert f"end of cycle (weeks {first}-{END_LAST_WEEK})" in page
    assert f"overdue (from week {END_LAST_WEEK + 1})" in page
    assert 'class="band-overdue"' in page
    # The caption reads the same rule: overdue weeks are not end-of-cycle wear-off.
    assert f"a rise in weeks {first}-{END_LAST_WEEK}" in page
    assert "overdue" in page.split("Cycle profiles, overlaid")[1][:800]


def test_the_pdf_cycle_overlay_shows_overdue_weeks_apart(alice):
    one_injection_24_weeks_ago(alice)
    review = treatment_review(patient=alice, as_of=TODAY)

    overlay = pdf_charts(review, width=260, height=80)[1]

    labels = drawn_strings(overlay)
    first = cycle_rules.END_OF_CYCLE_FIRST_WEEK
    assert f"end of cycle (weeks {first}-{END_LAST_WEEK})" in labels
    assert "overdue" in labels
    bands = [r for r in overlay.getContents() if isinstance(r, Rect) and r.height > 40]
    # Plateau, end of cycle and overdue: three bands side by side, the last one hatched apart.
    assert len(bands) == 3
    end, overdue = bands[1], bands[2]
    assert end.x + end.width == pytest.approx(overdue.x)


# 7: too few logged days are "not enough data", never "no overuse" --------------------------------


def test_under_logged_months_read_not_enough_data_in_the_overuse_table(alice, carol_client):
    # October fully logged and clean; November 14 days with 6 triptan days; May nothing.
    log_days(alice, dt.date(2026, 10, 1), "." * 31)
    log_days(alice, dt.date(2026, 11, 1), "T.T.T.T.T.T..." + "-" * 16)

    _, tables = page_tables(carol_client, alice)

    rows = {
        row["Month"]: row["Over a limit"]
        for row in table_starting(tables, "Days with intake per calendar month")
    }
    assert rows["October 2026"] == "no"
    assert rows["November 2026"] == "not enough data"
    assert rows["May 2026"] == "not enough data"
    assert rows["December 2026 (so far)"] == "not enough data"


def test_the_pdf_says_the_latest_month_has_not_enough_data(alice, carol):
    log_days(alice, dt.date(2026, 11, 1), "T.T.T.T.T.T..." + "-" * 16)

    text = " ".join(pdf_text(report_pdf(treatment_review(patient=alice, as_of=TODAY))).split())

    assert "December 2026 so far: none (0 days logged): not enough data" in text


def test_the_flag_table_reads_not_enough_data_for_a_sparse_month():
    card = evidence_card(
        kind="medication_overuse",
        evidence={
            "summary": "Medication overuse",
            "months": [
                {"month": "2026-11", "logged_days": 14, "days_by_class": {"triptan": 6}},
                {"month": "2026-12", "logged_days": 0, "days_by_class": {}},
                {"month": "2026-10", "logged_days": 31, "days_by_class": {}},
                {
                    "month": "2026-09",
                    "logged_days": 12,
                    "days_by_class": {"triptan": 11},
                    "over_threshold": ["triptan"],
                },
            ],
        },
    )

    over = [row[3] for row in card.tables[0].rows]
    assert over == ["not enough data", "not enough data", "none", "triptan"]


# 8: every per-28 figure of a cycle row from the same response window -----------------------------


def late_cycle_with_flare_and_overdue(patient: PatientProfile) -> tuple[dt.date, dt.date]:
    first = dt.date(2026, 5, 4)
    second = first + dt.timedelta(weeks=PLANNED + 2)
    log_days(patient, first - dt.timedelta(days=28), "H" * 20 + "." * 8)
    flare = "H" * cycle_rules.RESPONSE_FIRST_DAY
    window = ("H......" * 11)[: PLANNED * 7 - cycle_rules.RESPONSE_FIRST_DAY]
    overdue = "T" * 14
    log_days(patient, first, flare + window + overdue + "." * ((TODAY - second).days + 1))
    inject(patient, first, second)
    return first, second


def test_a_cycle_rows_migraine_and_medicine_days_share_the_response_window(alice, carol_client):
    late_cycle_with_flare_and_overdue(alice)

    _, tables = page_tables(carol_client, alice)

    row = table_starting(tables, "Dose and pattern")[0]
    headache = float(row["Headache days per 28 (response window)"])
    # Every headache day of the diary is a migraine day: the same window gives the same figure.
    assert float(row["Migraine days per 28 (response window)"]) == headache
    # The triptans were taken in the overdue weeks only, outside the response window.
    assert float(row["Acute-medication days per 28 (response window)"]) == 0
    assert row["Interval"] == f"14 weeks (98 days), {PLANNED} planned"
    assert row["Overdue days"] == "14"


def test_a_one_day_cycle_shows_no_per_28_figure(alice, carol_client):
    log_days(alice, dt.date(2026, 8, 1), "H." * 60)
    inject(alice, dt.date(2026, 9, 1), dt.date(2026, 9, 2))

    _, tables = page_tables(carol_client, alice)

    row = table_starting(tables, "Dose and pattern")[0]
    assert row["Headache days per 28 (response window)"] == "—"
    assert row["Migraine days per 28 (response window)"] == "—"
    assert row["Acute-medication days per 28 (response window)"] == "—"
    assert row["Interval"] == f"1 day, {PLANNED} weeks planned"


def test_the_pdf_cycle_table_and_its_footnote_name_one_window(alice):
    late_cycle_with_flare_and_overdue(alice)
    review = treatment_review(patient=alice, as_of=TODAY)

    text = " ".join(pdf_text(report_pdf(review)).split())

    assert "the whole cycle" not in text
    assert "Migraine days /28" in text and "(cycle)" not in text
    window = f"days {cycle_rules.RESPONSE_FIRST_DAY} to the planned interval"
    assert f"Headache, migraine and acute-medication days /28 and change: {window}" in text
    assert "14 weeks, 12 planned" in text
    outcome = review.cycles[0]
    assert outcome.migraine_days_per_28 == outcome.headache_days_per_28


# 14: the wear-off flag review --------------------------------------------------------------------


WEAR_OFF_EVIDENCE = {
    "rule": "preempt_4h",
    "as_of": "2026-12-01",
    "summary": "Wear-off pattern.",
    "wear_off_cycles": [2],
    "cycles": [
        {
            "cycle": 2,
            "start": "2026-05-07",
            "end": "2026-07-29",
            "plateau_logged_days": 49,
            "plateau_headache_days": 1,
            "end_logged_days": 21,
            "end_headache_days": 15,
            "end_window_start": "2026-07-09",
            "pooled": True,
            "p_value": 0.0001,
            "verdict": "wear_off",
            "reason": "Headache days 2 % of logged days in weeks 3-9, 71 % in weeks 10-12: "
            "rise +69 % (± 24 %; p = 6.5e-05).",
        },
        {
            "cycle": 3,
            "start": "2026-10-22",
            "end": "2026-12-01",
            "plateau_logged_days": 0,
            "plateau_headache_days": 0,
            "end_logged_days": 0,
            "end_headache_days": 0,
            "end_window_start": None,
            "pooled": False,
            "p_value": None,
            "verdict": "insufficient_data",
            "reason": "Cycle still running: its end window closes at the next injection or on "
            "2027-01-20.",
        },
    ],
}


def test_the_wear_off_review_reads_a_running_cycle_and_p_values_plainly():
    closes = dt.date(2027, 1, 20)
    card = evidence_card(
        kind="wear_off",
        evidence=WEAR_OFF_EVIDENCE,
        end_windows_close={dt.date(2026, 10, 22): closes},
    )

    finished, running = card.tables[0].rows
    assert finished[2] == "1 headache day of 49 logged days (2 %)"
    assert "p < 0.001" in finished[4] and "e-05" not in finished[4]
    assert running[2] == running[3] == "still running, end window closes on 20 Jan 2027"
    assert "no logged days" not in running


def test_the_wear_off_review_offers_the_shorter_interval_last_and_neutrally():
    form = FlagReviewForm(kind="wear_off")

    choices = form.fields["decision"].choices
    values = [value for value, _ in choices]
    assert values[-1] == FlagDecision.SHORTEN_INTERVAL
    assert values[1] != FlagDecision.SHORTEN_INTERVAL
    label = dict(choices)[FlagDecision.SHORTEN_INTERVAL]
    assert not label.startswith("Shorten")
    assert "exception" in label


def test_the_patient_page_cycle_table_reads_p_values_plainly(alice, carol_client):
    first = dt.date(2026, 2, 12)
    cycle = "HH" + "." * 5 + ("H" + "." * 6) * 8 + "HHHHH.." * 3
    log_days(alice, first - dt.timedelta(days=28), "HH.H" * 7)
    log_days(alice, first, cycle * 3 + "." * 41)
    inject(alice, *(first + dt.timedelta(weeks=PLANNED * n) for n in range(4)))

    page, _ = page_tables(carol_client, alice)

    assert "p < 0.001" in page
    assert not re.search(r"p = \d(\.\d+)?e-\d+", page)


# 15: PDF glyphs and month axis -------------------------------------------------------------------


def test_the_pdf_prints_the_responder_headers_in_a_font_with_the_glyph(alice):
    late_cycle_with_flare_and_overdue(alice)

    content = report_pdf(treatment_review(patient=alice, as_of=TODAY))

    text = " ".join(pdf_text(content).split())
    assert "≥30 %" in text and "≥50 %" in text
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Vera" in font for font in fonts)


def test_the_pdf_trend_axis_labels_each_month_once_through_december(alice):
    one_injection_24_weeks_ago(alice)
    review = treatment_review(patient=alice, as_of=TODAY)

    trend = pdf_charts(review, width=260, height=80)[0]

    months = [s for s in drawn_strings(trend) if re.fullmatch(r"[A-Z][a-z]{2} \d\d", s)]
    assert len(months) == len(set(months))
    assert months[-1] == "Dec 26"


def test_the_clinic_trend_axis_labels_each_month_once(alice, carol_client):
    one_injection_24_weeks_ago(alice)

    page, _ = page_tables(carol_client, alice)

    chart = page.split('id="per28-title"')[1].split("</svg>")[0]
    months = re.findall(r'text-anchor="middle">([A-Z][a-z]{2} \d\d)</text>', chart)
    assert len(months) == len(set(months))
    assert months[-1] == "Dec 26"


# 16: the demo diary was written day by day -------------------------------------------------------


def test_seed_demo_stamps_each_day_created_on_its_own_evening(db):
    call_command("seed_demo", verbosity=0)

    zone = zoneinfo.ZoneInfo(DEMO_TIMEZONE)
    patient = PatientProfile.objects.get(user__email=DEMO_PATIENT_EMAIL)
    days = DiaryDay.objects.filter(patient=patient)
    assert all(day.created_at.astimezone(zone).date() == day.date for day in days)
    review = treatment_review(patient=patient)
    assert review.baseline.source == "diary"
    assert "Retrospective" not in review.baseline.message


# 17: triage's last 28 days end yesterday, as the low-adherence flag's -------------------------


def test_triage_counts_the_28_days_ending_yesterday(alice):
    log_days(alice, TODAY - dt.timedelta(days=40), "." * 41)

    row = triage_row(patient=alice, open_flags=0, flag_kinds=())

    assert row.last_28.end == TODAY - dt.timedelta(days=1)
    assert row.last_28.logged_days == 28
    assert row.completeness_percent == 100


def test_triage_page_shows_28_of_28_for_a_diligent_patient(alice, carol_client):
    log_days(alice, TODAY - dt.timedelta(days=40), "." * 41)

    page = " ".join(carol_client.get("/clinic/").content.decode().split())

    assert "28 of 28 days logged" in page
    assert "logged days, 3 Nov to 30 Nov" in page
