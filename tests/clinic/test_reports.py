from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader

from diary.analytics import baseline as rules
from diary.analytics import windows
from diary.analytics.baseline import percent_change
from diary.models import AccessEvent
from diary.reports import csv_cell, report_pdf, treatment_review
from diary.scan import scan_patient
from tests import factories
from tests.analytics.records import inject, log_days
from tests.conftest import client_for

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_states_baseline_change_and_responder_status(demo):
    client = client_for(demo.clinician.user)
    response = client.get(f"/api/v1/patients/{demo.patient.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pages, text = pdf_text(response.content)
    review = treatment_review(patient=demo.patient, as_of=TODAY)
    assert pages == 1
    assert f"Baseline: {review.baseline.headache_days_per_28:g} headache days per 28 days" in text
    assert review.response.assessable
    assert f"Change: {review.response.percent_change:+g} %" in text
    assert "Responder at 30 %: yes" in text
    assert "Medication overuse" in text
    assert "Neck pain" in text
    assert "155 U" in text
    assert AccessEvent.objects.filter(
        patient=demo.patient, actor=demo.clinician.user, action="export"
    ).exists()


def test_the_csv_has_one_row_per_logged_day_and_escapes_formulas(alice, carol):
    factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 2, 1), notes="=HYPERLINK(1)")
    factories.DiaryDayFactory(patient=alice, date=dt.date(2026, 2, 2), notes="@SUM(A1)")
    factories.DiaryDayFactory(patient=alice, date=dt.date(2026, 2, 3), notes="-2+3")
    response = client_for(carol.user).get(f"/api/v1/patients/{alice.pk}/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["date"] for row in rows] == ["2026-02-01", "2026-02-02", "2026-02-03"]
    assert [row["notes"] for row in rows] == ["'=HYPERLINK(1)", "'@SUM(A1)", "'-2+3"]
    assert rows[0]["headache_day"] == "yes"
    assert AccessEvent.objects.filter(patient=alice, action="export").exists()


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx"])
def test_csv_cells_that_look_like_formulas_are_quoted(value):
    assert csv_cell(value) == "'" + value


def test_a_patient_downloads_their_own_pdf(alice):
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 1, 5))
    response = client_for(alice.user).get("/api/v1/report.pdf")
    assert response.status_code == 200
    _, text = pdf_text(response.content)
    assert "Treatment review" in text
    assert not AccessEvent.objects.filter(patient=alice).exists()


def test_reports_are_out_of_reach_for_others(alice, carol, dave):
    for path in ("report.pdf", "report.csv"):
        assert client_for(dave.user).get(f"/api/v1/patients/{alice.pk}/{path}").status_code == 404
        assert client_for(alice.user).get(f"/api/v1/patients/{alice.pk}/{path}").status_code == 404
    assert client_for(carol.user).get("/api/v1/report.pdf").status_code == 403
    assert not AccessEvent.objects.filter(patient=alice).exists()


def test_an_unenrolled_clinician_gets_no_report(alice, settings):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    response = client_for(clinician.user).get(f"/api/v1/patients/{alice.pk}/report.pdf")
    assert response.status_code == 403


def test_markup_in_free_text_is_printed_as_text(alice):
    session = factories.InjectionSessionFactory(patient=alice, injector="Dr <b>Bold</b> & Co")
    review = treatment_review(patient=alice, as_of=session.date + dt.timedelta(days=3))
    _, text = pdf_text(report_pdf(review))
    assert "Dr <b>Bold</b> & Co" in " ".join(text.split())


def test_percent_change_is_negative_when_headache_days_fall():
    assert percent_change(value=9.0, baseline=18.0) == -50.0
    assert percent_change(value=None, baseline=18.0) is None
    assert percent_change(value=9.0, baseline=None) is None


def one_day_cycle_patient(alice):
    first = dt.date(2025, 10, 6)
    second = first + dt.timedelta(weeks=12)
    log_days(alice, first - dt.timedelta(days=28), "H" * 28 + "H." * 44)
    inject(alice, first, second, second + dt.timedelta(days=1))
    return second + dt.timedelta(days=3)


