"""The treatment-review report: what a clinic letter or a payer's continuation request needs.

Every figure comes from ``diary.analytics``: the baseline, the response and responder status
(judged as NICE and the trials judge it), medication overuse (ICHD-3 8.2) and the per-cycle
counts. This module only gathers them per cycle and lays them out as a one-page PDF (ReportLab)
and a CSV of daily entries.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from diary import selectors
from diary.analytics import baseline as rules
from diary.analytics import cycles as cycle_rules
from diary.analytics import wear_off as wear_off_rules
from diary.analytics.baseline import Baseline, CycleResponse, TreatmentResponse
from diary.analytics.cycles import TreatmentCycle
from diary.analytics.day_classes import RULE_SETS
from diary.analytics.overuse import MedicationOveruse, medication_overuse, overuse_limits_text
from diary.analytics.trends import PatientAnalysis, patient_analysis
from diary.analytics.wear_off import CycleWearOff, WearOffPattern
from diary.analytics.windows import (
    WINDOW_DAYS,
    DayCounts,
    count_days,
    logging_floor_text,
    per_28,
)
from diary.interop.csv_export import escape_cell
from diary.models import (
    DiaryDay,
    FlagStatus,
    InjectionSession,
    MedicationClass,
    Paradigm,
    PatientProfile,
    ReportSignOff,
    ReviewFlag,
)
from diary.paradigms import PREEMPT_SITES, STANDARD_INTERVAL_WEEKS, next_due_date
from diary.report_charts import pdf_charts
from diary.timelines import patient_timeline


def units_by_muscle(sites) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for site in sites:
        totals[site.muscle] += Decimal(site.units)
    return dict(totals)


PREEMPT_UNITS_BY_MUSCLE = units_by_muscle(PREEMPT_SITES)


def pattern_summary(session: InjectionSession) -> str:
    """The session's pattern in words: its paradigm, and units added or removed per muscle."""
    given = units_by_muscle(session.sites.all())
    changes = []
    for muscle in sorted(set(given) | set(PREEMPT_UNITS_BY_MUSCLE)):
        difference = given.get(muscle, Decimal(0)) - PREEMPT_UNITS_BY_MUSCLE.get(muscle, Decimal(0))
        if difference:
            changes.append(f"{difference:+g} U {muscle.replace('_', ' ')}")
    label = Paradigm(session.paradigm).label if session.paradigm in Paradigm.values else ""
    if not given:
        return label
    return f"{label}: {', '.join(changes)}" if changes else label


@dataclass(frozen=True)
class CycleOutcome:
    number: int
    start: date
    end: date
    complete: bool
    session: InjectionSession | None
    pattern: str
    # The whole cycle, for days logged and the per-cycle profile.
    counts: DayCounts
    # The cycle judged over days 7 to its planned interval (``analytics.baseline``).
    response: CycleResponse
    wear_off: CycleWearOff | None
    planned_interval_weeks: int = STANDARD_INTERVAL_WEEKS
    # The response window's own day counts: every per-28 figure of the row reads them, so
    # migraine and acute-medication days never take in the flare week or overdue days that
    # the headache days leave out. None when the window is empty (a cycle under 7 days).
    window_counts: DayCounts | None = None

    @property
    def length_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def interval_text(self) -> str:
        """The actual length against the planned interval: "14 weeks (98 days), 12 planned"."""
        days = self.length_days
        planned = self.planned_interval_weeks
        if days < 7:
            return f"{days} day{'' if days == 1 else 's'}, {planned} weeks planned"
        length = f"{days / 7:.1f}".removesuffix(".0")
        so_far = "" if self.complete else " so far"
        return f"{length} weeks ({days} days){so_far}, {planned} planned"

    @property
    def interval_short_text(self) -> str:
        """The PDF's narrow column: "14 weeks, 12 planned"."""
        days = self.length_days
        planned = self.planned_interval_weeks
        if days < 7:
            return f"{days} day{'' if days == 1 else 's'}, {planned} weeks planned"
        so_far = "" if self.complete else " so far"
        return f"{f'{days / 7:.1f}'.removesuffix('.0')} weeks{so_far}, {planned} planned"

    def _window_per_28(self, count: int) -> float | None:
        """A count over the response window per 28 days, read only when the headache figure is:
        the same window, the same days and the same logging floor."""
        counts, window = self.window_counts, self.response.window
        if counts is None or window is None:
            return None
        return per_28(count=count, logged_days=counts.judged_days, sufficient=window.assessable)

    @property
    def headache_days_per_28(self) -> float | None:
        window = self.response.window
        return window.headache_days_per_28 if window else None

    @property
    def migraine_days_per_28(self) -> float | None:
        return self._window_per_28(self.window_counts.migraine_days if self.window_counts else 0)

    @property
    def acute_medication_days_per_28(self) -> float | None:
        counts = self.window_counts
        return self._window_per_28(counts.acute_medication_days if counts else 0)

    @property
    def percent_change(self) -> float | None:
        return self.response.percent_change

    @property
    def responder_30(self) -> bool | None:
        return self.response.responder_30

    @property
    def responder_50(self) -> bool | None:
        return self.response.responder_50

    @property
    def change_text(self) -> str:
        """The change against baseline, or why the cycle is not assessable."""
        if self.response.assessable:
            return f"{self.response.percent_change:+g} %"
        return self.response.reason


