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
from diary.analytics.baseline import (
    RESPONDER_NICE_PERCENT,
    RESPONDER_TRIAL_PERCENT,
    Baseline,
    TreatmentResponse,
)
from diary.analytics.cycles import TreatmentCycle
from diary.analytics.day_classes import RULE_SETS
from diary.analytics.overuse import MedicationOveruse, medication_overuse
from diary.analytics.trends import PatientAnalysis, patient_analysis
from diary.analytics.wear_off import CycleWearOff, WearOffPattern
from diary.analytics.windows import DayCounts, count_days, month_start, per_28
from diary.interop.csv_export import escape_cell
from diary.models import (
    DiaryDay,
    FlagStatus,
    InjectionSession,
    MedicationClass,
    Paradigm,
    PatientProfile,
    ReviewFlag,
)
from diary.paradigms import PREEMPT_SITES, next_due_date
from diary.timelines import patient_timeline


def percent_change(*, value: float | None, baseline: float | None) -> float | None:
    """Change against baseline in percent, as the response is expressed (negative is better)."""
    if value is None or not baseline:
        return None
    return round((value - baseline) / baseline * 100, 1)


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
    counts: DayCounts
    acute_medication_days_per_28: float | None
    percent_change: float | None
    wear_off: CycleWearOff | None

    @property
    def responder_30(self) -> bool | None:
        if self.percent_change is None:
            return None
        return -self.percent_change >= RESPONDER_NICE_PERCENT

    @property
    def responder_50(self) -> bool | None:
        if self.percent_change is None:
            return None
        return -self.percent_change >= RESPONDER_TRIAL_PERCENT


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
    def best_cycle(self) -> int | None:
        """The finished cycle with the fewest headache days per 28 days, when one can be read."""
        readable = [
            c for c in self.cycles if c.complete and c.counts.headache_days_per_28 is not None
        ]
        if not readable:
            return None
        return min(readable, key=lambda c: c.counts.headache_days_per_28).number


def cycle_outcome(
    *,
    cycle: TreatmentCycle,
    analysis: PatientAnalysis,
    session: InjectionSession | None,
    baseline: Baseline,
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
        acute_medication_days_per_28=per_28(
            count=counts.acute_medication_days,
            logged_days=counts.logged_days,
            sufficient=counts.sufficient,
        ),
        percent_change=percent_change(
            value=counts.headache_days_per_28, baseline=baseline.headache_days_per_28
        ),
        wear_off=wear_off,
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
            cycle=cycle,
            analysis=analysis,
            session=by_date.get(cycle.start),
            baseline=analysis.baseline,
        )
        for cycle in analysis.cycles
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
        overuse=medication_overuse(days=analysis.days, date_from=month_start(as_of), as_of=as_of),
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
            day.peak_severity,
            *(getattr(day, feature) for feature in DiaryDay.FEATURES),
            day.disability,
            classes.headache_day if classes else None,
            classes.migraine_day if classes else None,
            classes.moderate_severe_day if classes else None,
            " ".join(classes.acute_medication_classes) if classes else "",
            "; ".join(f"{i.medication.name} x{i.doses}" for i in day.intakes.all()),
            day.notes,
        ]
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


# PDF ------------------------------------------------------------------------------------------


def _number(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:g}{suffix}"


def _yes_no(value: bool | None) -> str:
    return "not assessable" if value is None else ("yes" if value else "no")


def baseline_sentence(baseline: Baseline) -> str:
    if baseline.headache_days_per_28 is None:
        return f"Baseline: not available. {baseline.message}"
    source = {"diary": "from the diary", "recalled": "recalled by the patient"}[baseline.source]
    logged = f", {baseline.logged_days} of 28 days logged" if baseline.logged_days else ""
    return (
        f"Baseline: {baseline.headache_days_per_28:g} headache days per 28 days "
        f"({baseline.window_start:%d %b %Y} to {baseline.window_end:%d %b %Y}, {source}{logged})."
        + (
            f" Migraine days: {baseline.migraine_days}."
            if baseline.migraine_days is not None
            else ""
        )
    )


