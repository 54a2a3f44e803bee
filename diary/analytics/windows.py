"""Counts of day classes over periods: 28-day windows, calendar months, cycle weeks.

Headache days per 28 days is the standard outcome (PREEMPT primary endpoint; IHS guidelines for
controlled trials in chronic migraine, Tassorelli et al., Cephalalgia 2018;38:815-832). A day
with no entry is missing, never headache-free: every count carries the number of logged days it
rests on, and a 28-day window with fewer than 20 logged days is insufficient. Rates per 28 days
are prorated over logged days (headache days x 28 / logged days) and given only for sufficient
periods, so a patient who logs only bad days is not shown a figure the diary cannot support.
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from diary.analytics.day_classes import DayClasses

WINDOW_DAYS = 28
MIN_LOGGED_DAYS_PER_28 = 20


@dataclass(frozen=True)
class DayCounts:
    """Day classes counted over ``start``..``end`` (inclusive), over logged days only."""

    start: date
    end: date
    # Calendar days of the period that have passed (up to the as-of date).
    elapsed_days: int
    # Days the period spans in full, e.g. 28 for a window, 31 for January.
    nominal_days: int
    logged_days: int
    headache_days: int
    migraine_days: int
    moderate_severe_days: int
    acute_medication_days: int
    acute_medication_days_by_class: dict[str, int] = field(default_factory=dict)
    # Days with migraine or a moderate-to-severe headache: the IHS 2025 outcome.
    migraine_or_moderate_severe_days: int = 0
    # Untreated headaches of unknown duration: neither headache days nor headache-free.
    duration_unknown_days: int = 0

    @property
    def missing_days(self) -> int:
        return self.elapsed_days - self.logged_days

    @property
    def judged_days(self) -> int:
        """Logged days that are a headache day or headache-free under the rule set.

        clinical.md: a day of unknown duration is "counted apart, and never headache-free". Our
        reading for rates: it is left out of the days a rate rests on, as a missing day is,
        since counting it in the denominator would make it count as headache-free; the
        logging floor then applies to the judged days.
        """
        return self.logged_days - self.duration_unknown_days

    @property
    def sufficient(self) -> bool:
        return is_sufficiently_logged(logged_days=self.judged_days, nominal_days=self.nominal_days)

    @property
    def headache_days_per_28(self) -> float | None:
        return per_28(
            count=self.headache_days, logged_days=self.judged_days, sufficient=self.sufficient
        )

    @property
    def migraine_days_per_28(self) -> float | None:
        return per_28(
            count=self.migraine_days, logged_days=self.judged_days, sufficient=self.sufficient
        )


def is_sufficiently_logged(*, logged_days: int, nominal_days: int) -> bool:
    """20 of 28 days, scaled to the period's length (23 of 31 for a long month)."""
    return logged_days * WINDOW_DAYS >= MIN_LOGGED_DAYS_PER_28 * nominal_days


def min_logged_days(*, window_days: int) -> int:
    """The logging floor of a verdict's window: 20 of 28 days, or the same share of a longer one.

    clinical.md gives the floor for 28 days and longer windows; a shorter window (a cycle cut
    short, a running one) still needs the 20 days, since fewer cannot carry a monthly verdict:
    a 1-day "cycle" must never read as 100 % fewer headache days.
    """
    return max(
        MIN_LOGGED_DAYS_PER_28, math.ceil(MIN_LOGGED_DAYS_PER_28 * window_days / WINDOW_DAYS)
    )


def logging_floor_text() -> str:
    return f"{MIN_LOGGED_DAYS_PER_28} of every {WINDOW_DAYS} days"


def per_28(*, count: int, logged_days: int, sufficient: bool = True) -> float | None:
    if not sufficient or logged_days == 0:
        return None
    return round(count * WINDOW_DAYS / logged_days, 1)