@dataclass(frozen=True)
class TreatmentReview:
    patient: PatientProfile
    as_of: date
    rule: str
    rule_description: str
    analysis: PatientAnalysis
    baseline: Baseline
    response: TreatmentResponse
    cycles: tuple[CycleOutcome, ...]
    overuse: MedicationOveruse
    wear_off: WearOffPattern
    sessions: tuple[InjectionSession, ...]
    decisions: tuple[ReviewFlag, ...]
    next_due: date | None

    @property
    def overdue_days(self) -> int:
        return cycle_rules.overdue_days(self.analysis.cycles)

    @property
    def next_due_text(self) -> str:
        """ "8 Sep 2026", or "8 Sep 2026, overdue by 84 days" once it has passed."""
        if self.next_due is None:
            return ""
        text = f"{self.next_due:%-d %b %Y}"
        late = self.overdue_days
        return f"{text}, overdue by {late} day{'' if late == 1 else 's'}" if late else text

    @property
    def responder_text(self) -> str:
        """Responder status at each threshold, once the response can be judged."""
        response = self.response
        if not response.assessable:
            return ""
        return (
            f"Responder at {rules.RESPONDER_NICE_PERCENT} %: {_yes_no(response.responder_30)}; "
            f"at {rules.RESPONDER_TRIAL_PERCENT} %: {_yes_no(response.responder_50)}."
        )

    @property
    def best_cycle(self) -> int | None:
        """The finished cycle with the fewest headache days per 28 days, when one can be read."""
        readable = [c for c in self.cycles if c.complete and c.response.assessable]
        if not readable:
            return None
        return min(readable, key=lambda c: c.headache_days_per_28 or 0).number


def cycle_outcome(
    *,
    cycle: TreatmentCycle,
    response: CycleResponse,
    analysis: PatientAnalysis,
    session: InjectionSession | None,
) -> CycleOutcome:
    counts = count_days(days=analysis.days, start=cycle.start, end=cycle.end, as_of=analysis.as_of)
    wear_off = next((c for c in analysis.wear_off.cycles if c.cycle == cycle.number), None)
    return CycleOutcome(
        number=cycle.number,
        start=cycle.start,
        end=cycle.end,
        complete=cycle.complete,
        session=session,
        pattern=pattern_summary(session) if session else "",
        counts=counts,
        response=response,
        wear_off=wear_off,
        planned_interval_weeks=cycle.planned_interval_weeks,
        window_counts=cycle.response_window,
    )


