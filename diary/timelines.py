"""The read side of the analytics: a patient's timeline, in a constant number of queries.

``packed_diaries`` reads one row per patient with the days' ordinals and their shapes,
aggregated by the database in the packing ``diary.analytics.timeline`` unpacks (its comment
describes the shape). The nightly scan reads its chunks' diaries that way (``PackedDiaryRead``,
each chunk's read while the previous chunk is analysed); ``patient_timeline`` reads one patient,
then the injection sessions and the frozen baseline: three queries in all. Five years of daily
entries is under 2,000 days, so reading a whole history once is cheaper and simpler than one
query per window.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from datetime import date, datetime
from functools import lru_cache
from typing import Any, overload

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q

from diary import selectors
from diary.analytics.menstrual import menstrual_migraine
from diary.analytics.relief import relief_summary
from diary.analytics.timeline import (
    DURATION_BANDS_REACHING,
    DURATION_THRESHOLDS,
    DURATION_UNKNOWN,
    FEATURE_BITS,
    SEVERITY_FACTOR,
    DiaryUnpacker,
    Injection,
    PatientTimeline,
)
from diary.analytics.trends import (
    default_date_from,
    menstrual_json,
    patient_analysis,
    trends_payload,
)
from diary.analytics.verdicts import GuidelineVerdict
from diary.models import (
    DiaryDay,
    InjectionSession,
    Medication,
    MedicationIntake,
    PatientProfile,
    TreatmentBaseline,
)


@overload
def local_date(moment: datetime, *, zone: str) -> date: ...
@overload
def local_date(moment: None, *, zone: str) -> None: ...
@overload
def local_date(moment: datetime | None, *, zone: str) -> date | None: ...
def local_date(moment: datetime | None, *, zone: str) -> date | None:
    return None if moment is None else moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


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
        recalled_baseline_entered_on=local_date(
            patient.recalled_baseline_entered_at, zone=patient.user.timezone
        ),
        frozen_baselines=tuple(TreatmentBaseline.objects.filter(patient=patient)),
    )


def patient_verdicts(*, patient: PatientProfile) -> tuple[GuidelineVerdict, ...]:
    """Each guideline's response verdict as of the patient's today, for the exports."""
    timeline = patient_timeline(patient=patient, as_of=selectors.local_today(user=patient.user))
    return patient_analysis(timeline=timeline, rule=patient.headache_day_rule).verdicts


def patient_trends(
    *, patient: PatientProfile, date_from: date | None, date_to: date, rule: str
) -> dict[str, Any]:
    timeline = patient_timeline(patient=patient, as_of=date_to)
    if date_from is None:
        date_from = default_date_from(timeline=timeline, date_to=date_to)
    payload = trends_payload(timeline=timeline, date_from=date_from, rule=rule)
    # Read apart from the packed diary: few patients tick it, and then a few days a month.
    ticked = DiaryDay.objects.filter(
        patient=patient, menstruation=True, date__range=(date_from, date_to)
    ).values_list("date", flat=True)
    found = menstrual_migraine(
        menstruation_days=ticked, days=timeline.day_classes(rule=rule), as_of=date_to
    )
    payload["menstrual_migraine"] = None if found is None else menstrual_json(found)
    payload["acute_medication_relief"] = relief_summary(
        selectors.intake_relief_answers(patient=patient, date_from=date_from, date_to=date_to)
    )
    return payload


# Many patients at once ------------------------------------------------------------------------

_ORDINALS_SQL = {
    "postgresql": "ARRAY_AGG(d.date - DATE '0001-01-01' + 1)",
    "sqlite": "GROUP_CONCAT(CAST(julianday(d.date) - julianday('0001-01-01') AS INTEGER) + 1)",
}
_GROUP_CONCAT = {"postgresql": "STRING_AGG", "sqlite": "GROUP_CONCAT"}


def _packed_diaries_query(patient_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """The packing query for the patients, and its parameters."""
    if connection.vendor == "postgresql":
        # One array of ids: the same text for every chunk, so the driver parses it once.
        ids = list(patient_ids)
        return _packed_diaries_sql(vendor=connection.vendor, patients=None), [ids, ids]
    return _packed_diaries_sql(vendor=connection.vendor, patients=len(patient_ids)), [*patient_ids]


@lru_cache(maxsize=64)
def _packed_diaries_sql(*, vendor: str, patients: int | None) -> str:
    """The packing query for ``patients`` ids given as parameters (None: one array of ids)."""
    if vendor not in _ORDINALS_SQL:
        # config/env.py accepts only these two; say so plainly if another ever gets through.
        raise ImproperlyConfigured(
            f"The diary is read with PostgreSQL or SQLite SQL; DATABASE_URL names {vendor}."
        )
    concat = _GROUP_CONCAT[vendor]
    code = " + ".join(
        [
            "(CASE WHEN d.headache THEN 1 ELSE 0 END)",
            *(f"(CASE WHEN d.{name} THEN {bit} ELSE 0 END)" for name, bit in FEATURE_BITS),
            f"{SEVERITY_FACTOR} * d.peak_severity",
        ]
    )
    day = DiaryDay._meta.db_table
    intake = MedicationIntake._meta.db_table
    medication = Medication._meta.db_table
    classes = f"{concat}(m.medication_class, '+')"
    intakes = f"{intake} i JOIN {medication} m ON m.id = i.medication_id"
    per_day = f"SELECT i.diary_day_id, {classes} AS classes FROM {intakes}"  # noqa: S608  # nosec B608
    # Hours or a band (a band's names are the code's constants) pack to the same threshold.
    reached = " ".join(
        f"WHEN d.duration_hours >= {threshold} OR d.duration_band IN "
        f"({', '.join(repr(band) for band in DURATION_BANDS_REACHING[threshold])}) "
        f"THEN '{threshold}'"
        for threshold in reversed(DURATION_THRESHOLDS)
    )
    unknown = "d.headache AND d.duration_hours IS NULL AND d.duration_band = ''"
    duration = f"CASE {reached} WHEN {unknown} THEN '{DURATION_UNKNOWN}' ELSE '' END"

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
    # A scan's chunk, one patient's trends: each day's medicines through the intakes' index,
    # never a join gathering every intake in the database, which made a chunk cost the clinic.
    ids = "%s" if patients is None else ", ".join(["%s"] * patients)
    if vendor == "postgresql":
        # The chunk's days from their covering index, and their intakes by patient (one
        # range of ``intake_by_patient`` each): probing the intakes' index for each of a
        # chunk's days cost more than all the rest of the read at 100,000 patients.
        read = (
            "id",
            "patient_id",
            "date",
            "headache",
            "duration_hours",
            "duration_band",
            "peak_severity",
        )
        columns = ", ".join([*read, *DiaryDay.FEATURES])
        return f"""
            WITH d AS (SELECT {columns} FROM {day} WHERE patient_id = ANY({ids})),
            x AS ({per_day} WHERE i.patient_id = ANY({ids}) GROUP BY i.diary_day_id)
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


