"""One read of everything the analytics need for one patient, in a constant number of queries.

Diary days and medicine intakes are read as ``.values()`` rows (one query each), injection
sessions in a third, the frozen baseline in a fourth; the rest is pure computation. Five years
of daily entries is under 2,000 small rows, so reading a patient's whole history once is cheaper
and simpler than one query per window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from diary.analytics.day_classes import DayClasses, DayFacts, classify_day
from diary.models import (
    DiaryDay,
    InjectionSession,
    MedicationIntake,
    PatientProfile,
    TreatmentBaseline,
)


@dataclass(frozen=True)
class Injection:
    date: date
    planned_interval_weeks: int


@dataclass(frozen=True)
class PatientTimeline:
    facts: dict[date, DayFacts]
    injections: tuple[Injection, ...]
    as_of: date
    recalled_baseline_headache_days: int | None = None
    frozen_baseline: TreatmentBaseline | None = None

    @property
    def first_injection(self) -> date | None:
        return self.injections[0].date if self.injections else None

    def day_classes(self, *, rule: str) -> dict[date, DayClasses]:
        return {day: _classify(facts, rule) for day, facts in self.facts.items()}


@lru_cache(maxsize=4096)
def _classify(facts: DayFacts, rule: str) -> DayClasses:
    # Diaries repeat a few hundred day shapes; classifying each shape once is enough.
    return classify_day(facts, rule=rule)


_FACT_COLUMNS = ("date", "headache", "duration_hours", "peak_severity", *DiaryDay.FEATURES)


def patient_timeline(*, patient: PatientProfile, as_of: date) -> PatientTimeline:
    """Read the patient's diary, intakes, injections and frozen baseline up to ``as_of``."""
    classes_by_date: dict[date, set[str]] = defaultdict(set)
    intake_rows = MedicationIntake.objects.filter(
        diary_day__patient=patient, diary_day__date__lte=as_of
    ).values_list("diary_day__date", "medication__medication_class")
    for day, medication_class in intake_rows:
        classes_by_date[day].add(medication_class)

    facts: dict[date, DayFacts] = {}
    rows = DiaryDay.objects.filter(patient=patient, date__lte=as_of).order_by("date")
    for row in rows.values(*_FACT_COLUMNS):
        duration = row["duration_hours"]
        facts[row["date"]] = DayFacts(
            headache=row["headache"],
            duration_hours=None if duration is None else Decimal(duration),
            peak_severity=row["peak_severity"],
            features=frozenset(name for name in DiaryDay.FEATURES if row[name]),
            medication_classes=frozenset(classes_by_date.get(row["date"], ())),
        )

    injections = tuple(
        Injection(date=day, planned_interval_weeks=weeks)
        for day, weeks in InjectionSession.objects.filter(patient=patient, date__lte=as_of)
        .order_by("date")
        .values_list("date", "planned_interval_weeks")
    )
    return PatientTimeline(
        facts=facts,
        injections=injections,
        as_of=as_of,
        recalled_baseline_headache_days=patient.recalled_baseline_headache_days,
        frozen_baseline=TreatmentBaseline.objects.filter(patient=patient).first(),
    )