def treatment_review(
    *, patient: PatientProfile, as_of: date | None = None, rule: str | None = None
) -> TreatmentReview:
    as_of = as_of or selectors.local_today(user=patient.user)
    rule = rule or patient.headache_day_rule
    timeline = patient_timeline(patient=patient, as_of=as_of)
    analysis = patient_analysis(timeline=timeline, rule=rule)
    sessions = tuple(selectors.injection_sessions(patient=patient).filter(date__lte=as_of))
    by_date = {session.date: session for session in sessions}
    cycles = tuple(
        cycle_outcome(
            cycle=cycle, response=response, analysis=analysis, session=by_date.get(cycle.start)
        )
        for cycle, response in zip(analysis.cycles, analysis.cycle_responses, strict=True)
    )
    last = sessions[-1] if sessions else None
    return TreatmentReview(
        patient=patient,
        as_of=as_of,
        rule=rule,
        rule_description=RULE_SETS[rule].description,
        analysis=analysis,
        baseline=analysis.baseline,
        response=analysis.response,
        cycles=cycles,
        overuse=medication_overuse(days=analysis.days, as_of=as_of),
        wear_off=analysis.wear_off,
        sessions=sessions,
        decisions=tuple(
            patient.flags.exclude(status=FlagStatus.OPEN)
            .select_related("reviewed_by")
            .order_by("-reviewed_at", "-created_at")
        ),
        next_due=(
            next_due_date(injected_on=last.date, planned_interval_weeks=last.planned_interval_weeks)
            if last
            else None
        ),
    )


# CSV ------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "date",
    "cycle",
    "cycle_week",
    "headache",
    "duration_hours",
    # A band instead of hours; duration_known "no": a headache stored without any duration.
    "duration_band",
    "duration_known",
    "peak_severity",
    *DiaryDay.FEATURES,
    "disability",
    "headache_day",
    "migraine_day",
    "moderate_severe_day",
    "acute_medication_classes",
    "medications",
    "notes",
)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape_cell(str(value))


def report_csv(review: TreatmentReview) -> str:
    """One row per logged day, with the day classes under the patient's rule set."""
    days = review.analysis.days
    cycles = review.analysis.cycles
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day in selectors.diary_days(patient=review.patient, date_to=review.as_of):
        classes = days.get(day.date)
        cycle = next((c for c in reversed(cycles) if c.start <= day.date), None)
        week = next(
            (
                w.week
                for w in (cycle.weeks if cycle else ())
                if w.counts.start <= day.date <= w.counts.end
            ),
            None,
        )
        row = [
            day.date.isoformat(),
            cycle.number if cycle else "",
            week,
            day.headache,
            day.duration_hours,
            day.duration_band,
            day.duration_known,
            day.peak_severity,
            *(getattr(day, feature) for feature in DiaryDay.FEATURES),
            day.disability,
            classes.headache_day if classes else None,
            classes.migraine_day if classes else None,
            classes.moderate_severe_day if classes else None,
            " ".join(classes.acute_medication_classes) if classes else "",
            "; ".join(
                f"{i.medication.name} x{i.doses}" + (f" (relief: {i.relief})" if i.relief else "")
                for i in day.intakes.all()
            ),
            day.notes,
        ]
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


# PDF ------------------------------------------------------------------------------------------


def _number(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:g}{suffix}"


def _yes_no(value: bool | None) -> str:
    return "not assessable" if value is None else ("yes" if value else "no")


def responder_label(percent: int) -> str:
    return f"≥{percent} %"


class PdfMarkup(str):
    """Text already written as ReportLab paragraph markup; ``plain`` is what it reads."""

    plain: str

    def __new__(cls, markup: str, plain: str) -> PdfMarkup:
        value = super().__new__(cls, markup)
        value.plain = plain
        return value


# Helvetica, a standard PDF font, has no "≥" (its encoding stops at Latin-1): the viewer draws
# a stand-in of no width over the next digit. Vera ships with ReportLab and has it.
SYMBOL_FONT = "Vera"
SYMBOL_FONT_BOLD = "VeraBd"


def register_symbol_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    for name in (SYMBOL_FONT, SYMBOL_FONT_BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, f"{name}.ttf"))


def responder_header(percent: int) -> PdfMarkup:
    """The responder column's header, its "≥" set in a font that has the glyph."""
    label = responder_label(percent)
    sign, rest = label[0], label[1:]
    return PdfMarkup(f'<font name="{SYMBOL_FONT_BOLD}">{escape(sign)}</font>{escape(rest)}', label)


