"""Treatment cycles: from one injection to the next, or to the as-of date.

Cycle day 0 is the injection day and cycle week 1 is days 0-6. Benefit starts after 5-10 days
and pain often rises for a few days after the needles, so the cycle's plateau is weeks 3-9; the
end of the cycle, where wear-off shows, runs from week 10 to the day before the next injection
(Masters-Israilov & Robbins, Headache 2019; Headache 2020, PMID 31758548: weekly diaries show a
U-shaped curve with wear-off from weeks 8-10).

Only cycles actually given are cycles: each starts at a recorded injection, and none is ever
projected past its planned interval. Response is judged over a cycle's days 7 to its planned
interval (clinical.md, "Judging response"): the first week holds the needle flare and the toxin's
onset, and the days after the planned interval (a late injection, a pause) are reported as
overdue, in no cycle's verdict. A treatment course starts with its first injection and ends
after a pause longer than twice the planned interval; the next injection starts a new course.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache

from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import Injection
from diary.analytics.windows import DayCounts, count_days, day_calendar

PLATEAU_FIRST_WEEK = 3
PLATEAU_LAST_WEEK = 9
END_OF_CYCLE_FIRST_WEEK = 10


def plateau_label() -> str:
    """The plateau's weeks in words, for every label and evidence text that names them."""
    return f"weeks {PLATEAU_FIRST_WEEK}-{PLATEAU_LAST_WEEK}"


def end_of_cycle_label() -> str:
    return f"from week {END_OF_CYCLE_FIRST_WEEK}"


# Cycle day 7: the first day of a cycle's response window, after the flare and the onset.
RESPONSE_FIRST_DAY = 7
# PREEMPT's primary endpoint: the last 28 days of cycle 2 (weeks 21-24 of treatment).
PREEMPT_ENDPOINT_DAYS = 28
# A pause longer than this many planned intervals ends a treatment course.
COURSE_PAUSE_INTERVALS = 2
# Overdue starts after the planned interval plus this (clinical.md, "Wear-off, more precisely").
GRACE_WEEKS = 1


def end_window_last_day(*, start: date, planned_interval_weeks: int) -> date:
    """The last day the end of a cycle may reach: the planned interval plus the grace week;
    later days are overdue (a late injection, a pause), never end of cycle."""
    return start + timedelta(days=7 * (planned_interval_weeks + GRACE_WEEKS) - 1)


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
    # What the plateau, the end of the cycle and the week-by-week profile are counted from,
    # when first asked for: the nightly scan reads none of them (wear_off.py counts its own
    # windows).
    days: Mapping[date, DayClasses] = field(repr=False, compare=False)
    as_of: date = field(repr=False, compare=False)

    @cached_property
    def plateau(self) -> DayCounts:
        plateau_start = cycle_week_start(cycle_start=self.start, week=PLATEAU_FIRST_WEEK)
        plateau_end = cycle_week_start(cycle_start=self.start, week=PLATEAU_LAST_WEEK + 1)
        return count_days(
            days=self.days,
            start=plateau_start,
            end=min(plateau_end - timedelta(days=1), self.end),
            as_of=self.as_of,
            nominal_days=7 * (PLATEAU_LAST_WEEK - PLATEAU_FIRST_WEEK + 1),
        )

    @cached_property
    def end_of_cycle(self) -> DayCounts | None:
        """From week 10 to the next injection, at most to the planned interval plus the grace
        week (``end_window_last_day``): overdue weeks are not the end of the cycle."""
        end_start = cycle_week_start(cycle_start=self.start, week=END_OF_CYCLE_FIRST_WEEK)
        last = min(
            self.end,
            end_window_last_day(
                start=self.start, planned_interval_weeks=self.planned_interval_weeks
            ),
        )
        if end_start > last:
            return None
        return count_days(days=self.days, start=end_start, end=last, as_of=self.as_of)

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

    @property
    def planned_end(self) -> date:
        """The last day of the planned interval: day 83 of a 12-week cycle."""
        return self.start + timedelta(weeks=self.planned_interval_weeks, days=-1)

    @property
    def response_window_start(self) -> date:
        return self.start + timedelta(days=RESPONSE_FIRST_DAY)

    @property
    def response_window_end(self) -> date:
        """The planned interval's last day, or the day before an early next injection."""
        return min(self.planned_end, self.end) if self.complete else self.planned_end

    @property
    def response_window_closed(self) -> bool:
        """Whether the window is over: the next injection came, or the planned interval ended."""
        return self.complete or self.as_of >= self.planned_end

    @cached_property
    def response_window(self) -> DayCounts | None:
        """Days 7 to the planned interval; None for a cycle that ended before its day 7."""
        start, end = self.response_window_start, self.response_window_end
        if end < start:
            return None
        return count_days(days=self.days, start=start, end=end, as_of=self.as_of)

    @cached_property
    def last_28_days(self) -> DayCounts:
        """The last 28 days of the planned interval, PREEMPT's endpoint window."""
        end = self.response_window_end
        start = max(self.start, self.planned_end - timedelta(days=PREEMPT_ENDPOINT_DAYS - 1))
        return count_days(days=self.days, start=start, end=end, as_of=self.as_of)

    @cached_property
    def overdue(self) -> DayCounts | None:
        """The days after the planned interval until the next injection, or until the day before
        the as-of date: the due date itself (the day after the planned interval) is on time
        until it has passed with no injection."""
        start = self.planned_end + timedelta(days=1)
        end = self.end if self.complete else min(self.end, self.as_of - timedelta(days=1))
        if end < start:
            return None
        return count_days(days=self.days, start=start, end=end, as_of=self.as_of)


def overdue_days(cycles: Sequence[TreatmentCycle]) -> int:
    """Days the running cycle's due date has passed with no injection; 0 when none is late."""
    running = cycles[-1] if cycles else None
    if running is None or running.complete or running.overdue is None:
        return 0
    return running.overdue.elapsed_days


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
        cycles.append(
            TreatmentCycle(
                number=index + 1,
                start=injection.date,
                end=end,
                next_injection=following,
                planned_interval_weeks=injection.planned_interval_weeks,
                days=days,
                as_of=as_of,
            )
        )
    return cycles


@dataclass(frozen=True)
class TreatmentCourse:
    """Injections with no pause longer than twice the planned interval between them."""

    number: int
    # Indexes into the injections, first and last, inclusive.
    first_index: int
    last_index: int
    first_injection: date


def treatment_courses(*, injections: Sequence[Injection]) -> tuple[TreatmentCourse, ...]:
    return _treatment_courses(tuple(injections))


# An analysis asks for its patient's courses several times (baseline, response, freezing).
@lru_cache(maxsize=4096)
def _treatment_courses(injections: tuple[Injection, ...]) -> tuple[TreatmentCourse, ...]:
    courses: list[TreatmentCourse] = []
    first = 0
    for index in range(1, len(injections) + 1):
        if index < len(injections):
            previous, current = injections[index - 1], injections[index]
            pause = timedelta(weeks=COURSE_PAUSE_INTERVALS * previous.planned_interval_weeks)
            if current.date - previous.date <= pause:
                continue
        courses.append(
            TreatmentCourse(
                number=len(courses) + 1,
                first_index=first,
                last_index=index - 1,
                first_injection=injections[first].date,
            )
        )
        first = index
    return tuple(courses)
