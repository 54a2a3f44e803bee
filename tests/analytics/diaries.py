"""Diaries written as strings, one character a day, so tests read like the guideline."""

from __future__ import annotations

from datetime import date, timedelta

from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import DiaryUnpacker, Injection, PatientTimeline
from diary.analytics.trends import PatientAnalysis, patient_analysis

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


# A course of 12-week cycles from one first injection, each cycle a pattern of days.
FIRST = date(2025, 3, 3)
TWELVE_WEEKS = timedelta(weeks=12)
BASELINE_20 = repeat("H", 20) + repeat(".", 8)


def course_analysis(
    *cycles: str, baseline: str = BASELINE_20, as_of_days: int = 3, running: bool = False
) -> PatientAnalysis:
    """The analysis ``as_of_days`` after the last injection: one injection per cycle given, and
    the next one after the last cycle unless it is still ``running``."""
    shots = [FIRST + TWELVE_WEEKS * n for n in range(len(cycles) + (0 if running else 1))]
    line = ClassifiedTimeline(
        days=diary(FIRST - timedelta(days=28), baseline) | diary(FIRST, "".join(cycles)),
        injections=injections(*shots),
        as_of=shots[-1] + timedelta(days=as_of_days),
    )
    return patient_analysis(timeline=line, rule="preempt_4h")
