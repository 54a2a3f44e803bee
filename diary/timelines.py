"""The read side of the analytics: a patient's timeline, in a constant number of queries.

``packed_diaries`` streams one row per patient with the days' ordinals and their shapes,
aggregated by the database in the packing ``diary.analytics.timeline`` unpacks (its comment
describes the shape). The nightly scan streams every patient's diary that way;
``patient_timeline`` reads one patient the same way, then the injection sessions and the frozen
baseline: three queries in all. Five years of daily entries is under 2,000 days, so reading a
whole history once is cheaper and simpler than one query per window.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, overload

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
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


# Memory for the aggregation of every diary, which holds each patient's packed days until its
# last row is read: at PostgreSQL's default (4 MB) a clinic of a thousand patients spills it to
# disk and reads it back, a sixth of the scan's read. Our reading: 64 MB, one statement's, is
# cheap beside the scan's own process; larger clinics spill the rest, as they did.
_AGGREGATION_WORK_MEM = "64MB"


def _all_packed_diaries(*, fetch: int) -> Iterator[tuple[int, list[int] | str, str]]:
    sql = _packed_diaries_sql(vendor=connection.vendor, patients=None)
    cursor = connection.chunked_cursor()
    try:
        if connection.vendor == "postgresql":
            # For the session, not the transaction: outside one (the nightly scan's case) the
            # held cursor runs its query at once, in a transaction of its own.
            with connection.cursor() as settings:
                memory = [_AGGREGATION_WORK_MEM]
                settings.execute("SELECT set_config('work_mem', %s, false)", memory)
                try:
                    cursor.execute(sql)
                finally:
                    settings.execute("RESET work_mem")
        else:
            cursor.execute(sql)
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
