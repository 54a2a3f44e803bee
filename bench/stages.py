"""The measured stages. Django is set up (bench settings, bench database) before import."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import bare, load
from bench.env import PYTHON, ROOT
from bench.generate import Dataset
from bench.report import figure, heading, ratio, say
from diary.models import (
    DiaryDay,
    Medication,
    PatientProfile,
    ReviewFlag,
    TreatmentBaseline,
    User,
)
from diary.reminders.models import OutgoingMessage, ReminderSchedule
from diary.tasks import SCAN_CHUNK_SIZE

LOAD_PATIENTS = 1000
INCREMENTAL_SHARE = 0.05
DUE_SHARE = 0.05
TICK_SECONDS_TARGET = 10
# 0: scan every patient; a positive limit scans a sample and extrapolates (printed as such).
FULL_SCAN_LIMIT = int(os.environ.get("BENCH_SCAN_LIMIT", "0"))


def session_tokens(user_ids: list[int]) -> dict[int, str]:
    """Signed-in app sessions made up front (X-Session-Token), so no password is ever hashed."""
    auth_hash = User(password="!bench").get_session_auth_hash()  # noqa: S106 (unusable)
    expires = timezone.now() + timedelta(days=1)
    rows, tokens = [], {}
    for user_id in user_ids:
        store = SessionStore()
        key = store._get_new_session_key()  # type: ignore[attr-defined]
        data = {
            "_auth_user_id": str(user_id),
            "_auth_user_backend": settings.AUTHENTICATION_BACKENDS[0],
            "_auth_user_hash": auth_hash,
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        tokens[user_id] = key
    Session.objects.bulk_create(rows, batch_size=1000)
    return tokens


def catalogue_ids() -> tuple[int, int]:
    catalogue = Medication.objects.filter(owner=None).order_by("pk")
    triptan = catalogue.filter(medication_class="triptan").values_list("pk", flat=True)[0]
    simple = catalogue.filter(medication_class="simple_analgesic").values_list("pk", flat=True)[0]
    return triptan, simple


def _short(sql: str) -> str:
    return " ".join(sql.split())[:150]


def count_queries(send) -> tuple[int, list[str], int]:
    with CaptureQueriesContext(connection) as captured:
        status = send()
    return len(captured), [_short(q["sql"]) for q in captured.captured_queries], status


# 2. Logging a day --------------------------------------------------------------------------


def put_stage(*, ds: Dataset, env: dict[str, str], size: int) -> None:
    heading(f"PUT /api/v1/diary/{{date}}/ under load ({size:,} patients)")
    step = max(1, ds.patients // LOAD_PATIENTS)
    users = list(range(1, ds.patients + 1, step))[:LOAD_PATIENTS]
    tokens = session_tokens(users)
    triptan, simple = catalogue_ids()
    today = timezone.now().date().isoformat()
    body = json.dumps(
        {
            "headache": True,
            "duration_hours": 5,
            "peak_severity": 2,
            "features": {"pulsating": True, "nausea": True},
            "medications": [{"medication": triptan, "doses": 1}],
        }
    )
    client = Client()
    patient = users[0]
    # WSGI environ keys, as the test client takes extra request headers.
    headers: dict[str, Any] = {
        "HTTP_X_SESSION_TOKEN": tokens[patient],
        "HTTP_X_BENCH_PATIENT": str(patient),
    }

    def api_put():
        return client.put(
            f"/api/v1/diary/{today}/", body, content_type="application/json", **headers
        ).status_code

    def bare_put():
        return client.put(
            f"/bench/bare/diary/{today}/", body, content_type="application/json", **headers
        ).status_code

    api_put()  # the day exists now: the measured request is the common replace
    count, queries, status = count_queries(api_put)
    bare_count, _, bare_status = count_queries(bare_put)
    if status not in (200, 201) or bare_status not in (200, 201):
        raise SystemExit(f"PUT refused (API {status}, bare {bare_status}): nothing to measure")
    say(f"  one API PUT (status {status}) ran {count} SQL queries:")
    for number, sql in enumerate(queries, 1):
        say(f"    {number:>2}. {sql}")
    say(f"  the bare view (status {bare_status}) ran {bare_count}")

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.writelines(f"{token} {user}\n" for user, token in tokens.items())
        tokens_file = handle.name
    meds = f"{triptan},{simple}"
    try:
        with load.gunicorn(env) as base:
            load.wrk(base, "put.lua", [tokens_file, "/api/v1/diary/", meds], seconds=2)
            load.wrk(base, "put.lua", [tokens_file, "/bench/bare/diary/", meds], seconds=2)
            api = load.wrk(base, "put.lua", [tokens_file, "/api/v1/diary/", meds])
            floor = load.wrk(base, "put.lua", [tokens_file, "/bench/bare/diary/", meds])
    finally:
        Path(tokens_file).unlink()
    for label, result in (("API", api), ("bare view, one statement", floor)):
        say(
            f"  {label:<26} {result.requests_per_second:>9,.0f} req/s"
            f"  mean {result.latency_ms:.1f} ms"
            f"  p99 {result.p99_ms:.1f} ms  ({result.requests:,} requests, {result.errors} errors)"
        )
    if api.errors or floor.errors:
        # Throughput of refused requests measures nothing: stop rather than print a ratio.
        raise SystemExit(f"PUT load had errors (API {api.errors}, bare {floor.errors})")
    figure("API PUT throughput", api.requests_per_second, "req/s", size=size, key="PUT API")
    figure("bare PUT throughput", floor.requests_per_second, "req/s", size=size, key="PUT bare")
    ratio("upsert_vs_bare", api.requests_per_second / floor.requests_per_second, ">=0.6", size=size)
    ratio("put_queries", count, "<=3", size=size)


# 3. Trends ---------------------------------------------------------------------------------


def trends_stage(*, ds: Dataset, env: dict[str, str], size: int) -> None:
    heading(f"GET /api/v1/trends/ against one raw SQL statement ({size:,} patients)")
    patients = {"1y": ds.one_year_patient, "5y": ds.five_year_patient}
    tokens = session_tokens(list(patients.values()))
    client = Client()
    counts = {}
    uncached = {}
    for label, patient in patients.items():
        headers: dict[str, Any] = {"HTTP_X_SESSION_TOKEN": tokens[patient]}
        cache.clear()
        count, _, status = count_queries(
            lambda h=headers: client.get("/api/v1/trends/", **h).status_code
        )
        hit_count, _, _ = count_queries(
            lambda h=headers: client.get("/api/v1/trends/", **h).status_code
        )
        counts[label] = count
        response = client.get("/api/v1/trends/", **headers)
        api_windows = {
            w["start"]: w["headache_days"] for w in response.json()["windows"] if w["logged_days"]
        }
        sql_windows = {
            row["window_start"].isoformat(): row["headache_days"]
            for row in bare.trends_sql_rows(patient_id=patient)
            if row["window_start"] is not None
        }
        agree = "agree" if api_windows == sql_windows else "DIFFER"
        say(
            f"  {label}: status {status}, {count} SQL queries computing, {hit_count} when cached; "
            f"{len(api_windows)} windows, raw SQL headache days per window {agree} with the API"
        )
        # Every request a cache miss (as after each write), in this process, against the same
        # raw SQL view: the cost of computing the trends, not only of serving them.
        bench_headers: dict[str, Any] = {**headers, "HTTP_X_BENCH_PATIENT": str(patient)}
        uncached[label] = (
            _per_second(lambda h=headers: _uncached_get(client, "/api/v1/trends/", h)),
            _per_second(lambda h=bench_headers: _uncached_get(client, "/bench/bare/trends/", h)),
        )
    with load.gunicorn(env) as base:
        results = {}
        for label, patient in patients.items():
            args = [tokens[patient], str(patient)]
            load.wrk(base, "get.lua", [*args, "/api/v1/trends/"], seconds=2)
            api = load.wrk(base, "get.lua", [*args, "/api/v1/trends/"])
            floor = load.wrk(base, "get.lua", [*args, "/bench/bare/trends/"])
            results[label] = (api, floor)
    for label, (api, floor) in results.items():
        say(
            f"  {label} API {api.requests_per_second:,.0f} req/s (p99 {api.p99_ms:.0f} ms, "
            f"{api.errors} errors); raw SQL {floor.requests_per_second:,.0f} req/s "
            f"(p99 {floor.p99_ms:.0f} ms)"
        )
        figure(
            f"trends {label} API throughput",
            api.requests_per_second,
            "req/s",
            size=size,
            key=f"trends {label} API",
        )
        ratio(
            f"trends_{label}_vs_sql",
            api.requests_per_second / floor.requests_per_second,
            ">=0.8",
            size=size,
        )
    for label, (api_rate, sql_rate) in uncached.items():
        say(
            f"  {label} computed on every request (in process): API {api_rate:,.1f} req/s, "
            f"raw SQL {sql_rate:,.1f} req/s"
        )
        ratio(f"trends_{label}_uncached_vs_sql", api_rate / sql_rate, "report", size=size)
    ratio("trends_queries_5y_vs_1y", counts["5y"] / counts["1y"], "==1", size=size)


def _uncached_get(client: Client, path: str, headers: dict[str, Any]) -> int:
    cache.clear()
    return client.get(path, **headers).status_code


def _per_second(send, *, seconds: float = 3.0) -> float:
    send()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        send()
        done += 1
    return done / (time.perf_counter() - started)


# 4. Nightly scan ---------------------------------------------------------------------------


def run_command(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(  # noqa: S603 (arguments from this module)
        [PYTHON, "-m", "bench.rss", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(f"{args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


FLOOR_SQL = f"""
SELECT d.patient_id, d.date, d.headache, d.duration_hours, d.peak_severity,
    {", ".join(f"d.{name}" for name in DiaryDay.FEATURES)}, m.medication_class
