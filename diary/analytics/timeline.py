"""Everything the analytics need for one patient, read in a constant number of queries.

A diary is read packed: ``packed_diaries`` streams one row per patient with the days' ordinals
and their shapes (the day's facts with its medicine classes), aggregated by the database.
``DiaryUnpacker`` turns them into a ``PackedDiary``, whose day classes come from a cache of
shapes: a diary day costs a lookup rather than a row built by the driver and a classification.
The nightly scan streams every patient's diary that way; ``patient_timeline`` reads one patient
the same way, then the injection sessions and the frozen baseline: three queries in all. Five
years of daily entries is under 2,000 days, so reading a whole history once is cheaper and
simpler than one query per window.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from diary.analytics.day_classes import RULE_SETS, DayClasses, DayFacts, classify_day
from diary.analytics.windows import DayCalendar
from diary.models import (
    DiaryDay,
    InjectionSession,
    Medication,
    MedicationIntake,
    PatientProfile,
    TreatmentBaseline,
)

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
    frozen_baseline: TreatmentBaseline | None = None

    @property
    def first_injection(self) -> date | None:
        return self.injections[0].date if self.injections else None

    def day_classes(self, *, rule: str) -> DayCalendar:
        return self.diary.day_calendar(rule=rule)


def patient_timeline(*, patient: PatientProfile, as_of: date) -> PatientTimeline:
    """Read the patient's diary, intakes, injections and frozen baseline up to ``as_of``."""
    # The same packed read as the nightly scan, so both see a diary day identically.
    _, ordinals, shapes = next(iter(packed_diaries(patient_ids=[patient.pk])), (0, [], ""))
    diary = DiaryUnpacker().diary(ordinals=ordinals, shapes=shapes, as_of=as_of)
    injections = tuple(
        Injection(date=day, planned_interval_weeks=weeks)
        for day, weeks in InjectionSession.objects.filter(patient=patient, date__lte=as_of)
        .order_by("date")
        .values_list("date", "planned_interval_weeks")
    )
    return PatientTimeline(
        diary=diary,
        injections=injections,
        as_of=as_of,
        recalled_baseline_headache_days=patient.recalled_baseline_headache_days,
        frozen_baseline=TreatmentBaseline.objects.filter(patient=patient).first(),
    )


# Many patients at once ------------------------------------------------------------------------

# A packed diary is the days' ordinals (``date.toordinal()``), as an array on PostgreSQL, which
# the driver parses in C, and as "DAY,DAY,..." on SQLite, with "SHAPE,SHAPE,..." in the same
# order. SHAPE is "CODE DURATION CLASSES", where CODE
# holds headache (bit 0), the features (bits 1-8) and the peak severity (times 512), DURATION
# is the highest rule-set threshold the duration reaches (empty: none, or not recorded) and
# CLASSES joins the day's medicine classes with "+". The analytics read days only through their
# classes, which depend on the duration only through those thresholds: days then repeat a few
# thousand shapes in a whole clinic, each unpacked and classified once.
_SEVERITY_FACTOR = 512
_FEATURE_BITS = tuple((name, 2 << index) for index, name in enumerate(DiaryDay.FEATURES))
_DURATION_THRESHOLDS = sorted({rules.min_duration_hours for rules in RULE_SETS.values()})
_ORDINALS_SQL = {
    "postgresql": "ARRAY_AGG(d.date - DATE '0001-01-01' + 1)",
    "sqlite": "GROUP_CONCAT(CAST(julianday(d.date) - julianday('0001-01-01') AS INTEGER) + 1)",
}
_GROUP_CONCAT = {"postgresql": "STRING_AGG", "sqlite": "GROUP_CONCAT"}


def _packed_diaries_sql(*, vendor: str, patients: int | None) -> str:
    """The packing query, for every patient or for ``patients`` ids given as parameters."""
    if vendor not in _ORDINALS_SQL:
        # config/env.py accepts only these two; say so plainly if another ever gets through.
        raise ImproperlyConfigured(
            f"The diary is read with PostgreSQL or SQLite SQL; DATABASE_URL names {vendor}."
        )
    concat = _GROUP_CONCAT[vendor]
    code = " + ".join(
        [
            "(CASE WHEN d.headache THEN 1 ELSE 0 END)",
            *(f"(CASE WHEN d.{name} THEN {bit} ELSE 0 END)" for name, bit in _FEATURE_BITS),
            f"{_SEVERITY_FACTOR} * d.peak_severity",
        ]
    )
    day = DiaryDay._meta.db_table
    intake = MedicationIntake._meta.db_table
    medication = Medication._meta.db_table
    classes = f"{concat}(m.medication_class, '+')"
    intakes = f"{intake} i JOIN {medication} m ON m.id = i.medication_id"
    per_day = f"SELECT i.diary_day_id, {classes} AS classes FROM {intakes}"  # noqa: S608  # nosec B608
    duration = "CASE {} ELSE '' END".format(
        " ".join(
            f"WHEN d.duration_hours >= {threshold} THEN '{threshold}'"
            for threshold in reversed(_DURATION_THRESHOLDS)
        )
    )

    def packed(day_classes: str) -> str:
        # Both aggregates read the group's rows in one pass, so the two keep one order.
        return f"""
            SELECT d.patient_id,
                {_ORDINALS_SQL[vendor]},
                {concat}(
                    CAST({code} AS TEXT) || ' ' || {duration} || ' '
                    || COALESCE({day_classes}, ''),
                    ','
                )
        """

    grouped = "GROUP BY d.patient_id ORDER BY d.patient_id"
    if patients is None:
        # Every diary: medicine classes gathered per day, then one hash join, so the diary is
        # read once, as the bench's floor query does.
        return f"""
            {packed("x.classes")}
            FROM {day} d LEFT JOIN ({per_day} GROUP BY i.diary_day_id) x ON x.diary_day_id = d.id
            {grouped}
        """  # nosec B608 (identifiers from the models)
    # Some patients (a scan chunk, one patient's trends): each day's medicines through the
    # intakes' index, never a join gathering every intake in the database, which made a
    # clinic's nightly chunks cost N each.
    ids = ", ".join(["%s"] * patients)
    if vendor == "postgresql":
        # The chunk's days once, then their intakes in one index scan over their ids: a third
        # cheaper than a lookup per day, whose every call starts an executor of its own.
        read = ("id", "patient_id", "date", "headache", "duration_hours", "peak_severity")
        columns = ", ".join([*read, *DiaryDay.FEATURES])
        return f"""
            WITH d AS MATERIALIZED (SELECT {columns} FROM {day} WHERE patient_id IN ({ids})),
            x AS (
                {per_day} WHERE i.diary_day_id = ANY(ARRAY(SELECT id FROM d))
                GROUP BY i.diary_day_id
            )
            {packed("x.classes")}
            FROM d LEFT JOIN x ON x.diary_day_id = d.id
            {grouped}
        """  # noqa: S608  # nosec B608 (identifiers from the models; ids are parameters)
    lookup = f"(SELECT {classes} FROM {intakes} WHERE i.diary_day_id = d.id)"  # noqa: S608  # nosec B608
    return f"""
        {packed(lookup)}
        FROM {day} d WHERE d.patient_id IN ({ids})
        {grouped}
    """  # nosec B608 (identifiers from the models; ids are parameters)


