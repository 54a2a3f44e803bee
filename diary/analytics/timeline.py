"""Everything the analytics need for one patient, read in a constant number of queries.

A diary is read packed: ``packed_diaries`` streams one row per patient whose days, with their
medicine classes, the database joins into one string (``DiaryUnpacker`` turns it back into
``DayFacts``), so a diary day costs a dictionary lookup rather than a row built by the driver.
The nightly scan streams every patient's diary that way; ``patient_timeline`` reads one patient
the same way, then the injection sessions and the frozen baseline: three queries in all. Five
years of daily entries is under 2,000 days, so reading a whole history once is cheaper and
simpler than one query per window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from diary.analytics.day_classes import DayClasses, DayFacts, classify_day
from diary.analytics.windows import DayCalendar
from diary.models import (
    DiaryDay,
    InjectionSession,
    Medication,
    MedicationIntake,
    PatientProfile,
    TreatmentBaseline,
)

# Day shapes (facts as packed) the scan's unpacking remembers: bounded (tens of MB at most),
# and large enough for a clinic's days with their exact durations (the bench's 10,000 patients
# make well over 65,536 shapes; a smaller memory was rebuilt dozens of times a patient).
_SHAPES_KEPT = 1 << 18


@dataclass(frozen=True)
class Injection:
    date: date
    planned_interval_weeks: int


@dataclass(frozen=True)
class PatientTimeline:
    facts: dict[date, DayFacts]
    injections: tuple[Injection, ...]
    as_of: date
    recalled_baseline_headache_days: int | None = None
    frozen_baseline: TreatmentBaseline | None = None
    # Day classes by rule, computed once: the analysis, the baseline and its freeze all ask.
    # ``replace(timeline, frozen_baseline=...)`` keeps it; an entry counts only for its facts.
    _classified: dict[str, tuple[dict[date, DayFacts], DayCalendar]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def first_injection(self) -> date | None:
        return self.injections[0].date if self.injections else None

    def day_classes(self, *, rule: str) -> DayCalendar:
        cached = self._classified.get(rule)
        if cached is not None and cached[0] is self.facts:
            return cached[1]
        facts = self.facts
        days = sorted(facts)
        # Many days share one DayFacts object (see DiaryUnpacker): classify each once.
        by_facts: dict[int, DayClasses] = {}
        classes = []
        for day in days:
            day_facts = facts[day]
            day_classes = by_facts.get(id(day_facts))
            if day_classes is None:
                day_classes = by_facts[id(day_facts)] = classify_day(day_facts, rule=rule)
            classes.append(day_classes)
        calendar = DayCalendar.in_date_order(days=days, classes=classes)
        self._classified[rule] = (facts, calendar)
        return calendar


def patient_timeline(*, patient: PatientProfile, as_of: date) -> PatientTimeline:
    """Read the patient's diary, intakes, injections and frozen baseline up to ``as_of``."""
    # The same packed read as the nightly scan, so both see a diary day identically.
    packed = next(iter(packed_diaries(patient_ids=[patient.pk])), (patient.pk, ""))[1]
    facts = DiaryUnpacker().facts(packed, as_of=as_of)
    injections = tuple(
        Injection(date=day, planned_interval_weeks=weeks)
        for day, weeks in InjectionSession.objects.filter(patient=patient, date__lte=as_of)
        .order_by("date")
        .values_list("date", "planned_interval_weeks")
    )
    return PatientTimeline(
        facts=facts,
        injections=injections,
        as_of=as_of,
        recalled_baseline_headache_days=patient.recalled_baseline_headache_days,
        frozen_baseline=TreatmentBaseline.objects.filter(patient=patient).first(),
    )


# Many patients at once ------------------------------------------------------------------------

# A packed diary is "DAY SHAPE,DAY SHAPE,...": DAY counts days from 1970-01-01 and SHAPE is
# "CODE DURATION CLASSES", where CODE holds headache (bit 0), the features (bits 1-8) and the
# peak severity (times 512), DURATION may be empty and CLASSES joins the day's medicine classes
# with "+". Days repeat a few hundred shapes, so each shape is turned into DayFacts once.
_EPOCH = date(1970, 1, 1)
_SEVERITY_FACTOR = 512
_FEATURE_BITS = tuple((name, 2 << index) for index, name in enumerate(DiaryDay.FEATURES))
_DAY_NUMBER_SQL = {
    "postgresql": "d.date - DATE '1970-01-01'",
    "sqlite": "CAST(julianday(d.date) - julianday('1970-01-01') AS INTEGER)",
}
_GROUP_CONCAT = {"postgresql": "STRING_AGG", "sqlite": "GROUP_CONCAT"}