def test_the_pdf_says_a_one_day_cycle_is_not_assessable_and_why(alice):
    as_of = one_day_cycle_patient(alice)
    _, text = pdf_text(report_pdf(treatment_review(patient=alice, as_of=as_of)))
    flat = " ".join(text.split())
    assert "Not assessable: cycle 2 lasted 1 day" in flat
    assert "Responder at 30 %" not in flat
    assert "-100 %" not in flat


def test_the_pdf_lists_each_guidelines_verdict(demo):
    review = treatment_review(patient=demo.patient, as_of=TODAY)
    _, text = pdf_text(report_pdf(review))
    flat = " ".join(text.split())
    for title in ("NICE TA260:", "EHF 2018:", "AHS 2021:", "IHS 2025:"):
        assert title in flat


def test_the_pdf_thresholds_follow_the_rules_constants(demo, monkeypatch):
    monkeypatch.setattr(rules, "RESPONDER_NICE_PERCENT", 40)
    monkeypatch.setattr(windows, "MIN_LOGGED_DAYS_PER_28", 21)
    _, text = pdf_text(report_pdf(treatment_review(patient=demo.patient, as_of=TODAY)))
    flat = " ".join(text.split())
    assert "Responders: at least 40 % (NICE TA260, EHF 2018)" in flat
    assert "a window needs 21 of every 28 days logged" in flat
    assert "Responder at 40 %:" in flat


def test_the_clinic_summary_says_a_one_day_cycle_is_not_assessable_and_why(alice, carol_client):
    one_day_cycle_patient(alice)
    page = " ".join(carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode().split())
    assert "Not assessable: cycle 2 lasted 1 day" in page
    assert "NICE TA260: Not yet assessable" in page
    assert "-100" not in page


def test_the_pdf_shows_a_retrospective_baseline_and_its_acute_medication(alice):
    first = dt.date(2026, 1, 5)
    factories.InjectionSessionFactory(patient=alice, date=first)
    log_days(alice, first - dt.timedelta(days=28), "T.H." * 7)  # typed in on 2 March
    scan_patient(patient=alice, today=TODAY)
    _, text = pdf_text(report_pdf(treatment_review(patient=alice, as_of=TODAY)))
    flat = " ".join(text.split())
    assert "Retrospective: most of its diary days were entered after the first injection" in flat
    assert "Acute medication on 7 of its 28 logged days (triptan 7)." in flat


# Layout, header, charts and the signature line (issue 18) ----------------------------------------


def test_the_pdf_names_the_patient_and_their_clinic_and_has_a_signature_line(demo):
    patient = demo.patient
    patient.full_name, patient.clinic_number = "Dana Example", "RX-1234"
    patient.date_of_birth = dt.date(1980, 4, 1)
    patient.save()

    response = client_for(demo.clinician.user).get(f"/api/v1/patients/{patient.pk}/report.pdf")

    pages, text = pdf_text(response.content)
    flat = " ".join(text.split())
    assert pages == 1
    assert "Patient Dana Example" in flat
    assert "Date of birth 01 Apr 1980" in flat
    assert "Clinic number RX-1234" in flat
    clinic = demo.clinician.membership.clinic.name
    assert f"Clinic {clinic}" in flat
    assert f"Responsible clinician, {clinic} {demo.clinician.user}" in flat
    assert "Signature" in flat and "Date" in flat


def test_a_nurses_copy_leaves_the_signature_to_a_clinician(demo):
    nurse = factories.clinic_member(
        demo.clinician.membership.clinic.name, role="nurse", user__display_name="Nina Nurse"
    )

    response = client_for(nurse.user).get(f"/api/v1/patients/{demo.patient.pk}/report.pdf")

    flat = " ".join(pdf_text(response.content)[1].split())
    assert "Prepared for Nina Nurse" in flat
    assert "Responsible clinician" in flat
    assert "Responsible clinician, " + demo.clinician.membership.clinic.name + " Nina" not in flat


