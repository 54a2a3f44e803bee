"""The triage list: one row per linked patient, built from the analytics, attention first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q

from diary import selectors
from diary.analytics.baseline import percent_change, response_label
from diary.analytics.overuse import medication_overuse
from diary.analytics.trends import patient_analysis
from diary.analytics.windows import WINDOW_DAYS, DayCounts, count_days
from diary.models import UNDER_REVIEW, FlagKind, PatientProfile, User
from diary.paradigms import next_due_date
from diary.timelines import patient_timeline

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
    def days_to_due(self) -> int | None:
        return None if self.next_due is None else (self.next_due - self.as_of).days

    @property
    def attention(self) -> int:
        """Higher first: open flags, then overuse, an injection due, and a patchy diary."""
        score = 100 * self.open_flags
        score += {"overuse": 50, "at_risk": 10}.get(self.overuse_status, 0)
        if self.days_to_due is not None and self.days_to_due <= DUE_SOON_DAYS:
            score += 20
        if not self.last_28.sufficient:
            score += 5
        return score


def triage_row(*, patient: PatientProfile, open_flags: int, flag_kinds: tuple[str, ...]):
    as_of = selectors.local_today(user=patient.user)
    timeline = patient_timeline(patient=patient, as_of=as_of)
    analysis = patient_analysis(timeline=timeline, rule=patient.headache_day_rule)
    last_28 = count_days(
        days=analysis.days,
        start=as_of - timedelta(days=WINDOW_DAYS - 1),
        end=as_of,
        as_of=as_of,
        nominal_days=WINDOW_DAYS,
    )
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
        responder=response_label(response),
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


def triage_rows(*, clinician_user: User, sort: str = "attention") -> list[TriageRow]:
    patients = (
        selectors.patients_for_clinician(clinician_user=clinician_user)
        .select_related("user")
        .annotate(
            under_review=Count("flags", filter=Q(flags__status__in=UNDER_REVIEW), distinct=True)
        )
    )
    kinds: dict[int, list[str]] = {}
    for patient_id, kind in (
        selectors.flags_for_clinician(clinician_user=clinician_user)
        .filter(status__in=UNDER_REVIEW)
        .values_list("patient_id", "kind")
    ):
        kinds.setdefault(patient_id, []).append(kind)
    rows = [
        triage_row(
            patient=patient,
            open_flags=patient.under_review,
            flag_kinds=tuple(sorted(kinds.get(patient.pk, []))),
        )
        for patient in patients
    ]
    return sorted(rows, key=SORT_KEYS.get(sort, SORT_KEYS["attention"]))