def _packed_diaries_sql(*, vendor: str, patients: int | None) -> str:
    """The packing query, for every patient or for ``patients`` ids given as parameters."""
    if vendor not in _DAY_NUMBER_SQL:
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
    if patients is None:
        # Every diary: medicine classes gathered per day, then one hash join, so the diary is
        # read once, as the bench's floor query does.
        wanted = ""
        day_classes = "x.classes"
        per_day = f"SELECT i.diary_day_id, {classes} AS classes FROM {intakes}"  # noqa: S608  # nosec B608
        join_classes = f"LEFT JOIN ({per_day} GROUP BY i.diary_day_id) x ON x.diary_day_id = d.id"
    else:
        # Some patients (a scan chunk, one patient's trends): each day's medicines through the
        # intakes' index. A join gathering them per day reads every intake in the database
        # for each chunk, which made a clinic's nightly chunks cost N each.
        ids = ", ".join(["%s"] * patients)
        wanted = f"WHERE d.patient_id IN ({ids})"
        day_classes = f"(SELECT {classes} FROM {intakes} WHERE i.diary_day_id = d.id)"  # noqa: S608  # nosec B608
        join_classes = ""
    return f"""
        SELECT d.patient_id, {concat}(
            CAST({_DAY_NUMBER_SQL[vendor]} AS TEXT) || ' ' || CAST({code} AS TEXT) || ' '
            || COALESCE(CAST(d.duration_hours AS TEXT), '') || ' ' || COALESCE({day_classes}, ''),
            ','
        )
        FROM {day} d
        {join_classes}
        {wanted}
        GROUP BY d.patient_id
        ORDER BY d.patient_id
    """  # noqa: S608  # nosec B608 (identifiers from the models; ids are parameters)


def packed_diaries(
    *, patient_ids: Sequence[int] | None, fetch: int = 500
) -> Iterator[tuple[int, str]]:
    """(patient id, packed diary) for each patient with a diary, by patient id.

    ``patient_ids`` None streams every patient: on PostgreSQL through a server-side cursor,
    ``fetch`` patients at a time, so memory holds a few hundred diaries whatever N is. A list of
    ids (a scan's chunk, one patient's trends) is read in one go.
    """
    if patient_ids is not None:
        yield from _some_packed_diaries(patient_ids)
        return
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(_packed_diaries_sql(vendor=connection.vendor, patients=None))
        while rows := cursor.fetchmany(fetch):
            yield from rows
    finally:
        cursor.close()


def _some_packed_diaries(patient_ids: Sequence[int]) -> list[tuple[int, str]]:
    sql = _packed_diaries_sql(vendor=connection.vendor, patients=len(patient_ids))
    if connection.vendor != "postgresql" or len(patient_ids) == 1:
        # One patient's read (the trends) is planned far below PostgreSQL's JIT threshold.
        with connection.cursor() as cursor:
            cursor.execute(sql, list(patient_ids))
            return cursor.fetchall()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # A chunk's per-day medicine lookups are planned at a cost that turns JIT compilation
        # on, and compiling takes longer than the index probes it would speed up.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, list(patient_ids))
        return cursor.fetchall()


class DiaryUnpacker:
    """Turns packed diaries into DayFacts; each shape and date is built once per scan."""

    def __init__(self) -> None:
        self._shapes: dict[str, DayFacts] = {}
        self._dates: dict[str, date] = {}

    def facts(self, packed: str, *, as_of: date) -> dict[date, DayFacts]:
        """The days up to ``as_of`` (in the database's order: ``DayCalendar`` sorts them)."""
        facts: dict[date, DayFacts] = {}
        shapes, dates = self._shapes, self._dates
        for item in packed.split(",") if packed else ():
            number, shape = item.split(" ", 1)
            day = dates.get(number)
            if day is None:
                day = dates[number] = _EPOCH + timedelta(days=int(number))
            if day > as_of:
                continue
            day_facts = shapes.get(shape)
            if day_facts is None:
                if len(shapes) >= _SHAPES_KEPT:
                    shapes.clear()
                day_facts = shapes[shape] = _shape_facts(shape)
            facts[day] = day_facts
        return facts


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


# A few hundred values each: shared by every shape that has them.
@lru_cache(maxsize=4096)
def _duration(text: str) -> Decimal | None:
    return Decimal(text) if text else None


@cache
def _features(bits: int) -> frozenset[str]:
    return frozenset(name for name, bit in _FEATURE_BITS if bits & bit)


@lru_cache(maxsize=1024)
def _medication_classes(text: str) -> frozenset[str]:
    return frozenset(text.split("+")) if text else frozenset()
