"""The triage list: one row per linked patient, built from the analytics, attention first.

Every figure names its window: the last 28 days' counts, and the response verdict with the
cycle window it judged, so a change over the last 28 days never sits unexplained beside a
verdict about another window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from diary import selectors
from diary.analytics.baseline import TreatmentResponse, percent_change, response_label
from diary.analytics.overuse import medication_overuse
from diary.analytics.trends import patient_analysis
from diary.analytics.verdicts import GuidelineVerdict
from diary.analytics.windows import WINDOW_DAYS, DayCounts
from diary.models import ClinicMember, FlagKind, PatientProfile, ReviewFlag, User
from diary.paradigms import next_due_date
from diary.scan import adherence_window
from diary.timelines import patient_timeline
from frontend.clinic.evidence import month_text

# Due within this many days counts as needing attention: time to book the appointment.
DUE_SOON_DAYS = 14
OVERUSE_LABELS = {
    "none": "none",
    "at_risk": "at risk",
    "overuse": "overuse",
    "not_enough_data": "not enough data",
}


@dataclass(frozen=True)
class TriageRow:
    patient: PatientProfile
    as_of: date
    cycle_number: int | None
    cycle_week: int | None
    last_28: DayCounts
    baseline_per_28: float | None
    change_percent: float | None
    responder: str
    overuse_status: str
    open_flags: int
    flag_kinds: tuple[str, ...]
    next_due: date | None
    response: TreatmentResponse | None = None
    flag_assignees: tuple[int | None, ...] = ()
    # The months ("YYYY-MM") a met stop-when-well rule rests on; empty when none is met.
    stop_when_well_months: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.patient.user)

    @property
    def overuse_label(self) -> str:
        return OVERUSE_LABELS.get(self.overuse_status, self.overuse_status)

    @property
    def flag_labels(self) -> list[str]:
        return [FlagKind(kind).label for kind in self.flag_kinds]

    @property
    def completeness_percent(self) -> int:
        return round(self.last_28.logged_days * 100 / WINDOW_DAYS)

    @property
    def has_red_flag(self) -> bool:
        return FlagKind.SIDE_EFFECT_RED_FLAG in self.flag_kinds

    @property
    def window_text(self) -> str:
        return f"{self.last_28.start:%-d %b} to {self.last_28.end:%-d %b}"

    @property
    def headache_days_text(self) -> str:
        """ "9 headache days of 28 logged days": the logged days are the base, not the window."""
        return (
            f"{self.last_28.headache_days} headache days of {self.last_28.logged_days} logged days"
        )

    @property
    def response_window_text(self) -> str:
        """Which window the verdict judged, and the change it found there."""
        response = self.response
        if response is None or response.window_start is None or response.window_end is None:
            return ""
        text = (
            f"after cycle {response.assessed_after_cycle}, "
            f"{response.window_start:%-d %b} to {response.window_end:%-d %b %Y}"
        )
        if response.percent_change is not None:
            change = response.percent_change
            text += f": {abs(round(change))} % {'fewer' if change <= 0 else 'more'} headache days"
        return text

    @property
    def stop_when_well_text(self) -> str:
        """The months a met stop-when-well rule judged: the rule names its window too."""
        months = self.stop_when_well_months
        if not months:
            return ""
        return f"{month_text(months[0])} to {month_text(months[-1])}, every month below the limit"

    @property
    def assessable(self) -> bool:
        return self.response is not None and self.response.assessable

    @property
    def due_soon(self) -> bool:
        return self.days_to_due is not None and self.days_to_due <= DUE_SOON_DAYS

    @property
    def days_to_due(self) -> int | None:
        return None if self.next_due is None else (self.next_due - self.as_of).days

    @property
    def attention(self) -> int:
        """Higher first: a red flag, open flags, then overuse, an injection due, a patchy diary."""
        score = 100 * self.open_flags
        if self.has_red_flag:
            score += 1000
        score += {"overuse": 50, "at_risk": 10}.get(self.overuse_status, 0)
        if self.days_to_due is not None and self.days_to_due <= DUE_SOON_DAYS:
            score += 20
        if not self.last_28.sufficient:
            score += 5
        return score


def stopping_verdicts(verdicts: tuple[GuidelineVerdict, ...]) -> list[GuidelineVerdict]:
    return [verdict for verdict in verdicts if verdict.status == "stop_when_well"]


def responder_text(*, response: TreatmentResponse, verdicts: tuple[GuidelineVerdict, ...]) -> str:
    """The verdict in a few words: a met stop-when-well rule is its guideline's verdict,
    whatever the response (``verdicts``), so no responder label stands beside it."""
    stopping = stopping_verdicts(verdicts)
    if stopping:
        return f"stop when well ({', '.join(verdict.title for verdict in stopping)})"
    return response_label(response)


def triage_row(
    *,
    patient: PatientProfile,
    open_flags: int,
    flag_kinds: tuple[str, ...],
    flag_assignees: tuple[int | None, ...] = (),
) -> TriageRow:
    as_of = selectors.local_today(user=patient.user)
    timeline = patient_timeline(patient=patient, as_of=as_of)
    analysis = patient_analysis(timeline=timeline, rule=patient.headache_day_rule)
    # The 28 days ending yesterday, the low-adherence flag's window: today cannot be logged
    # in full yet, so counting it would hold every diligent diary at 27 of 28.
    last_28 = adherence_window(analysis=analysis, today=as_of)
    running = analysis.cycles[-1] if analysis.cycles else None
    last = timeline.injections[-1] if timeline.injections else None
    overuse = medication_overuse(days=analysis.days, as_of=as_of)
    response = analysis.response
    return TriageRow(
        patient=patient,
        as_of=as_of,
        cycle_number=running.number if running else None,
        cycle_week=running.weeks[-1].week if running and running.weeks else None,
        last_28=last_28,
        baseline_per_28=analysis.baseline.headache_days_per_28,
        change_percent=percent_change(
            value=last_28.headache_days_per_28, baseline=analysis.baseline.headache_days_per_28
        ),
        responder=responder_text(response=response, verdicts=analysis.verdicts),
        stop_when_well_months=next(
            (
                verdict.stopping_rule.months
                for verdict in stopping_verdicts(analysis.verdicts)
                if verdict.stopping_rule is not None
            ),
            (),
        ),
        response=response,
        flag_assignees=flag_assignees,
        overuse_status=overuse.status,
        open_flags=open_flags,
        flag_kinds=flag_kinds,
        next_due=(
            next_due_date(injected_on=last.date, planned_interval_weeks=last.planned_interval_weeks)
            if last
            else None
        ),
    )


SORT_KEYS = {
    "attention": lambda row: (-row.attention, row.name.lower()),
    "name": lambda row: row.name.lower(),
    "week": lambda row: (row.cycle_week is None, -(row.cycle_week or 0)),
    "headache_days": lambda row: (
        row.last_28.headache_days_per_28 is None,
        -(row.last_28.headache_days_per_28 or 0),
    ),
    "change": lambda row: (row.change_percent is None, -(row.change_percent or 0)),
    "completeness": lambda row: row.completeness_percent,
    "flags": lambda row: (-row.open_flags, row.name.lower()),
    "due": lambda row: (row.next_due is None, row.next_due or date.max),
}


@dataclass(frozen=True)
class TriageFilters:
    query: str = ""
    open_flags: bool = False
    due: bool = False
    not_assessable: bool = False
    assignee: str = ""  # "mine", "unassigned" or ""

    @property
    def active(self) -> bool:
        return bool(
            self.query or self.open_flags or self.due or self.not_assessable or self.assignee
        )


ASSIGNEE_CHOICES = ("mine", "unassigned")


def triage_filters(params) -> TriageFilters:
    """Filters from the query string; unknown values are ignored rather than refused."""
    assignee = params.get("assignee", "")
    return TriageFilters(
        query=params.get("q", "").strip()[:100],
        open_flags=params.get("flags") == "open",
        due=params.get("due") == "soon",
        not_assessable=params.get("assessable") == "no",
        assignee=assignee if assignee in ASSIGNEE_CHOICES else "",
    )


def _matches(row: TriageRow, filters: TriageFilters, member: ClinicMember | None) -> bool:
    if filters.query:
        needle = filters.query.lower()
        haystack = [
            row.name,
            row.patient.user.email,
            row.patient.clinic_number,
            row.patient.full_name,
        ]
        if not any(needle in text.lower() for text in haystack if text):
            return False
    if filters.open_flags and not row.open_flags:
        return False
    if filters.due and not row.due_soon:
        return False
    if filters.not_assessable and row.assessable:
        return False
    if filters.assignee == "mine":
        return member is not None and member.pk in row.flag_assignees
    if filters.assignee == "unassigned":
        return None in row.flag_assignees
    return True


def triage_rows(
    *, clinician_user: User, sort: str = "attention", filters: TriageFilters | None = None
) -> list[TriageRow]:
    filters = filters or TriageFilters()
    member = selectors.clinic_membership_of(clinician_user=clinician_user)
    flags: dict[int, list[ReviewFlag]] = selectors.flags_under_review_by_patient(
        clinician_user=clinician_user
    )
    rows = [
        triage_row(
            patient=patient,
            open_flags=patient.under_review,
            flag_kinds=tuple(sorted(flag.kind for flag in flags.get(patient.pk, []))),
            flag_assignees=tuple(flag.assignee_id for flag in flags.get(patient.pk, [])),
        )
        for patient in selectors.triage_patients(clinician_user=clinician_user)
    ]
    rows = [row for row in rows if _matches(row, filters, member)]
    return sorted(rows, key=SORT_KEYS.get(sort, SORT_KEYS["attention"]))