def response_sentence(response: TreatmentResponse) -> str:
    if not response.assessable:
        return response.message
    return (
        f"{response.message} Change: {response.percent_change:+g} % "
        f"({response.headache_days_per_28:g} vs {response.baseline_headache_days_per_28:g} "
        f"headache days per 28 days, {response.window_start:%d %b} to "
        f"{response.window_end:%d %b %Y}, {response.logged_days} days logged). "
        f"Responder at 30 %: {_yes_no(response.responder_30)}; "
        f"at 50 %: {_yes_no(response.responder_50)}."
    )


def report_pdf(review: TreatmentReview, *, clinician_name: str = "") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontSize=8.5, leading=10.5, spaceAfter=2)
    heading = styles["Heading3"].clone("heading", fontSize=10, spaceBefore=5, spaceAfter=2)
    cell = body.clone("cell", fontSize=7.5, leading=9, spaceAfter=0)
    patient = review.patient

    def para(text: str, style) -> Paragraph:
        # Paragraph reads its text as markup; patients' and clinicians' words must stay text.
        return Paragraph(escape(str(text)), style)

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        data = [[para(value, cell) for value in row] for row in rows]
        result = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa7b2")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return result

    story = [
        para("Treatment review: onabotulinumtoxinA for chronic migraine", styles["Title"]),
        para(
            f"Patient: {patient.user.display_name or patient.user.email} "
            f"({patient.user.email}). As of {review.as_of:%d %b %Y}. "
            f"Headache day: {review.rule_description}"
            + (f" Prepared for {clinician_name}." if clinician_name else ""),
            body,
        ),
        para("Baseline and response", heading),
        para(baseline_sentence(review.baseline), body),
        para(response_sentence(review.response), body),
        para(
            f"Medication overuse (ICHD-3 8.2): {review.overuse.message} "
            f"End-of-cycle wear-off: {review.wear_off.message}",
            body,
        ),
        para("Headache days per 28 days, by treatment cycle", heading),
        table(
            [
                [
                    "Cycle",
                    "Injection",
                    "Dose and pattern",
                    "Days logged",
                    "Headache days /28",
                    "Change",
                    "≥30 %",
                    "≥50 %",
                    "Migraine days /28",
                    "Acute-med. days /28",
                    "End-of-cycle rise",
                ],
                *[
                    [
                        f"{c.number}{'' if c.complete else ' (running)'}",
                        f"{c.start:%d %b %Y}",
                        f"{c.session.total_units:g} U, {c.pattern}" if c.session else "—",
                        f"{c.counts.logged_days} of {c.counts.elapsed_days}",
                        _number(c.counts.headache_days_per_28),
                        _number(c.percent_change, " %"),
                        _yes_no(c.responder_30),
                        _yes_no(c.responder_50),
                        _number(c.counts.migraine_days_per_28),
                        _number(c.acute_medication_days_per_28),
                        (
                            f"{c.wear_off.plateau_rate:.0%} → {c.wear_off.end_rate:.0%}"
                            if c.wear_off and c.wear_off.risk_difference is not None
                            else "—"
                        ),
                    ]
                    for c in review.cycles
                ],
            ],
            [11, 18, 38, 14, 15, 13, 10, 10, 15, 15, 21],
        ),
        para(
            "Whole-cycle counts, prorated over logged days; missing days are never counted as "
            "headache-free. End-of-cycle rise: share of logged days with headache in weeks 3-9 "
            "against week 10 onward.",
            cell,
        ),
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
            [20, 30, 14, 38, 16, 28, 34],
        ),
    ]
    if review.next_due:
        story.append(para(f"Next injection due: {review.next_due:%d %b %Y}.", body))
    latest = review.overuse.months[-1] if review.overuse.months else None
    if latest is not None:
        by_class = ", ".join(
            f"{MedicationClass(name).label.lower()} {days}"
            for name, days in latest.days_by_class.items()
        )
        story.append(
            para(
                f"Acute-medication days in {latest.start:%B %Y} so far: {by_class or 'none'} "
                f"({latest.logged_days} days logged).",
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
    story += [
        Spacer(1, 3 * mm),
        para(
            "Responders: at least 30 % (NICE TA260, EHF 2018) and 50 % (trials) fewer headache "
            "days per 28 days than baseline, judged from the end of cycle 2.",
            cell,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title="Treatment review",
        author="Headache diary",
    )
    document.build(story)
    return buffer.getvalue()
