"""A patient's timeline as the analytics read it: packed diary days and injection sessions.

A diary arrives packed (``diary.timelines`` reads it): the days' ordinals and their shapes, the
day's facts with its medicine classes. ``DiaryUnpacker`` turns them into a ``PackedDiary``, whose
day classes come from a cache of shapes: a diary day costs a lookup rather than a row built by
the driver and a classification. Pure: no database, no clock.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from diary.analytics.day_classes import (
    DAY_FEATURES,
    DURATION_BAND_MIN_HOURS,
    RULE_SETS,
    DayClasses,
    DayFacts,
    classify_day,
)
from diary.analytics.windows import DayCalendar

if TYPE_CHECKING:
    from diary.analytics.baseline import FrozenBaselineRecord

# Day shapes the unpacking remembers, each with its classes: a clinic's days make a few
# thousand (durations are packed only as far as the rule sets tell days apart); the bound
# keeps memory flat should that ever change.
_SHAPES_KEPT = 1 << 16


@dataclass(frozen=True)
class Injection:
    date: date
    planned_interval_weeks: int


@dataclass(frozen=True)
class PatientTimeline:
    diary: PackedDiary
    injections: tuple[Injection, ...]
    as_of: date
    recalled_baseline_headache_days: int | None = None
    # The patient's local date the recalled figure was entered, when known.
    recalled_baseline_entered_on: date | None = None
    # One per treatment course, keyed by the course's first injection.
    frozen_baselines: tuple[FrozenBaselineRecord, ...] = ()

    @property
    def first_injection(self) -> date | None:
        return self.injections[0].date if self.injections else None

    def day_classes(
        self, *, rule: str, first: date | None = None, last: date | None = None
    ) -> DayCalendar:
        return self.diary.day_calendar(rule=rule, first=first, last=last)


# Packing ------------------------------------------------------------------------------------

# A packed diary is the days' ordinals (``date.toordinal()``), as an array on PostgreSQL, which
# the driver parses in C, and as "DAY,DAY,..." on SQLite, with "SHAPE,SHAPE,..." in the same
# order. SHAPE is "CODE DURATION CLASSES", where CODE
# holds headache (bit 0), the features (bits 1-8) and the peak severity (times 512), DURATION
# is the highest rule-set threshold the duration (hours or band) reaches (empty: none; "?": a
# headache whose duration was not recorded, DURATION_UNKNOWN) and
# CLASSES joins the day's medicine classes with "+". The analytics read days only through their
# classes, which depend on the duration only through those thresholds: days then repeat a few
# thousand shapes in a whole clinic, each unpacked and classified once.
SEVERITY_FACTOR = 512
FEATURE_BITS = tuple((name, 2 << index) for index, name in enumerate(DAY_FEATURES))
DURATION_THRESHOLDS = sorted({rules.min_duration_hours for rules in RULE_SETS.values()})
DURATION_UNKNOWN = "?"
# The duration bands that reach each threshold (their shortest duration is at least it).
DURATION_BANDS_REACHING = {
    threshold: tuple(band for band, hours in DURATION_BAND_MIN_HOURS.items() if hours >= threshold)
    for threshold in DURATION_THRESHOLDS
}


class PackedDiary:
    """One patient's logged days as read: ordinals in date order and each day's shape.

    The analytics read the days through their classes (``day_calendar``), looked up by shape
    in the unpacker's cache, which a scan's patients share.
    """

    __slots__ = ("_calendars", "_ordinals", "_shapes", "_unpacker")

    def __init__(self, *, ordinals: list[int], shapes: list[str], unpacker: DiaryUnpacker):
        self._ordinals = ordinals
        self._shapes = shapes
        self._unpacker = unpacker
        self._calendars: dict[str, DayCalendar] = {}

    def __len__(self) -> int:
        return len(self._ordinals)

    def day_calendar(
        self, *, rule: str, first: date | None = None, last: date | None = None
    ) -> DayCalendar:
        """The day classes under ``rule``, computed once: the analysis and the baseline ask.

        With ``first`` and ``last``, only the days between them: a slice of the whole calendar
        once that is built, else those days classified alone, so a 28-day baseline window read
        under another rule set does not classify the whole diary.
        """
        calendar = self._calendars.get(rule)
        if first is None or last is None:
            if calendar is None:
                classes = self._unpacker.classes(self._shapes, rule=rule)
                calendar = self._calendars[rule] = DayCalendar.from_ordinals(
                    ordinals=self._ordinals, classes=classes
                )
            return calendar
        if calendar is not None:
            ordinals, classes = calendar.between_with_ordinals(first, last)
            return DayCalendar.from_ordinals(ordinals=ordinals, classes=classes)
        low = bisect_left(self._ordinals, first.toordinal())
        high = bisect_right(self._ordinals, last.toordinal(), low)
        return DayCalendar.from_ordinals(
            ordinals=self._ordinals[low:high],
            classes=self._unpacker.classes(self._shapes[low:high], rule=rule),
        )


class DiaryUnpacker:
    """Turns packed diaries into ``PackedDiary``; each shape is unpacked and classified once."""

    def __init__(self) -> None:
        self._classes: dict[str, _ShapeClasses] = {}

    def diary(self, *, ordinals: list[int], shapes: str, as_of: date) -> PackedDiary:
        """The days up to ``as_of``, in date order whatever order the database gave.

        ``ordinals`` (as ``packed_diaries`` hands them over) becomes the diary's own list.
        """
        day_shapes = shapes.split(",") if ordinals else []
        if len(ordinals) != len(day_shapes):
            raise ValueError(f"{len(ordinals)} days came with {len(day_shapes)} day shapes.")
        in_order = sorted(ordinals)
        if in_order != ordinals:
            by_ordinal = dict(zip(ordinals, day_shapes, strict=True))
            day_shapes = list(map(by_ordinal.__getitem__, in_order))
            ordinals = in_order
        # Days after as_of have not happened for this analysis (another zone's today, a test).
        kept = bisect_right(ordinals, as_of.toordinal())
        del ordinals[kept:], day_shapes[kept:]
        return PackedDiary(ordinals=ordinals, shapes=day_shapes, unpacker=self)

    def classes(self, shapes: list[str], *, rule: str) -> list[DayClasses]:
        """Each day's classes under ``rule``: one classification per shape, then lookups."""
        known = self._classes.get(rule)
        if known is None:
            known = self._classes[rule] = _ShapeClasses(rule)
        return list(map(known.__getitem__, shapes))


