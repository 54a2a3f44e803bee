"""The baselines: bare Django views doing the same work as the API in one SQL statement each.

No authentication, serializer or ORM: the patient comes in a header. They are the floor the API
is compared against under the same server, middleware and load.
"""

from __future__ import annotations

import json
from datetime import date

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from diary.analytics.day_classes import DEFAULT_RULE, RULE_SETS
from diary.models import (
    DiaryDay,
    InjectionSession,
    Medication,
    MedicationClass,
    MedicationIntake,
)

DAY = DiaryDay._meta.db_table
INTAKE = MedicationIntake._meta.db_table
MEDICATION = Medication._meta.db_table
SESSION = InjectionSession._meta.db_table
FACT_COLUMNS = (
    "headache",
    "duration_hours",
    "peak_severity",
    *DiaryDay.FEATURES,
    "disability",
    "notes",
)

# The day and its medicines in one statement: upsert the day, drop the medicines no longer
# listed, upsert those listed. The CTEs touch disjoint intake rows, so their order is free.
UPSERT_SQL = f"""
WITH day AS (
    INSERT INTO {DAY}
        (patient_id, date, {", ".join(FACT_COLUMNS)}, revision, created_at, updated_at)
    VALUES (%s, %s, {", ".join(["%s"] * len(FACT_COLUMNS))}, 1, now(), now())
    ON CONFLICT (patient_id, date) DO UPDATE SET
        {", ".join(f"{c} = excluded.{c}" for c in FACT_COLUMNS)},
        revision = {DAY}.revision + 1, updated_at = excluded.updated_at
    RETURNING id, revision
), gone AS (
    DELETE FROM {INTAKE} i USING day
    WHERE i.diary_day_id = day.id AND i.medication_id <> ALL(%s::bigint[])
), kept AS (
    INSERT INTO {INTAKE} (diary_day_id, patient_id, medication_id, doses)
    SELECT day.id, %s, m.medication_id, m.doses
    FROM day, unnest(%s::bigint[], %s::int[]) AS m(medication_id, doses)
    ON CONFLICT (diary_day_id, medication_id) DO UPDATE SET doses = excluded.doses
)
SELECT id, revision FROM day
"""  # noqa: S608 (identifiers come from the models; values are parameters)


@csrf_exempt
def diary_day_put(request, day: str):
    patient_id = int(request.headers["X-Bench-Patient"])
    body = json.loads(request.body)
    features = body.get("features") or {}
    medications = body.get("medications") or []
    ids = [int(item["medication"]) for item in medications]
    doses = [int(item.get("doses", 1)) for item in medications]
    values = [
        bool(body["headache"]),
        body.get("duration_hours"),
        int(body.get("peak_severity", 0)),
        *(bool(features.get(name)) for name in DiaryDay.FEATURES),
        int(body.get("disability", 0)),
        body.get("notes", ""),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT_SQL, [patient_id, date.fromisoformat(day), *values, ids, patient_id, ids, doses]
        )
        day_id, revision = cursor.fetchone()
    return JsonResponse({"id": day_id, "revision": revision}, status=201 if revision == 1 else 200)


_CLASS_COUNTS = ",\n    ".join(
    f"count(*) FILTER (WHERE '{c}' = ANY(classes)) AS {c}" for c in MedicationClass.values
)
# The trends' 28-day windows (aligned on the first injection, from the baseline window to today)
# and calendar months, with each day classified as day_classes.py does, in one statement.
TRENDS_SQL = f"""
WITH injected AS (
    SELECT min(date) AS first FROM {SESSION} WHERE patient_id = %(p)s AND date <= current_date
), span AS (
    SELECT coalesce(first, current_date - 27) AS first,
        coalesce(least(first - 28, current_date), current_date - 364) AS date_from
    FROM injected
), meds AS (
    SELECT i.diary_day_id, array_agg(DISTINCT m.medication_class) AS classes
    FROM {INTAKE} i JOIN {MEDICATION} m ON m.id = i.medication_id
    JOIN {DAY} d ON d.id = i.diary_day_id, span
    WHERE d.patient_id = %(p)s AND d.date BETWEEN span.date_from AND current_date
    GROUP BY i.diary_day_id
), facts AS (
    SELECT d.date, d.peak_severity, d.aura, meds.classes,
        d.headache AND (meds.classes IS NOT NULL OR coalesce(d.duration_hours, 0) >= %(hours)s)
            AS headache_day,
        (d.unilateral::int + d.pulsating::int + d.aggravated_by_activity::int
            + (d.peak_severity >= 2)::int) >= 2
            AND (d.nausea OR d.vomiting OR (d.photophobia AND d.phonophobia)) AS ichd3
    FROM {DAY} d LEFT JOIN meds ON meds.diary_day_id = d.id, span
    WHERE d.patient_id = %(p)s AND d.date BETWEEN span.date_from AND current_date
), classified AS (
    SELECT facts.*, span.first
        + 28 * floor((facts.date - span.first) / 28.0)::int AS window_start,
        date_trunc('month', facts.date)::date AS month_start,
        aura OR coalesce(classes && ARRAY['triptan', 'ergot']::varchar[], false)
            OR (headache_day AND ichd3) AS migraine_day,
        headache_day AND peak_severity >= 2 AS moderate_severe_day
    FROM facts, span
)
SELECT window_start, month_start, count(*) AS logged_days,
    count(*) FILTER (WHERE headache_day) AS headache_days,
    count(*) FILTER (WHERE migraine_day) AS migraine_days,
    count(*) FILTER (WHERE moderate_severe_day) AS moderate_severe_days,
    count(*) FILTER (WHERE classes IS NOT NULL) AS acute_medication_days,
    {_CLASS_COUNTS}
FROM classified
GROUP BY GROUPING SETS ((window_start), (month_start))
ORDER BY window_start, month_start
"""  # noqa: S608 (identifiers come from the models; values are parameters)


def trends_sql_rows(*, patient_id: int, rule: str = DEFAULT_RULE) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(TRENDS_SQL, {"p": patient_id, "hours": RULE_SETS[rule].min_duration_hours})
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def trends_sql(request):
    rows = trends_sql_rows(patient_id=int(request.headers["X-Bench-Patient"]))
    return JsonResponse({"periods": rows})