def packed_diaries(
    *, patient_ids: Sequence[int] | None, fetch: int = 500
) -> Iterator[tuple[int, list[int], str]]:
    """(patient id, day ordinals, day shapes) for each patient with a diary, by patient id.

    ``patient_ids`` None streams every patient: on PostgreSQL through a server-side cursor,
    ``fetch`` patients at a time, so memory holds a few hundred diaries whatever N is. A list of
    ids (a scan's chunk, one patient's trends) is read in one go.
    """
    if patient_ids is not None:
        rows: Iterable[tuple[int, list[int] | str, str]] = _some_packed_diaries(patient_ids)
    else:
        rows = _all_packed_diaries(fetch=fetch)
    for patient_id, ordinals, shapes in rows:
        if isinstance(ordinals, str):
            ordinals = list(map(int, ordinals.split(",")))
        yield patient_id, ordinals, shapes


def _all_packed_diaries(*, fetch: int) -> Iterator[tuple[int, list[int] | str, str]]:
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(_packed_diaries_sql(vendor=connection.vendor, patients=None))
        while rows := cursor.fetchmany(fetch):
            yield from rows
    finally:
        cursor.close()


def _some_packed_diaries(patient_ids: Sequence[int]) -> list[tuple[int, list[int] | str, str]]:
    sql = _packed_diaries_sql(vendor=connection.vendor, patients=len(patient_ids))
    if connection.vendor != "postgresql" or len(patient_ids) == 1:
        # One patient's read (the trends) is planned far below PostgreSQL's JIT threshold.
        with connection.cursor() as cursor:
            cursor.execute(sql, list(patient_ids))
            return cursor.fetchall()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # A chunk's read can be planned at a cost that turns JIT compilation on, and compiling
        # takes longer than the index scans it would speed up.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, list(patient_ids))
        return cursor.fetchall()


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

    def day_calendar(self, *, rule: str) -> DayCalendar:
        """The day classes under ``rule``, computed once: the analysis and the baseline ask."""
        calendar = self._calendars.get(rule)
        if calendar is None:
            classes = self._unpacker.classes(self._shapes, rule=rule)
            calendar = self._calendars[rule] = DayCalendar.from_ordinals(
                ordinals=self._ordinals, classes=classes
            )
        return calendar


class DiaryUnpacker:
    """Turns packed diaries into ``PackedDiary``; each shape is unpacked and classified once."""

    def __init__(self) -> None:
        self._classes: dict[str, dict[str, DayClasses]] = {}

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
        known = self._classes.setdefault(rule, {})
        try:
            return list(map(known.__getitem__, shapes))
        except KeyError:
            pass
        new = set(shapes).difference(known)
        if len(known) + len(new) > _SHAPES_KEPT:
            known.clear()
            new = set(shapes)
        for shape in new:
            known[shape] = classify_day(_shape_facts(shape), rule=rule)
        return list(map(known.__getitem__, shapes))


def _shape_facts(shape: str) -> DayFacts:
    code_text, duration, classes = shape.split(" ")
    code = int(code_text)
    return DayFacts(
        headache=bool(code & 1),
        duration_hours=_duration(duration),
        peak_severity=code // _SEVERITY_FACTOR,
        features=_features(code % _SEVERITY_FACTOR & ~1),
        medication_classes=_medication_classes(classes),
    )


# A few values each: shared by every shape that has them.
@lru_cache(maxsize=4096)
def _duration(text: str) -> Decimal | None:
    return Decimal(text) if text else None


@cache
def _features(bits: int) -> frozenset[str]:
    return frozenset(name for name, bit in _FEATURE_BITS if bits & bit)


@lru_cache(maxsize=1024)
def _medication_classes(text: str) -> frozenset[str]:
    return frozenset(text.split("+")) if text else frozenset()