def baseline_sentence(baseline: Baseline) -> str:
    if baseline.headache_days_per_28 is None:
        return f"Baseline: not available. {baseline.message}"
    source = {"diary": "from the diary", "recalled": "recalled by the patient"}[baseline.source]
    logged = (
        f", {baseline.logged_days} of {WINDOW_DAYS} days logged" if baseline.logged_days else ""
    )
    return (
        f"Baseline: {baseline.headache_days_per_28:g} headache days per {WINDOW_DAYS} days "
        f"({baseline.window_start:%d %b %Y} to {baseline.window_end:%d %b %Y}, {source}{logged})."
        + (
            f" Migraine days: {baseline.migraine_days}."
            if baseline.migraine_days is not None
            else ""
        )
        + f" {baseline.message}"
    )


def response_sentence(response: TreatmentResponse) -> str:
    if not response.assessable:
        return response.message
    return (
        f"{response.message} Change: {response.percent_change:+g} % "
        f"({response.headache_days_per_28:g} vs {response.baseline_headache_days_per_28:g} "
        f"headache days per {WINDOW_DAYS} days, {response.window_start:%d %b} to "
        f"{response.window_end:%d %b %Y}, {response.logged_days} of {response.window_days} "
        f"days logged)."
    )


def verdict_lines(review: TreatmentReview) -> list[str]:
    """Each guideline's verdict with its notes, one line each, as the analytics word them."""
    return [" ".join((verdict.text, *verdict.notes)) for verdict in review.analysis.verdicts]


def cycle_reason_lines(review: TreatmentReview) -> list[str]:
    """Why each finished cycle's response window could not be judged."""
    return [
        f"Cycle {c.number}: {c.response.reason}"
        for c in review.cycles
        if c.response.window_closed and not c.response.assessable
    ]


def responders_footnote() -> str:
    return (
        f"Responders: at least {rules.RESPONDER_NICE_PERCENT} % (NICE TA260, EHF 2018) and "
        f"{rules.RESPONDER_TRIAL_PERCENT} % (trials) fewer headache days per {WINDOW_DAYS} days "
        f"than baseline, over each cycle's days {cycle_rules.RESPONSE_FIRST_DAY} to its planned "
        f"interval, judged from cycle {rules.CYCLES_BEFORE_JUDGING}; a window needs "
        f"{logging_floor_text()} logged. Days after the planned interval are overdue, in no "
        f"cycle's figure."
    )


def cycle_table_footnote() -> str:
    """What each column of the cycle table counts: one window for every per-28 figure."""
    grace = wear_off_rules.GRACE_WEEKS
    return (
        f"Headache, migraine and acute-medication days /28 and change: days "
        f"{cycle_rules.RESPONSE_FIRST_DAY} to the planned interval (the response window), over "
        f"its logged days; missing days never count as headache-free. Overdue days (after the "
        f"planned interval) are counted apart, in no /28 figure. End-of-cycle rise: share of "
        f"logged days with headache {cycle_rules.end_of_cycle_label()} to the planned interval "
        f"plus {grace} week{'' if grace == 1 else 's'}, against {cycle_rules.plateau_label()}."
    )