class _ShapeClasses(dict[str, DayClasses]):
    """Shapes' classes under one rule set; a shape not seen yet is classified when looked up,
    so looking up a diary's days stays one ``map`` in C whether or not all are known."""

    def __init__(self, rule: str):
        super().__init__()
        self.rule = rule

    def __missing__(self, shape: str) -> DayClasses:
        if len(self) >= _SHAPES_KEPT:
            self.clear()
        classes = self[shape] = classify_day(_shape_facts(shape), rule=self.rule)
        return classes


def _shape_facts(shape: str) -> DayFacts:
    code_text, duration, classes = shape.split(" ")
    code = int(code_text)
    return DayFacts(
        headache=bool(code & 1),
        duration_hours=_duration(duration),
        peak_severity=code // SEVERITY_FACTOR,
        features=_features(code % SEVERITY_FACTOR & ~1),
        medication_classes=_medication_classes(classes),
    )


# A few values each: shared by every shape that has them.
@lru_cache(maxsize=4096)
def _duration(text: str) -> Decimal | None:
    if text == DURATION_UNKNOWN:
        return None
    # Below every threshold stands for 0 h: known, and too short for any rule set.
    return Decimal(text) if text else Decimal(0)


@cache
def _features(bits: int) -> frozenset[str]:
    return frozenset(name for name, bit in FEATURE_BITS if bits & bit)


@lru_cache(maxsize=1024)
def _medication_classes(text: str) -> frozenset[str]:
    return frozenset(text.split("+")) if text else frozenset()
