"""Medication overuse after ICHD-3 8.2, counted in days with intake per calendar month.

- >= 10 days a month: triptans (8.2.2), ergots (8.2.1), opioids (8.2.4), combination analgesics
  (8.2.5), or several of these and simple analgesics together without any one overused (8.2.6,
  "multiple drug classes not individually overused").
- >= 15 days a month: simple analgesics, i.e. paracetamol, aspirin, NSAIDs (8.2.3).
- Gepants, ditans and other medicines (antiemetics) are not in ICHD-3 8.2 and never count.

ICHD-3 asks for regular overuse for more than 3 months: overuse of acute medicine in each of the
months, whichever class (or mix, 8.2.6) crosses its threshold in each (clinical.md, "Medication
overuse, more precisely"). So the status is ``overuse`` when a threshold was met in 4
consecutive calendar months, whichever, and ``at_risk`` after 1 to 3 such months. Missing days
are unknown, so counts are lower bounds: a threshold met is met for certain, while a month below
every threshold with too few logged days (the 20-of-28 floor, scaled to the month) is "not enough
data", never "no overuse". The running month counts once it has already reached a threshold;
until then the run is judged on the months before it.

Everyone reads the same months (``overuse_window``): the scan, triage, the patient page, the PDF
and the trends judge the running month and the ``SUSTAINED_MONTHS`` before it, so the evidence
never depends on who asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from diary.analytics.day_classes import DayClasses
from diary.analytics.windows import (
    day_calendar,
    is_sufficiently_logged,
    logging_floor_text,
    month_bounds,
    month_start,
)

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

Status = Literal["none", "at_risk", "overuse", "not_enough_data"]


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

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def enough_data(self) -> bool:
        """Judged for certain: a threshold met (a lower bound), or the month logged enough."""
        return bool(self.over_threshold) or is_sufficiently_logged(
            logged_days=self.logged_days, nominal_days=self.days
        )


@dataclass(frozen=True)
class MedicationOveruse:
    status: Status
    # Consecutive months, up to the latest judged, in which some threshold was met.
    months_over_threshold: int
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


_PLURALS = {
    "triptan": "triptans",
    "ergot": "ergots",
    "opioid": "opioids",
    "combination_analgesic": "combination analgesics",
    SIMPLE_ANALGESIC: "simple analgesics",
}


def overuse_limits() -> list[tuple[int, list[str]]]:
    """Each ICHD-3 8.2 limit in days a month with the classes it applies to (a mix: MIXED)."""
    by_limit: dict[int, list[str]] = {}
    for name, limit in THRESHOLD_DAYS.items():
        by_limit.setdefault(limit, []).append(name)
    by_limit.setdefault(MIXED_THRESHOLD_DAYS, []).append(MIXED)
    return sorted(by_limit.items())


def overuse_limits_text() -> str:
    """The ICHD-3 8.2 limits in words, from the thresholds the counts are judged by."""
    parts = []
    for limit, names in overuse_limits():
        classes = [_PLURALS.get(name, name.replace("_", " ")) for name in names if name != MIXED]
        mix = "a mix of classes" if MIXED in names else ""
        said = ", ".join(classes) + (" or " if classes and mix else "") + mix
        parts.append(f"{limit} days a month for {said}")
    return (
        f"Limits (ICHD-3 8.2): {'; '.join(parts)}; sustained for more than "
        f"{SUSTAINED_MONTHS - 1} months."
    )


def overuse_window(*, as_of: date) -> tuple[date, date]:
    """The months every overuse verdict reads: the running month and the 4 before it."""
    start = month_start(as_of)
    for _ in range(SUSTAINED_MONTHS):
        start = month_start(start - timedelta(days=1))
    return start, as_of


def overuse_months(
    *, days: Mapping[date, DayClasses], date_from: date, as_of: date
) -> tuple[OveruseMonth, ...]:
    """Each calendar month from ``date_from``'s to ``as_of``'s, for tables and charts."""
    days = day_calendar(days)
    return tuple(
        overuse_month(days=days, start=start, end=end, as_of=as_of)
        for start, end in month_bounds(date_from=date_from, date_to=as_of)
    )


def medication_overuse(*, days: Mapping[date, DayClasses], as_of: date) -> MedicationOveruse:
    """The overuse status on ``as_of``, from the months of ``overuse_window``."""
    date_from, _ = overuse_window(as_of=as_of)
    months = overuse_months(days=days, date_from=date_from, as_of=as_of)
    judged = list(months)
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
    any_run = 0
    for month in reversed(judged):
        if not month.over_threshold:
            break
        any_run += 1
    latest = judged[-1] if judged else None
    status: Status
    if any_run >= SUSTAINED_MONTHS:
        status = "overuse"
        message = (
            f"Medication overuse (ICHD-3 8.2): a threshold met in each of the last {any_run} "
            f"months, more than {SUSTAINED_MONTHS - 1}."
        )
    elif any_run:
        status = "at_risk"
        message = (
            f"At risk of medication overuse: a threshold met in the last {any_run} month"
            f"{'' if any_run == 1 else 's'}, not yet for more than {SUSTAINED_MONTHS - 1}."
        )
    elif latest is not None and not latest.enough_data:
        status = "not_enough_data"
        message = (
            f"Not enough data for medication overuse: {latest.logged_days} of the "
            f"{latest.days} days of {latest.start:%B %Y} logged ({logging_floor_text()} needed)."
        )
    else:
        status = "none"
        message = "No ICHD-3 8.2 threshold met in the latest month."
    return MedicationOveruse(
        status=status,
        months_over_threshold=any_run,
        classes=runs,
        months=months,
        message=message,
    )


def window_overuse_status(*, days: Mapping[date, DayClasses], start: date, end: date) -> Status:
    """The overuse status of one window's own days, as a frozen baseline records it.

    clinical.md asks for "the overuse status of its 28 days". Our reading: the months up to the
    window's end decide when they show overuse sustained (``medication_overuse``); otherwise the
    window is judged as one period, so a well-logged baseline never reads "not enough data"
    because a calendar month began before the diary did: a threshold met in it is "at risk"
    (more than 3 months cannot be seen in 28 days), none met over enough logged days "none".
    """
    if medication_overuse(days=days, as_of=end).status == "overuse":
        return "overuse"
    window = overuse_month(days=days, start=start, end=end, as_of=end)
    if window.over_threshold:
        return "at_risk"
    return "none" if window.enough_data else "not_enough_data"