def column_widths(rows: list[list[str]], widths: list[float]) -> list[float]:
    """Column widths in points, each wide enough for the longest word in it (headers bold at
    7 pt, cells at 7.5 pt), the extra taken from the other columns' slack, so no word is broken
    ("Headach e days")."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    padding = 6  # the tables' cell padding, 2 pt a side, and a little air

    def longest(text: str, font: str, size: float) -> float:
        words = str(getattr(text, "plain", text)).split()
        return max((stringWidth(word, font, size) for word in words), default=0)

    needed = [
        max(
            [
                longest(rows[0][column], "Helvetica-Bold", 7),
                *(longest(row[column], "Helvetica", 7.5) for row in rows[1:]),
            ]
        )
        + padding
        for column in range(len(widths))
    ]
    fitted = [max(width, need) for width, need in zip(widths, needed, strict=True)]
    excess = sum(fitted) - sum(widths)
    spare = [max(0.0, f - n) for f, n in zip(fitted, needed, strict=True)]
    if excess > 0 and sum(spare) > 0:
        share = min(1.0, excess / sum(spare))
        fitted = [f - s * share for f, s in zip(fitted, spare, strict=True)]
    return fitted


def report_pdf(
    review: TreatmentReview,
    *,
    clinician_name: str = "",
    clinic_name: str = "",
    signs_off: bool = True,
    sign_off: ReportSignOff | None = None,
) -> bytes:
    """``clinician_name`` asked for the report; only a clinician (``signs_off``) is named on
    the signature line, a nurse's copy leaves it for the responsible clinician."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontSize=8.5, leading=10.5, spaceAfter=2)
    heading = styles["Heading3"].clone("heading", fontSize=10, spaceBefore=5, spaceAfter=2)
    cell = body.clone("cell", fontSize=7.5, leading=9, spaceAfter=0)
    # Column headers wrap between words only: "Headache days", never "Headach / e days".
    title = styles["Title"].clone("title", fontSize=14, leading=17, spaceAfter=4)
    header_cell = cell.clone("header_cell", fontName="Helvetica-Bold", fontSize=7, splitLongWords=0)
    patient = review.patient

    register_symbol_fonts()

    def para(text: str, style) -> Paragraph:
        # Paragraph reads its text as markup; patients' and clinicians' words must stay text.
        if isinstance(text, PdfMarkup):
            return Paragraph(str(text), style)
        return Paragraph(escape(str(text)), style)

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        data = [[para(value, header_cell) for value in rows[0]]]
        data += [[para(value, cell) for value in row] for row in rows[1:]]
        fitted = column_widths(rows, [w * mm for w in widths])
        result = Table(data, colWidths=fitted, repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa7b2")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return result

    identity = [
        ["Patient", patient.full_name or patient.user.display_name or patient.user.email],
        ["Date of birth", f"{patient.date_of_birth:%d %b %Y}" if patient.date_of_birth else "—"],
        ["Clinic number", patient.clinic_number or "—"],
        ["Email", patient.user.email],
    ]
    about = [
        ["Clinic", clinic_name or "—"],
        ["As of", f"{review.as_of:%d %b %Y}"],
        ["Prepared for", clinician_name or "—"],
        ["Headache day", review.rule_description],
    ]
    header = Table(
        [
            [
                para(a[0], header_cell),
                para(a[1], cell),
                para(b[0], header_cell),
                para(b[1], cell),
            ]
            for a, b in zip(identity, about, strict=True)
        ],
        colWidths=[22 * mm, 64 * mm, 22 * mm, 78 * mm],
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.HexColor("#9aa7b2")),
            ]
        )
    )
    charts = Table([pdf_charts(review, width=91 * mm, height=28 * mm)])
    charts.setStyle(
        TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])
    )
    story = [
        para("Treatment review: onabotulinumtoxinA for chronic migraine", title),
        header,
        para("Baseline and response", heading),
        para(baseline_sentence(review.baseline), body),
        para(f"{response_sentence(review.response)} {review.responder_text}", body),
        *[para(line, body) for line in verdict_lines(review)],
        para(
            f"Medication overuse (ICHD-3 8.2): {review.overuse.message} "
            f"{overuse_limits_text()} End-of-cycle wear-off: {review.wear_off.message}",
            body,
        ),
        charts,
        para("Headache days per 28 days, by treatment cycle", heading),
        table(
            [
                [
                    "Cycle",
                    "Injection, length",
                    "Dose and pattern",
                    f"Days logged, days {cycle_rules.RESPONSE_FIRST_DAY} to planned end",
                    "Headache days /28",
                    "Change",
                    responder_header(rules.RESPONDER_NICE_PERCENT),
                    responder_header(rules.RESPONDER_TRIAL_PERCENT),
                    "Migraine days /28",
                    "Acute-med. days /28",
                    "Overdue days",
                    "End-of-cycle rise",
                ],
                *[
                    [
                        f"{c.number}{'' if c.complete else ' (running)'}",
                        f"{c.start:%d %b %Y}; {c.interval_short_text}",
                        f"{c.session.total_units:g} U, {c.pattern}" if c.session else "—",
                        (
                            f"{c.response.window.logged_days} of {c.response.window.days}"
                            if c.response.window
                            else "—"
                        ),
                        _number(c.headache_days_per_28),
                        _number(c.percent_change, " %"),
                        _yes_no(c.responder_30),
                        _yes_no(c.responder_50),
                        _number(c.migraine_days_per_28),
                        _number(c.acute_medication_days_per_28),
                        str(c.response.overdue_days) if c.response.overdue_days else "—",
                        (
                            f"{c.wear_off.plateau_rate:.0%} → {c.wear_off.end_rate:.0%}"
                            if c.wear_off and c.wear_off.risk_difference is not None
                            else "—"
                        ),
                    ]
                    for c in review.cycles
                ],
            ],
            [14, 28, 36, 14, 13, 12, 10, 10, 12, 12, 10, 15],
        ),
        *[para(line, cell) for line in cycle_reason_lines(review)],
        para(cycle_table_footnote(), cell),
        para("Injections", heading),
        table(
            [
                [
                    "Date",
                    "Product, lot",
                    "Total",
                    "Paradigm",
                    "Interval",
                    "Injector",
                    "Side effects",
                ],
                *[
                    [
                        f"{s.date:%d %b %Y}",
                        f"{s.product} {s.lot}".strip(),
                        f"{s.total_units:g} U",
                        Paradigm(s.paradigm).label,
                        f"{s.planned_interval_weeks} weeks",
                        s.injector or "—",
                        "; ".join(
                            f"{e.get_kind_display()} from {e.onset_date:%d %b}, "
                            f"severity {e.severity}/3"
                            for e in s.side_effects.all()
                        )
                        or "none reported",
                    ]
                    for s in review.sessions
                ],
            ],
            [21, 36, 14, 38, 18, 25, 34],
        ),
    ]
    if review.next_due:
        story.append(para(f"Next injection due: {review.next_due_text}.", body))
    latest = review.overuse.months[-1] if review.overuse.months else None
    if latest is not None:
        by_class = ", ".join(
            f"{MedicationClass(name).label.lower()} {days}"
            for name, days in latest.days_by_class.items()
        )
        logged = f"{latest.logged_days} day{'' if latest.logged_days == 1 else 's'} logged"
        # clinical.md: a month with too few logged days is "not enough data", never "no overuse".
        judged = (
            ""
            if latest.enough_data
            else f": not enough data to judge overuse ({logging_floor_text()} needed)"
        )
        story.append(
            para(
                f"Acute-medication days in {latest.start:%B %Y} so far: {by_class or 'none'} "
                f"({logged}){judged}.",
                body,
            )
        )
    unknown = sum(1 for classes in review.analysis.days.values() if classes.duration_unknown)
    if unknown:
        # Counted apart (clinical.md, "Duration"): the headache-day counts above leave them out.
        story.append(
            para(
                f"Headaches of unknown duration (recorded without how long they lasted, "
                f"untreated): {unknown}. They are not counted as headache days above, nor as "
                f"headache-free days.",
                body,
            )
        )
    if review.decisions:
        story.append(para("Clinical decisions", heading))
        for flag in review.decisions[:5]:
            story.append(
                para(
                    f"{flag.reviewed_at:%d %b %Y}: {flag.get_kind_display()}: "
                    f"{flag.get_status_display()}"
                    + (f", {flag.get_decision_display()}" if flag.decision else "")
                    + (f". {flag.note}" if flag.note else "."),
                    body,
                )
            )
    signer = clinician_name if signs_off and clinician_name else ""
    signed_on = ""
    if sign_off is not None:
        signer = f"{sign_off.signed_by_name} (signed off in the clinic)"
        signed_on = f"{sign_off.signed_at:%d %b %Y}"
    signature = Table(
        [
            [
                para(f"Responsible clinician{f', {clinic_name}' if clinic_name else ''}", cell),
                para(signer, body),
                para("Signature", cell),
                "",
                para("Date", cell),
                para(signed_on, cell),
            ]
        ],
        colWidths=[44 * mm, 50 * mm, 16 * mm, 46 * mm, 10 * mm, 20 * mm],
    )
    signature.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                *(
                    ("LINEBELOW", (column, 0), (column, 0), 0.5, colors.black)
                    for column in (1, 3, 5)
                ),
            ]
        )
    )
    # The signature never stands alone on a page: it keeps the footnote above it.
    story.append(
        KeepTogether(
            [Spacer(1, 2 * mm), para(responders_footnote(), cell), Spacer(1, 2 * mm), signature]
        )
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=9 * mm,
        bottomMargin=8 * mm,
        title="Treatment review",
        author="Headache diary",
    )
    document.build(story)
    return buffer.getvalue()
