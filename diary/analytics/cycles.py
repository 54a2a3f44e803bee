"""Treatment cycles: from one injection to the next, or to the as-of date.

Cycle day 0 is the injection day and cycle week 1 is days 0-6. Benefit starts after 5-10 days
and pain often rises for a few days after the needles, so the cycle's plateau is weeks 3-9; the
end of the cycle, where wear-off shows, runs from week 10 to the day before the next injection
(Masters-Israilov & Robbins, Headache 2019; Headache 2020, PMID 31758548: weekly diaries show a
U-shaped curve with wear-off from weeks 8-10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import Injection
from diary.analytics.windows import DayCounts, count_days, day_calendar

PLATEAU_FIRST_WEEK = 3
PLATEAU_LAST_WEEK = 9
END_OF_CYCLE_FIRST_WEEK = 10


@dataclass(frozen=True)
class CycleWeek:
    week: int
    counts: DayCounts


@dataclass(frozen=True)
class TreatmentCycle:
    number: int
    start: date
    # The day before the next injection, or the as-of date for the running cycle.
    end: date
    next_injection: date | None
    planned_interval_weeks: int
    plateau: DayCounts
    end_of_cycle: DayCounts | None
    # What the week-by-week profile is counted from, when first asked for: the nightly scan
    # reads only the plateau and the end of the cycle.
    days: Mapping[date, DayClasses] = field(repr=False, compare=False)
    as_of: date = field(repr=False, compare=False)

    @cached_property
    def weeks(self) -> tuple[CycleWeek, ...]:
        weeks = []
        week = 1
        while (start := cycle_week_start(cycle_start=self.start, week=week)) <= self.end:
            week_end = min(start + timedelta(days=6), self.end)
            counts = count_days(
                days=self.days, start=start, end=week_end, as_of=self.as_of, nominal_days=7
            )
            weeks.append(CycleWeek(week=week, counts=counts))
            week += 1
        return tuple(weeks)

    @property
    def length_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def complete(self) -> bool:
        return self.next_injection is not None


def cycle_week_start(*, cycle_start: date, week: int) -> date:
    return cycle_start + timedelta(days=7 * (week - 1))


def treatment_cycles(
    *, days: Mapping[date, DayClasses], injections: Sequence[Injection], as_of: date
) -> list[TreatmentCycle]:
    days = day_calendar(days)
    cycles = []
    for index, injection in enumerate(injections):
        if injection.date > as_of:
            break
        following = injections[index + 1].date if index + 1 < len(injections) else None
        if following is not None and following > as_of:
            following = None
        end = following - timedelta(days=1) if following else as_of
        plateau_start = cycle_week_start(cycle_start=injection.date, week=PLATEAU_FIRST_WEEK)
        plateau_end = cycle_week_start(cycle_start=injection.date, week=PLATEAU_LAST_WEEK + 1)
        plateau = count_days(
            days=days,
            start=plateau_start,
            end=min(plateau_end - timedelta(days=1), end),
            as_of=as_of,
            nominal_days=7 * (PLATEAU_LAST_WEEK - PLATEAU_FIRST_WEEK + 1),
        )
        end_start = cycle_week_start(cycle_start=injection.date, week=END_OF_CYCLE_FIRST_WEEK)
        end_of_cycle = (
            count_days(days=days, start=end_start, end=end, as_of=as_of)
            if end_start <= end
            else None
        )
        cycles.append(
            TreatmentCycle(
                number=index + 1,
                start=injection.date,
                end=end,
                next_injection=following,
                planned_interval_weeks=injection.planned_interval_weeks,
                plateau=plateau,
                end_of_cycle=end_of_cycle,
                days=days,
                as_of=as_of,
            )
        )
    return cycles


def cycle_end_date(*, injections: Sequence[Injection], number: int) -> date | None:
    """The last day of cycle ``number``: the day before the next injection, else as planned.

    Without a next injection, a cycle is taken to end after its planned interval, so a response
    can be judged on schedule even when the next injection is late or never recorded.
    """
    if number < 1:
        return None
    if number < len(injections):
        return injections[number].date - timedelta(days=1)
    if not injections:
        return None
    last = injections[-1]
    # Cycles never started are projected at the last planned interval.
    missing = number - len(injections) + 1
    return last.date + timedelta(weeks=last.planned_interval_weeks * missing) - timedelta(days=1)