PackedRow = tuple[int, list[int], str]


def packed_diaries(*, patient_ids: Sequence[int]) -> list[PackedRow]:
    """(patient id, day ordinals, day shapes) for each of the patients with a diary, by id."""
    if not patient_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*_packed_diaries_query(patient_ids))
        return _unpacked_ordinals(cursor.fetchall())


def _unpacked_ordinals(rows: Iterable[tuple[int, list[int] | str, str]]) -> list[PackedRow]:
    # SQLite packs the ordinals as text; PostgreSQL's array arrives as a list.
    return [
        (
            patient_id,
            ordinals if isinstance(ordinals, list) else list(map(int, ordinals.split(","))),
            shapes,
        )
        for patient_id, ordinals, shapes in rows
    ]


class PackedDiaryRead:
    """The packed diaries of a scan's chunk (``packed_diaries``), read while the scan works.

    On PostgreSQL the query is sent at once, in pipeline mode, and ``rows()`` collects its rows:
    the database reads the next chunk on its own core while the scan analyses the current one,
    so a scan costs its analysis rather than its analysis plus its reads. SQLite reads in
    ``rows()``. Until then the connection is busy, on both: a query sent meanwhile raises
    ``ConnectionBusy`` (it would wait behind the read, or be queued in its pipeline).
    """

    def __init__(self, patient_ids: Sequence[int]):
        self._ids = list(patient_ids)
        self._cursor: Any = None
        self._busy = ExitStack()
        with ExitStack() as busy:
            if connection.vendor == "postgresql" and self._ids:
                cursor = busy.enter_context(connection.cursor())
                busy.enter_context(connection.connection.pipeline())
                cursor.execute(*_packed_diaries_query(self._ids))
                self._cursor = cursor
            busy.enter_context(connection.execute_wrapper(_refuse_while_reading))
            self._busy = busy.pop_all()

    def __enter__(self) -> PackedDiaryRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._free()

    def rows(self) -> list[PackedRow]:
        """The chunk's rows, by patient id; the connection is free again."""
        fetched = self._free()
        return packed_diaries(patient_ids=self._ids) if fetched is None else fetched

    def _free(self) -> list[PackedRow] | None:
        cursor, self._cursor = self._cursor, None
        with self._busy:
            return None if cursor is None else _unpacked_ordinals(cursor.fetchall())


class ConnectionBusy(RuntimeError):
    pass


def _refuse_while_reading(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    raise ConnectionBusy(
        "The connection is reading a scan chunk's diaries: no query until its rows are in."
    )


def diary_days_created_since(
    windows: Sequence[tuple[int, date, date, datetime]],
) -> list[tuple[int, date, datetime]]:
    """(patient id, date, created at) of the days of each window created at or after a moment.

    A window is (patient id, first date, last date, moment). One query for them all, each
    window read through the (patient, date) index, never a whole diary.
    """
    if not windows:
        return []
    if connection.vendor != "postgresql":
        wanted = Q()
        for patient_id, first, last, moment in windows:
            wanted |= Q(patient_id=patient_id, date__range=(first, last), created_at__gte=moment)
        rows = DiaryDay.objects.filter(wanted).values_list("patient_id", "date", "created_at")
        return list(rows)
    # The windows as arrays: a query of the same text and four parameters whatever their
    # number, where a condition per window made PostgreSQL plan (and the driver quote) hundreds.
    # OFFSET 0 keeps one index lookup per window: flattened into a join, the planner reads a
    # small clinic's every diary day instead.
    sql = f"""
        SELECT d.patient_id, d.date, d.created_at
        FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::timestamptz[])
            AS w(patient_id, date_from, date_to, moment)
        CROSS JOIN LATERAL (
            SELECT patient_id, date, created_at FROM {DiaryDay._meta.db_table}
            WHERE patient_id = w.patient_id AND date BETWEEN w.date_from AND w.date_to
                AND created_at >= w.moment
            OFFSET 0
        ) d
    """  # noqa: S608  # nosec B608 (the table name is the model's; the windows are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*windows, strict=True)])
        return cursor.fetchall()