def test_the_pdf_draws_the_28_day_trend_and_the_cycle_overlay(demo):
    review = treatment_review(patient=demo.patient, as_of=TODAY)

    flat = " ".join(pdf_text(report_pdf(review))[1].split())

    assert "Headache days per 28 days, consecutive windows" in flat
    assert "Each cycle overlaid: share of logged days with headache" in flat
    assert "baseline" in flat
    assert all(f"cycle {n}" in flat for n in (1, 2, 3, 4))


def test_column_headers_are_never_broken_inside_a_word():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from diary.reports import column_widths

    rows = [["Cycle", "Headache days /28", "Acute-medication"], ["4 (running)", "11.9", "9.3"]]

    widths = column_widths(rows, [20.0, 20.0, 200.0])

    for column, header in enumerate(rows[0]):
        longest = max(stringWidth(word, "Helvetica-Bold", 7) for word in header.split())
        assert widths[column] >= longest + 4  # the cell's padding
    assert widths[0] >= stringWidth("(running)", "Helvetica", 7.5) + 4
    assert sum(widths) == pytest.approx(240.0)


def test_a_table_with_headers_only_still_gets_its_widths():
    from diary.reports import column_widths

    widths = column_widths([["Cycle", "Injection"]], [40.0, 40.0])

    assert widths == [40.0, 40.0]


def test_the_clinic_records_the_patients_name_birth_date_and_clinic_number(alice, carol_client):
    response = carol_client.post(
        f"/clinic/patients/{alice.pk}/details/",
        {"full_name": " Alice Example ", "date_of_birth": "1980-04-01", "clinic_number": "RX-9"},
    )

    assert response["Location"] == f"/clinic/patients/{alice.pk}/"
    alice.refresh_from_db()
    assert (alice.full_name, alice.date_of_birth, alice.clinic_number) == (
        "Alice Example",
        dt.date(1980, 4, 1),
        "RX-9",
    )
    assert AccessEvent.objects.filter(patient=alice, action="change").exists()


def test_a_date_of_birth_in_the_future_is_refused(alice, carol_client):
    response = carol_client.post(
        f"/clinic/patients/{alice.pk}/details/", {"date_of_birth": "2030-01-01"}, follow=True
    )

    assert "between 1900 and today" in response.content.decode()
    alice.refresh_from_db()
    assert alice.date_of_birth is None


def test_a_clinician_signs_off_the_review_and_the_pdf_says_so(alice, carol, carol_client):
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 1, 5))

    response = carol_client.post(f"/clinic/patients/{alice.pk}/report/sign-off/", follow=True)

    assert "signed off by Dr Carol" in response.content.decode()
    pdf = client_for(carol.user).get(f"/api/v1/patients/{alice.pk}/report.pdf")
    flat = " ".join(pdf_text(pdf.content)[1].split())
    assert "Dr Carol (signed off in the clinic)" in flat
    assert "02 Mar 2026" in flat.split("Signature")[-1]


def test_a_nurse_prepares_but_cannot_sign_off(alice, carol):
    from django.test import Client

    from diary.models import ReportSignOff
    from tests.clinic.conftest import sign_in

    nurse = factories.clinic_member(carol.membership.clinic.name, role="nurse")
    client = Client()
    sign_in(client, nurse.user)

    page = client.get(f"/clinic/patients/{alice.pk}/").content.decode()
    response = client.post(f"/clinic/patients/{alice.pk}/report/sign-off/")

    assert "nurses prepare it" in page and "Sign off today" not in page
    assert response.status_code == 403
    assert not ReportSignOff.objects.exists()


def test_an_overdue_injection_is_said_so_on_the_clinic_summary_and_the_pdf(alice, carol_client):
    # One injection 24 weeks ago and none since: due 12 weeks ago.
    first = TODAY - dt.timedelta(weeks=24)
    log_days(alice, first - dt.timedelta(days=28), "H" * 28 + "HH.H..." * 24)
    inject(alice, first)
    due = first + dt.timedelta(weeks=12)
    late = (TODAY - due).days

    page = " ".join(carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode().split())
    _, text = pdf_text(report_pdf(treatment_review(patient=alice, as_of=TODAY)))

    said = f"{due:%-d %b %Y}, overdue by {late} days"
    assert said in page
    assert said in " ".join(text.split())
