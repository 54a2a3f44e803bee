"""Diaries written as strings, one character a day, so tests read like the guideline."""

from __future__ import annotations

from datetime import date, timedelta

from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import DiaryUnpacker, Injection, PatientTimeline

DAY_KINDS = {
    ".": DayClasses(False, False, False, ()),
    "h": DayClasses(True, False, False, ()),
    "H": DayClasses(True, True, True, ()),
    "S": DayClasses(True, False, False, ("simple_analgesic",)),
    "T": DayClasses(True, True, True, ("triptan",)),
    "O": DayClasses(True, False, True, ("opioid",)),
    "G": DayClasses(True, False, True, ("gepant",)),
    # An untreated headache of unknown duration (an import without durations).
    "?": DayClasses(False, False, False, (), duration_unknown=True),
}
MISSING = "-"


def diary(start: date, pattern: str) -> dict[date, DayClasses]:
    """``.`` headache-free, ``h`` mild headache, ``H`` migraine, ``S``/``T``/``O``/``G`` headache
    treated with a simple analgesic, triptan, opioid or gepant, ``?`` untreated headache of
    unknown duration, ``-`` missing; spaces ignored."""
    days = {}
    pattern = pattern.replace(" ", "")
    for offset, kind in enumerate(pattern):
        if kind != MISSING:
            days[start + timedelta(days=offset)] = DAY_KINDS[kind]
    return days


def repeat(pattern: str, times: int) -> str:
    return pattern * times


def injections(*dates: date, weeks: int = 12) -> tuple[Injection, ...]:
    return tuple(Injection(date=day, planned_interval_weeks=weeks) for day in dates)


class ClassifiedTimeline(PatientTimeline):
    """A timeline whose days are already classified, for pure tests."""

    def __init__(self, *, days, injections=(), as_of, recalled=None, frozen=()):
        super().__init__(
            diary=DiaryUnpacker().diary(ordinals=[], shapes="", as_of=as_of),
            injections=tuple(injections),
            as_of=as_of,
            recalled_baseline_headache_days=recalled,
            frozen_baselines=tuple(frozen),
        )
        object.__setattr__(self, "_days", days)

    def day_classes(self, *, rule: str, first=None, last=None):
        if first is None or last is None:
            return self._days
        return {day: classes for day, classes in self._days.items() if first <= day <= last}