FROM {bare.DAY} d
LEFT JOIN {bare.INTAKE} i ON i.diary_day_id = d.id
LEFT JOIN {bare.MEDICATION} m ON m.id = i.medication_id
"""  # noqa: S608 (identifiers from the models)


def scan_floor(url: str) -> tuple[float, int]:
    """One query reading every row the scan reads, streamed to this process."""
    started = time.perf_counter()
    rows = 0
    with psycopg.connect(url) as conn, conn.cursor(name="floor") as cursor:
        cursor.itersize = 20000
        cursor.execute(FLOOR_SQL)
        for _ in cursor:
            rows += 1
    return time.perf_counter() - started, rows


def _scan_results_forget() -> None:
    """Back to before the first scan: no flags, no frozen baselines, nobody scanned."""
    ReviewFlag.objects.all().delete()
    TreatmentBaseline.objects.all().delete()
    PatientProfile.objects.update(last_scanned_at=None)
    with connection.cursor() as cursor:
        for model in (ReviewFlag, TreatmentBaseline, PatientProfile):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def _full_scan_line(label: str, full: dict) -> str:
    processes = (
        f"{full['workers']} analysis processes" if full["workers"] > 1 else "analysed in-process"
    )
    line = (
        f"  {label} ({processes}): {full['scanned']:,} of {full['due']:,} patients scanned in "
        f"{full['scan_seconds']:.1f} s"
    )
    if full["scanned"] < full["due"]:
        line += (
            f" (+{full['select_seconds']:.2f} s choosing them), the rest extrapolated at the "
            "measured rate"
        )
    return line


def scan_stage(*, ds: Dataset, env: dict[str, str], url: str, size: int) -> None:
    heading(f"Nightly scan ({size:,} patients)")
    floor_seconds, rows = scan_floor(url)
    say(f"  floor: one query streaming {rows:,} rows in {floor_seconds:.1f} s")
    # The clinic's first scan (every baseline frozen, every flag opened) in one process, as
    # a Celery task scans, then again as the command does by default.
    alone = run_command(env, "scan", "--all", f"--limit={FULL_SCAN_LIMIT}", "--workers=1")
    say(_full_scan_line("full scan, one process", alone))
    _scan_results_forget()
    full = run_command(env, "scan", "--all", f"--limit={FULL_SCAN_LIMIT}")
    say(_full_scan_line("full scan", full))
    sampled = full["scanned"] < full["due"]
    if sampled:
        # Stand in for the patients the sample skipped, so the incremental scan sees only new data.
        PatientProfile.objects.filter(last_scanned_at=None).update(last_scanned_at=timezone.now())
    changed = PatientProfile.objects.order_by("?").values_list("pk", flat=True)[
        : max(1, int(ds.patients * INCREMENTAL_SHARE))
    ]
    yesterday = timezone.now().date() - timedelta(days=1)
    now = timezone.now()
    touched = DiaryDay.objects.filter(patient_id__in=list(changed), date=yesterday).update(
        updated_at=now, notes="edited"
    )
    # As the diary write does in the same statement: the profile says who has new data.
    PatientProfile.objects.filter(pk__in=list(changed)).update(data_changed_at=now)
    incremental = run_command(env, "scan")
    say(
        f"  incremental scan after {touched:,} patients wrote: {incremental['scanned']:,} patients "
        f"in {incremental['seconds']:.1f} s ({incremental['select_seconds']:.2f} s choosing them)"
    )
    # One nightly Celery task's work: a chunk of ids, read by id rather than by streaming all,
    # analysed in the task's own process.
    chunk = run_command(env, "scan", "--all", f"--limit={SCAN_CHUNK_SIZE}", "--workers=1")
    chunk_ms = 1000 * chunk["scan_seconds"] / chunk["scanned"]
    say(
        f"  one nightly task's chunk: {chunk['scanned']:,} patients in "
        f"{chunk['scan_seconds']:.2f} s"
    )
    figure("floor (one streaming query)", floor_seconds, "s", size=size, key="scan floor")
    label = "full scan (extrapolated from the sample)" if sampled else "full scan"
    figure(label, full["seconds"], "s", size=size, key="scan full")
    figure(
        "full scan in one process", alone["seconds"], "s", size=size, key="scan full one process"
    )
    figure(
        "full scan per patient",
        1000 * full["scan_seconds"] / full["scanned"],
        "ms",
        size=size,
        key="scan per patient",
    )
    figure(
        f"a nightly task's chunk of {SCAN_CHUNK_SIZE}, per patient",
        chunk_ms,
        "ms",
        size=size,
        key="scan chunk per patient",
    )
    figure(
        "incremental scan (5 % new data)",
        incremental["seconds"],
        "s",
        size=size,
        key="scan incremental",
    )
    figure("full scan peak RSS", full["peak_kb"] / 1024, "MiB", size=size, key="scan peak RSS")
    figure("  after Django's start-up", full["settled_kb"] / 1024, "MiB")
    if full["worker_peak_kb"]:
        figure(
            "  largest analysis process (shared pages counted)",
            full["worker_peak_kb"] / 1024,
            "MiB",
            size=size,
            key="scan analysis process peak RSS",
        )
    figure("full scan in one process, peak RSS", alone["peak_kb"] / 1024, "MiB")
    figure("incremental scan peak RSS", incremental["peak_kb"] / 1024, "MiB")
    ratio("scan_full_vs_floor", full["seconds"] / floor_seconds, "<=2", size=size)
    ratio("scan_full_one_process_vs_floor", alone["seconds"] / floor_seconds, "report", size=size)
    ratio("scan_incremental_vs_full", incremental["seconds"] / full["seconds"], "<=0.1", size=size)
    # Flat across sizes when a chunk's read costs its own patients only, not the clinic's.
    per_patient = 1000 * alone["scan_seconds"] / alone["scanned"]
    ratio("scan_chunk_vs_full_per_patient", chunk_ms / per_patient, "report", size=size)


# 5. Reminder tick --------------------------------------------------------------------------


def tick_stage(*, ds: Dataset, size: int, redis_url: str | None) -> None:
    from diary.reminders.services import TICK_BATCH_SIZE
    from diary.reminders.tasks import reminders_tick

    heading(f"Reminder tick ({size:,} patients, {DUE_SHARE:.0%} due this minute)")
    say(f"  broker: {redis_url or 'none answering: the file broker under var/'}")
    now = timezone.now()
    every = round(1 / DUE_SHARE)
    schedules = ReminderSchedule.objects.all()
    schedules.update(
        next_slot_at=now + timedelta(hours=6), next_slot_date=now.date() + timedelta(days=1)
    )
    due_ids = list(range(every, ds.patients + 2, every))
    due = schedules.filter(patient_id__in=due_ids).update(
        next_slot_at=now - timedelta(seconds=30), next_slot_date=now.date()
    )
    OutgoingMessage.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ReminderSchedule._meta.db_table)
    select_sql = (
        f"SELECT id, patient_id, next_slot_at, next_slot_date FROM "  # noqa: S608
        f"{ReminderSchedule._meta.db_table} WHERE next_slot_at <= now()"
    )
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(select_sql)
            selected = len(cursor.fetchall())
        timings.append(time.perf_counter() - started)
    floor = statistics.median(timings)

    started = time.perf_counter()
    reminders_tick()
    first_tick = time.perf_counter() - started
    first_claimed = due - schedules.filter(next_slot_at__lte=timezone.now()).count()
    ticks = 1
    while schedules.filter(next_slot_at__lte=timezone.now()).exists():
        reminders_tick()
        ticks += 1
    drain = time.perf_counter() - started
    messages = OutgoingMessage.objects.count()
    _clear_broker(redis_url)
    say(
        f"  {due:,} slots due; one query selects {selected:,} in {floor * 1000:.1f} ms; the first "
        f"tick claims {first_claimed:,} (batch {TICK_BATCH_SIZE}) in {first_tick:.2f} s; "
        f"{ticks} ticks claim all in {drain:.2f} s, {messages:,} messages queued"
    )
    figure("one tick", first_tick, "s", size=size, key="tick (one, as beat runs it)")
    figure("all due slots claimed", drain, "s", size=size, key="tick (all due)")
    figure("per due slot", 1000 * drain / max(due, 1), "ms", size=size, key="tick per due slot")
    ratio("tick_seconds", first_tick, f"<{TICK_SECONDS_TARGET}", size=size)
    ratio("tick_all_due_seconds", drain, f"<{TICK_SECONDS_TARGET}", size=size)
    ratio("tick_all_due_vs_select", drain / floor, "report", size=size)


def _clear_broker(redis_url: str | None) -> None:
    """The tasks published have no worker here: remove them from the bench's Redis database."""
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [
        key for key in client.scan_iter("*") if key in (b"celery",) or key.startswith(b"_kombu.")
    ]
    if keys:
        client.delete(*keys)