class DayCalendar(Mapping[date, DayClasses]):
    """Day classes by date, kept in date order so a period's days are found by bisection.

    Counting over a period then visits only the days logged in it instead of probing every
    calendar day. Built once per analysis (``day_calendar``); read-only. The analytics only
    count periods, so the map by date is built on first use as a mapping.
    """

    __slots__ = ("_by_date", "_classes", "_ordinals")

    def __init__(self, days: Mapping[date, DayClasses]):
        ordered = sorted(days.items())
        self._by_date: dict[date, DayClasses] | None = dict(ordered)
        self._ordinals = [day.toordinal() for day, _ in ordered]
        self._classes = [classes for _, classes in ordered]

    @classmethod
    def from_ordinals(cls, *, ordinals: list[int], classes: list[DayClasses]) -> DayCalendar:
        """From day ordinals in increasing order and their classes, without sorting again."""
        if len(ordinals) != len(classes):
            raise ValueError("Each day needs its classes.")
        calendar = cls.__new__(cls)
        calendar._by_date = None
        calendar._ordinals = ordinals
        calendar._classes = classes
        return calendar

    def _dates(self) -> dict[date, DayClasses]:
        if self._by_date is None:
            self._by_date = dict(
                zip(map(date.fromordinal, self._ordinals), self._classes, strict=True)
            )
        return self._by_date

    def __getitem__(self, day: date) -> DayClasses:
        return self._dates()[day]

    def __iter__(self) -> Iterator[date]:
        return iter(self._dates())

    def __len__(self) -> int:
        return len(self._ordinals)

    def get(self, day, default=None):
        return self._dates().get(day, default)

    def between(self, first: date, last: date) -> list[DayClasses]:
        """The logged days from ``first`` to ``last`` inclusive, in date order."""
        low = bisect_left(self._ordinals, first.toordinal())
        high = bisect_right(self._ordinals, last.toordinal(), low)
        return self._classes[low:high]

    def days_with_ordinals(self) -> tuple[list[int], list[DayClasses]]:
        """Every logged day: the date ordinals and their classes, the calendar's own lists (to be
        read, never changed)."""
        return self._ordinals, self._classes

    def between_with_ordinals(self, first: date, last: date) -> tuple[list[int], list[DayClasses]]:
        """The logged days from ``first`` to ``last``: their date ordinals, and their classes."""
        low = bisect_left(self._ordinals, first.toordinal())
        high = bisect_right(self._ordinals, last.toordinal(), low)
        return self._ordinals[low:high], self._classes[low:high]


def day_calendar(days: Mapping[date, DayClasses]) -> DayCalendar:
    return days if isinstance(days, DayCalendar) else DayCalendar(days)


def count_days(
    *,
    days: Mapping[date, DayClasses],
    start: date,
    end: date,
    as_of: date,
    nominal_days: int | None = None,
) -> DayCounts:
    """Count day classes in ``start``..``end``; days after ``as_of`` have not happened yet."""
    last = end if end < as_of else as_of
    headache = migraine = moderate_severe = medication = migraine_or_moderate_severe = 0
    by_class: dict[str, int] = {}
    duration_unknown = 0
    logged = day_calendar(days).between(start, last)
    for classes in logged:
        headache += classes.headache_day
        migraine += classes.migraine_day
        moderate_severe += classes.moderate_severe_day
        duration_unknown += classes.duration_unknown
        migraine_or_moderate_severe += classes.migraine_day or classes.moderate_severe_day
        if classes.acute_medication_classes:
            medication += 1
            for medication_class in classes.acute_medication_classes:
                by_class[medication_class] = by_class.get(medication_class, 0) + 1
    return DayCounts(
        start=start,
        end=end,
        elapsed_days=max(0, (last - start).days + 1),
        nominal_days=nominal_days if nominal_days is not None else (end - start).days + 1,
        logged_days=len(logged),
        headache_days=headache,
        migraine_days=migraine,
        moderate_severe_days=moderate_severe,
        acute_medication_days=medication,
        acute_medication_days_by_class=dict(sorted(by_class.items())) if by_class else {},
        duration_unknown_days=duration_unknown,
        migraine_or_moderate_severe_days=migraine_or_moderate_severe,
    )


def consecutive_windows(
    *,
    days: Mapping[date, DayClasses],
    anchor: date,
    date_from: date,
    date_to: date,
) -> list[DayCounts]:
    """Consecutive 28-day windows touching ``date_from``..``date_to``, aligned on ``anchor``.

    Aligning on the first injection makes window 0 the first 28 days of treatment and window -1
    the baseline, as in PREEMPT. The last window may still be running on ``date_to``.
    """
    days = day_calendar(days)
    offset = (date_from - anchor).days // WINDOW_DAYS
    start = anchor + timedelta(days=offset * WINDOW_DAYS)
    windows = []
    while start <= date_to:
        end = start + timedelta(days=WINDOW_DAYS - 1)
        windows.append(
            count_days(days=days, start=start, end=end, as_of=date_to, nominal_days=WINDOW_DAYS)
        )
        start = end + timedelta(days=1)
    return windows


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_label(day: date) -> str:
    """The month as "YYYY-MM", how every payload and evidence names one."""
    return day.isoformat()[:7]


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_bounds(*, date_from: date, date_to: date) -> tuple[tuple[date, date], ...]:
    """First and last day of each calendar month touching ``date_from``..``date_to``."""
    return _month_bounds(date_from, date_to)


# A scan asks for the same few spans for every patient (they share today).
@lru_cache(maxsize=4096)
def _month_bounds(date_from: date, date_to: date) -> tuple[tuple[date, date], ...]:
    bounds = []
    start = month_start(date_from)
    while start <= date_to:
        end = month_end(start)
        bounds.append((start, end))
        start = end + timedelta(days=1)
    return tuple(bounds)


def calendar_months(
    *, days: Mapping[date, DayClasses], date_from: date, date_to: date
) -> list[DayCounts]:
    days = day_calendar(days)
    return [
        count_days(days=days, start=start, end=end, as_of=date_to)
        for start, end in month_bounds(date_from=date_from, date_to=date_to)
    ]
