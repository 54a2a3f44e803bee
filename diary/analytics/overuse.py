"""Medication overuse after ICHD-3 8.2, counted in days with intake per calendar month.

- >= 10 days a month: triptans (8.2.2), ergots (8.2.1), opioids (8.2.4), combination analgesics
  (8.2.5), or several of these and simple analgesics together without any one overused (8.2.6,
  "multiple drug classes not individually overused").
- >= 15 days a month: simple analgesics, i.e. paracetamol, aspirin, NSAIDs (8.2.3).
- Gepants, ditans and other medicines (antiemetics) are not in ICHD-3 8.2 and never count.

ICHD-3 asks for regular overuse for more than 3 months, so a class is ``overuse`` when its
threshold was met in 4 consecutive calendar months, and ``at_risk`` after 1 to 3 such months.
Missing days are unknown, so counts are lower bounds: a threshold met is met for certain. The
running month counts once it has already reached a threshold; until then the run is judged on
the months before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from diary.analytics.day_classes import DayClasses
from diary.analytics.windows import day_calendar, month_bounds, month_start

SIMPLE_ANALGESIC = "simple_analgesic"
THRESHOLD_DAYS: dict[str, int] = {
    "triptan": 10,
    "ergot": 10,
    "opioid": 10,
    "combination_analgesic": 10,
    SIMPLE_ANALGESIC: 15,
}
MIXED = "mixed_classes"
MIXED_THRESHOLD_DAYS = 10
ICHD3_CLASSES = frozenset(THRESHOLD_DAYS)
# "More than 3 months": the fourth consecutive month over a threshold.
SUSTAINED_MONTHS = 4
# Months of history read before the first month shown, so a run can be sustained on day one.
HISTORY_MONTHS = SUSTAINED_MONTHS - 1

Status = Literal["none", "at_risk", "overuse"]


@dataclass(frozen=True)
class OveruseMonth:
    start: date
    end: date
    complete: bool
    logged_days: int
    days_by_class: dict[str, int]
    # Days with intake of any ICHD-3 8.2 class, for 8.2.6.
    any_ichd3_class_days: int
    over_threshold: tuple[str, ...]


@dataclass(frozen=True)
class MedicationOveruse:
    status: Status
    classes: dict[str, int]  # class (or mixed_classes) -> consecutive months over threshold
    months: tuple[OveruseMonth, ...]
    message: str


def overuse_month(
    *, days: Mapping[date, DayClasses], start: date, end: date, as_of: date
) -> OveruseMonth:
    days_by_class: dict[str, int] = {}
    any_class = 0
    logged = day_calendar(days).between(start, min(end, as_of))
    for classes in logged:
        if not classes.acute_medication_classes:
            continue
        taken = ICHD3_CLASSES.intersection(classes.acute_medication_classes)
        for medication_class in taken:
            days_by_class[medication_class] = days_by_class.get(medication_class, 0) + 1
        any_class += bool(taken)
    over = [c for c, limit in THRESHOLD_DAYS.items() if days_by_class.get(c, 0) >= limit]
    if not over and len(days_by_class) >= 2 and any_class >= MIXED_THRESHOLD_DAYS:
        over.append(MIXED)
    return OveruseMonth(
        start=start,
        end=end,
        complete=end <= as_of,
        logged_days=len(logged),
        days_by_class=dict(sorted(days_by_class.items())),
        any_ichd3_class_days=any_class,
        over_threshold=tuple(sorted(over)),
    )


def medication_overuse(
    *, days: Mapping[date, DayClasses], date_from: date, as_of: date
) -> MedicationOveruse:
    """Months from ``date_from`` to ``as_of`` and the overuse status on ``as_of``."""
    history_from = month_start(date_from)
    for _ in range(HISTORY_MONTHS):
        history_from = month_start(history_from - timedelta(days=1))
    days = day_calendar(days)
    months = [
        overuse_month(days=days, start=start, end=end, as_of=as_of)
        for start, end in month_bounds(date_from=history_from, date_to=as_of)
    ]
    judged = months
    if judged and not judged[-1].complete and not judged[-1].over_threshold:
        judged = judged[:-1]
    runs: dict[str, int] = {}
    for label in (*THRESHOLD_DAYS, MIXED):
        run = 0
        for month in reversed(judged):
            if label not in month.over_threshold:
                break
            run += 1
        if run:
            runs[label] = run
    if any(run >= SUSTAINED_MONTHS for run in runs.values()):
        status: Status = "overuse"
        message = "Medication overuse (ICHD-3 8.2): a threshold met for more than 3 months."
    elif runs:
        status = "at_risk"
        message = "At risk of medication overuse: a threshold met, not yet for more than 3 months."
    else:
        status = "none"
        message = "No ICHD-3 8.2 threshold met in the latest month."
    shown = tuple(m for m in months if m.end >= date_from)
    return MedicationOveruse(status=status, classes=runs, months=shown, message=message)
