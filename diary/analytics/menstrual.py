"""Menstrual migraine (ICHD-3 appendix A1.1), from the days a patient ticked menstruation.

ICHD-3 A1.1: attacks on day 1 +/- 2 of menstruation (days -2 to +3; there is no day 0) in at
least two of three menstrual cycles, documented prospectively over at least three cycles
(clinical.md, "Menstrual migraine"). Pure menstrual migraine (A1.1.1) when attacks occur at no
other time of the cycle; menstrually related (A1.1.2) when they also occur at other times.

Readings where the criteria are silent, chosen to never claim more than the diary shows:
- Day 1 is the first day of a run of ticked days; a run of ticked days is one menstruation.
- An attack is a migraine day as the day classes count it.
- A cycle whose window holds no attack counts as "no attack" only when every day of the window
  was logged; a window with missing days and no attack is left out, as is one still running.
- "Pure" looks at the logged days from the first window to the last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from diary.analytics.day_classes import DayClasses

DAYS_BEFORE_DAY_1 = 2  # days -2 and -1
DAYS_FROM_DAY_1 = 3  # days 1, 2 and 3
MIN_CYCLES = 3
# At least two of three cycles.
CYCLES_WITH_ATTACK = 2
OF_CYCLES = 3
CRITERIA = (
    f"ICHD-3 A1.1: migraine on days -{DAYS_BEFORE_DAY_1} to +{DAYS_FROM_DAY_1} of menstruation "
    f"in at least {CYCLES_WITH_ATTACK} of {OF_CYCLES} cycles, over at least {MIN_CYCLES} cycles."
)


@dataclass(frozen=True)
class MenstrualWindow:
    day_1: date
    start: date
    end: date
    logged_days: int
    # None: not assessable (days missing without an attack, or the window still running).
    attack: bool | None


@dataclass(frozen=True)
class MenstrualMigraine:
    status: str  # "not_assessable", "not_met", "menstrually_related", "pure_menstrual"
    message: str
    criteria: str
    cycles: tuple[MenstrualWindow, ...]
    cycles_assessed: int
    cycles_with_attack: int
    attacks_outside_windows: int


def menstruation_onsets(menstruation_days: Iterable[date]) -> list[date]:
    """Day 1 of each menstruation: a ticked day whose day before was not ticked."""
    ticked = set(menstruation_days)
    return sorted(day for day in ticked if day - timedelta(days=1) not in ticked)


def _window(day_1: date, days: Mapping[date, DayClasses], as_of: date) -> MenstrualWindow:
    start = day_1 - timedelta(days=DAYS_BEFORE_DAY_1)
    end = day_1 + timedelta(days=DAYS_FROM_DAY_1 - 1)
    span = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    logged = [days[day] for day in span if day in days]
    attack: bool | None = any(classes.migraine_day for classes in logged)
    if not attack and (len(logged) < len(span) or end > as_of):
        attack = None
    return MenstrualWindow(
        day_1=day_1, start=start, end=end, logged_days=len(logged), attack=attack
    )


def menstrual_migraine(
    *, menstruation_days: Iterable[date], days: Mapping[date, DayClasses], as_of: date
) -> MenstrualMigraine | None:
    """The A1.1 status; None for a patient who never ticked menstruation."""
    onsets = menstruation_onsets(menstruation_days)
    if not onsets:
        return None
    windows = tuple(_window(day_1, days, as_of) for day_1 in onsets)
    assessed = [window for window in windows if window.attack is not None]
    with_attack = sum(1 for window in assessed if window.attack)
    in_windows = {
        window.start + timedelta(days=offset)
        for window in windows
        for offset in range((window.end - window.start).days + 1)
    }
    first, last = windows[0].start, min(windows[-1].end, as_of)
    outside = sum(
        1
        for day, classes in days.items()
        if first <= day <= last and day not in in_windows and classes.migraine_day
    )
    if len(assessed) < MIN_CYCLES:
        status = "not_assessable"
        message = (
            f"Not assessable yet: {len(assessed)} of the {MIN_CYCLES} menstrual cycles needed "
            f"have days -{DAYS_BEFORE_DAY_1} to +{DAYS_FROM_DAY_1} fully logged."
        )
    elif with_attack * OF_CYCLES < CYCLES_WITH_ATTACK * len(assessed):
        status = "not_met"
        message = (
            f"Migraine around menstruation in {with_attack} of {len(assessed)} cycles: fewer "
            f"than {CYCLES_WITH_ATTACK} in {OF_CYCLES}."
        )
    else:
        status = "pure_menstrual" if outside == 0 else "menstrually_related"
        kind = "only then (pure menstrual migraine)" if outside == 0 else "and at other times"
        message = (
            f"Migraine around menstruation in {with_attack} of {len(assessed)} cycles, {kind}."
        )
    return MenstrualMigraine(
        status=status,
        message=message,
        criteria=CRITERIA,
        cycles=windows,
        cycles_assessed=len(assessed),
        cycles_with_attack=with_attack,
        attacks_outside_windows=outside,
    )
