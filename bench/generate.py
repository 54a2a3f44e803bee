"""The data set: N patients x 365 days with medicines and four injection cycles, some wearing off.

Rows are generated per chunk of patients as NumPy columns and packed straight into PostgreSQL's
binary COPY format: a chunk's diary days are two runs of fixed-width records (with a headache,
then without, whose NULL duration makes them shorter) handed to the loaders without a copy.
Two connections stream diary days and one each the intakes, injection sessions and people,
so the server works on both cores while NumPy generates. Foreign-key triggers are off for the
loading sessions only (``session_replication_role = replica``): the generator makes every
reference valid.

Keeping an index up to date row by row is what bounds the load: the diary days arrive date by
date, so every index led by the patient is written all over at once, and once it outgrows the
shared buffers each row costs page evictions and full-page WAL images. So the indexes of the two
bulk tables (but the diary days' primary key, which a foreign key needs) are dropped before the
COPY and built afterwards, each from one in-memory sort, two at a time. Their definitions are
read from the catalogue before dropping, kept in a table of their own until rebuilt (a run that
dies half way is repaired by the next), replayed verbatim, and compared with what was there
before: the schema stays exactly what the migrations made.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg
from psycopg import sql

YEAR_DAYS = 365
LONG_HISTORY_DAYS = 5 * 365
CHUNK_PATIENTS = 2000
DAY_LOADERS = 2
CYCLE_DAYS = 84
BASELINE_DAYS = 28
WEAR_OFF_SHARE = 0.3
MEDICATED_SHARE = 0.55
FEATURE_ODDS = {
    "unilateral": 0.5,
    "pulsating": 0.6,
    "aggravated_by_activity": 0.5,
    "nausea": 0.5,
    "vomiting": 0.15,
    "photophobia": 0.6,
    "phonophobia": 0.5,
    "aura": 0.1,
}
FEATURES = tuple(FEATURE_ODDS)
PG_EPOCH = date(2000, 1, 1)
BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
BINARY_TRAILER = b"\xff\xff"
# Index definitions between their drop and their rebuild; see the module docstring.
PENDING_INDEXES = "bench_generate_pending_index"
INDEX_BUILDERS = 2
# Enough for the largest index (3.3 GB at 100,000 patients) to be sorted in memory: an external
# sort costs a quarter more CPU. Each builder is one process (no parallel workers, which would
# share this memory and sort in runs to merge).
INDEX_BUILD_MEMORY = "4GB"

# (column, PostgreSQL type as information_schema names it, binary encoding). The nullable
# duration goes last, so a day without a headache is a day's record cut short by its value.
DAY_COLUMNS = [
    ("id", "bigint", "i8"),
    ("patient_id", "bigint", "i8"),
    ("date", "date", "i4"),
    ("headache", "boolean", "bool"),
    ("peak_severity", "smallint", "i2"),
    *((name, "boolean", "bool") for name in FEATURES),
    ("disability", "smallint", "i2"),
    ("notes", "text", "empty"),
    ("revision", "integer", "i4"),
    ("created_at", "timestamp with time zone", "i8"),
    ("updated_at", "timestamp with time zone", "i8"),
    ("duration_hours", "numeric", "numeric"),
]
INTAKE_COLUMNS = [
    ("id", "bigint", "i8"),
    ("diary_day_id", "bigint", "i8"),
    ("patient_id", "bigint", "i8"),
    ("medication_id", "bigint", "i8"),
    ("doses", "smallint", "i2"),
]
VALUE_TYPES = {"i8": ">i8", "i4": ">i4", "i2": ">i2", "bool": "u1", "numeric": (">i2", (6,))}
VALUE_SIZES = {"i8": 8, "i4": 4, "i2": 2, "bool": 1, "numeric": 12, "empty": 0}


@dataclass(frozen=True)
class Layout:
    """One row in COPY BINARY format as a packed record, and that record with the constants."""

    dtype: np.dtype
    template: bytes

    @classmethod
    def of(cls, columns: list[tuple[str, str, str]], **constants: int) -> Layout:
        fields: list[tuple] = [("count", ">i2")]
        for name, _, kind in columns:
            fields.append((f"{name}_len", ">i4"))
            if kind != "empty":
                fields.append((name, VALUE_TYPES[kind]))
        row = np.zeros(1, dtype=fields)
        row["count"] = len(columns)
        for name, _, kind in columns:
            row[f"{name}_len"] = VALUE_SIZES[kind]
        for name, value in constants.items():
            row[name] = value
        return cls(row.dtype, row.tobytes())

    def pack(self, n: int, values: dict[str, np.ndarray]) -> np.ndarray:
        # The constants go in by copying the template over and over, doubling each time: a few
        # memcpy calls, where setting a constant field of n records is a slow strided loop.
        size = len(self.template)
        buffer = np.empty(n * size, dtype=np.uint8)
        buffer[:size] = np.frombuffer(self.template, dtype=np.uint8)
        done = size
        while done < len(buffer):
            step = min(done, len(buffer) - done)
            buffer[done : done + step] = buffer[:step]
            done += step
        rows = buffer.view(self.dtype)
        for name, value in values.items():
            rows[name] = value
        return rows


DAY_LAYOUT = Layout.of(DAY_COLUMNS, revision=1)
INTAKE_LAYOUT = Layout.of(INTAKE_COLUMNS)
NUMERIC_SIZE = VALUE_SIZES["numeric"]


@dataclass(frozen=True)
class Tables:
    user: str
    profile: str
    day: str
    intake: str
    session: str
    schedule: str
    medication: str


@dataclass
class Dataset:
    patients: int
    diary_days: int
    intakes: int
    injections: int
    seconds: float
    one_year_patient: int
    five_year_patient: int


def numeric_hundredths(hundredths: np.ndarray) -> np.ndarray:
    """numeric(4,2) in binary: ndigits 2, weight 0, sign +, dscale 2, base-10000 digits."""
    out = np.zeros((len(hundredths), 6), dtype=np.int16)
    out[:, 0] = 2
    out[:, 3] = 2
    out[:, 4] = hundredths // 100
    out[:, 5] = (hundredths % 100) * 100
    return out


def pg_days(day: date) -> int:
    return (day - PG_EPOCH).days


def pg_micros(moment: datetime) -> int:
    return int((moment - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)


@dataclass
class Chunk:
    days: tuple[memoryview, ...]
    intakes: memoryview
    day_rows: int
    intake_rows: int
    injections: list[tuple[int, date]]


def generate_chunk(
    *,
    rng: np.random.Generator,
    patient_ids: np.ndarray,
    first_day: date,
    n_days: int,
    first_day_id: int,
    first_intake_id: int,
    medications: dict[str, np.ndarray],
    now_micros: int,
) -> Chunk:
    p = len(patient_ids)
    day_index = np.arange(n_days)
    n_injections = (n_days - BASELINE_DAYS - 40) // (CYCLE_DAYS + 6) + 1
    jitter = rng.integers(0, 5, (p, n_injections)).cumsum(axis=1)
    injections = BASELINE_DAYS + rng.integers(0, 8, (p, 1)) + CYCLE_DAYS * np.arange(n_injections)
    injections = injections + jitter
    since = np.full((p, n_days), -1, dtype=np.int32)
    for k in range(n_injections):
        started = day_index[None, :] >= injections[:, k : k + 1]
        since = np.where(started, day_index[None, :] - injections[:, k : k + 1], since)

    # Chronic migraine before treatment; a responder's plateau; wear-off from week 10.
    base = rng.uniform(0.5, 0.75, (p, 1))
    plateau = base * rng.uniform(0.35, 0.85, (p, 1))
    wears_off = rng.random((p, 1)) < WEAR_OFF_SHARE
    odds = np.where(since < 0, base, np.where(wears_off & (since >= 63), base, plateau))
    headache = rng.random((p, n_days)) < odds

    # Rows go out date by date, as a live service writes them: each index then grows in a few
    # places at once (not all over), and a patient's days spread over many pages as in production.
    flat_headache = headache.T.ravel()
    n = flat_headache.size
    ids = first_day_id + np.arange(n, dtype=np.int64)
    patient = np.tile(patient_ids.astype(np.int64), n_days)
    dates = pg_days(first_day) + np.repeat(day_index, p).astype(np.int32)
    severity = np.where(flat_headache, rng.choice([1, 2, 3], n, p=[0.3, 0.45, 0.25]), 0)
    stamps = (dates.astype(np.int64) * 86400 + 20 * 3600) * 1_000_000
    stamps += rng.integers(0, 4 * 3600, n) * 1_000_000
    stamps = np.minimum(stamps, now_micros - 3600 * 1_000_000)
    values: dict[str, np.ndarray] = {
        "id": ids,
        "patient_id": patient,
        "date": dates,
        "headache": flat_headache,
        "peak_severity": severity,
        "disability": np.minimum(severity, rng.integers(0, 4, n)),
        "created_at": stamps,
        "updated_at": stamps,
    }
    for name, chance in FEATURE_ODDS.items():
        values[name] = flat_headache & (rng.random(n) < chance)
    rows = DAY_LAYOUT.pack(n, values)
    headaches = int(flat_headache.sum())
    quarters = rng.integers(2, 72, headaches)
    rows["duration_hours"][flat_headache] = numeric_hundredths(quarters * 25)
    rows["duration_hours_len"][~flat_headache] = -1
    # Days with a headache first, then those without (NULL duration: the record minus its
    # value), each in date order.
    size = rows.dtype.itemsize
    whole = np.ndarray(n, dtype=(np.void, size), buffer=rows, strides=(size,))
    cut = np.ndarray(n, dtype=(np.void, size - NUMERIC_SIZE), buffer=rows, strides=(size,))
    days = (whole[flat_headache].data, cut[~flat_headache].data)

    medicated = flat_headache & (rng.random(n) < MEDICATED_SHARE)
    which = rng.random(n)
    triptan_days = ids[medicated & (which < 0.55)]
    simple_days = ids[medicated & (which >= 0.45)]
    intake_day = np.concatenate([triptan_days, simple_days])
    intake_patient = patient[intake_day - first_day_id]
    intake_med = np.concatenate(
        [
            rng.choice(medications["triptan"], len(triptan_days)),
            rng.choice(medications["simple_analgesic"], len(simple_days)),
        ]
    )
    m = len(intake_day)
    intakes = INTAKE_LAYOUT.pack(
        m,
        {
            "id": first_intake_id + np.arange(m, dtype=np.int64),
            "diary_day_id": intake_day,
            "patient_id": intake_patient,
            "medication_id": intake_med,
            "doses": rng.choice([1, 1, 1, 2], m),
        },
    )
    injection_rows = [
        (int(patient_ids[i]), first_day + timedelta(days=int(injections[i, k])))
        for i in range(p)
        for k in range(n_injections)
    ]
    return Chunk(days, intakes.view(np.uint8).data, n, m, injection_rows)


def _copy_worker(url: str, sql: str, binary: bool, chunks: queue.Queue, errors: list) -> None:
    ended = False  # the producer's end mark taken: a later failure (the COPY's end) must not wait
    try:
        with psycopg.connect(url) as conn:
            conn.execute("SET session_replication_role = replica")
            with conn.cursor() as cursor, cursor.copy(sql) as copy:
                if binary:
                    copy.write(BINARY_SIGNATURE)
                while (buffers := chunks.get()) is not None:
                    for data in buffers:
                        copy.write(data)
                ended = True
                if binary:
                    copy.write(BINARY_TRAILER)
    except Exception as error:  # surfaced by the caller after join
        errors.append(error)
        while not ended and chunks.get() is not None:
            pass


def _people_worker(url: str, tables: Tables, errors: list, **people) -> None:
    try:
        with psycopg.connect(url) as conn:
            conn.execute("SET session_replication_role = replica")
            _people(conn, tables, **people)
    except Exception as error:  # surfaced by the caller after join
        errors.append(error)


def check_columns(conn: psycopg.Connection, table: str, columns: list[tuple[str, str, str]]):
    """Stop at once if the schema no longer matches the binary layout packed here."""
    actual: dict[str, str] = dict(
        conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
            [table],
        ).fetchall()
    )
    for name, pg_type, _ in columns:
        if actual.get(name) != pg_type:
            raise SystemExit(
                f"{table}.{name} is {actual.get(name)!r}, the generator packs {pg_type}"
            )


def truncate(conn: psycopg.Connection, tables: Tables) -> list[tuple]:
    """Empty the patient data; the shared medicine catalogue is kept (TRUNCATE cascades to it)."""
    catalogue = conn.execute(
        # Table names come from the models, here and in every statement below.
        f"SELECT id, name, medication_class FROM {tables.medication} WHERE owner_id IS NULL"  # noqa: S608
    ).fetchall()
    conn.execute(f"TRUNCATE {tables.user}, django_session RESTART IDENTITY CASCADE")
    with conn.cursor().copy(
        f"COPY {tables.medication} (id, name, medication_class) FROM STDIN"
    ) as copy:
        for row in catalogue:
            copy.write_row(row)
    return catalogue


def schema_snapshot(conn: psycopg.Connection, tables: list[str]) -> set[tuple[str, str, str]]:
    """Every index and constraint of the tables, as the catalogue prints its definition."""
    rows = conn.execute(
        """
        SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = ANY(%(tables)s::regclass[])
        UNION ALL
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE conrelid = ANY(%(tables)s::regclass[])
        """,
        {"tables": tables},
    ).fetchall()
    return set(rows)


def defer_indexes(conn: psycopg.Connection, tables: list[str]) -> None:
    """Drop the tables' indexes, noting how to rebuild each, in one commit.

    Left in place: an index a foreign key points at (re-adding the key would validate every row
    again; the diary days' primary key, whose ids arrive in order, is cheap to keep) and an
    exclusion constraint's.
    """
    with conn.transaction():
        conn.execute(
            f"CREATE TABLE {PENDING_INDEXES} (name text PRIMARY KEY, tbl text NOT NULL, "
            "create_sql text NOT NULL, attach_sql text)"
        )
        for table in tables:
            rows = conn.execute(
                """
                SELECT ic.relname, pg_get_indexdef(i.indexrelid), c.conname, c.contype,
                       c.condeferrable, c.condeferred
                FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid
                LEFT JOIN pg_constraint c
                  ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                  AND c.contype IN ('p', 'u', 'x')
                WHERE i.indrelid = %s::regclass AND c.contype IS DISTINCT FROM 'x'
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint f
                      WHERE f.contype = 'f' AND f.conindid = i.indexrelid
                  )
                """,
                [table],
            ).fetchall()
            for index, create_sql, constraint, kind, deferrable, deferred in rows:
                attach = None
                if constraint is None:
                    drop = sql.SQL("DROP INDEX {}").format(sql.Identifier(index))
                else:
                    # A constraint comes back in two steps: its index is built alongside the
                    # others, then taken over by the constraint (a catalogue change).
                    timing = ""
                    if deferrable:
                        timing = " DEFERRABLE INITIALLY " + (
                            "DEFERRED" if deferred else "IMMEDIATE"
                        )
                    attach = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}{}").format(
                        sql.Identifier(table),
                        sql.Identifier(constraint),
                        sql.SQL("PRIMARY KEY" if kind == "p" else "UNIQUE"),
                        sql.Identifier(index),
                        sql.SQL(timing),
                    )
                    drop = sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(constraint)
                    )
                conn.execute(
                    f"INSERT INTO {PENDING_INDEXES} VALUES (%s, %s, %s, %s)",  # noqa: S608
                    [index, table, create_sql, attach and attach.as_string(conn)],
                )
                conn.execute(drop)


def restore_indexes(url: str) -> None:
    """Build the indexes defer_indexes dropped (any a dead run left too), then forget them."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s)", [PENDING_INDEXES]).fetchone()
        if row is None or row[0] is None:
            return
        pending = conn.execute(
            # Largest tables first, so the builders finish together.
            f"SELECT create_sql, attach_sql, to_regclass(name) IS NOT NULL "  # noqa: S608
            f"FROM {PENDING_INDEXES} ORDER BY pg_relation_size(tbl::regclass) DESC, name"
        ).fetchall()
    work: queue.Queue = queue.Queue()
    for create_sql, _, built in pending:
        if not built:
            work.put(create_sql)
    errors: list[Exception] = []

    def builder() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
                conn.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    try:
                        statement = work.get_nowait()
                    except queue.Empty:
                        return
                    conn.execute(statement)
        except Exception as error:  # surfaced below
            errors.append(error)

    builders = [threading.Thread(target=builder) for _ in range(INDEX_BUILDERS)]
    for thread in builders:
        thread.start()
    for thread in builders:
        thread.join()
    if errors:
        raise errors[0]
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for _, attach_sql, _ in pending:
            if attach_sql:
                conn.execute(attach_sql)
        conn.execute(f"DROP TABLE {PENDING_INDEXES}")


def build(*, url: str, tables: Tables, patients: int, seed: int = 8) -> Dataset:
    started = time.perf_counter()
    now = datetime.now(UTC)
    today = now.date()
    first_day = today - timedelta(days=YEAR_DAYS)
    rng = np.random.default_rng(seed)
    bulk_tables = [tables.day, tables.intake]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        check_columns(conn, tables.day, DAY_COLUMNS)
        check_columns(conn, tables.intake, INTAKE_COLUMNS)
        catalogue = truncate(conn, tables)
        restore_indexes(url)
        schema = schema_snapshot(conn, bulk_tables)
        defer_indexes(conn, bulk_tables)
    medications = {
        kind: np.array([row[0] for row in catalogue if row[2] == kind])
        for kind in ("triptan", "simple_analgesic")
    }
    long_patient = patients + 1

    # Two connections load diary days (the bulk of the work) and one each the intakes, the
    # injection sessions and the people, so PostgreSQL uses both cores while NumPy generates.
    day_queues: list[queue.Queue] = [queue.Queue(maxsize=2) for _ in range(DAY_LOADERS)]
    intake_queue: queue.Queue = queue.Queue(maxsize=3)
    session_queue: queue.Queue = queue.Queue()
    errors: list[Exception] = []
    day_columns = ", ".join(c[0] for c in DAY_COLUMNS)
    day_sql = f"COPY {tables.day} ({day_columns}) FROM STDIN (FORMAT BINARY)"
    intake_columns = ", ".join(c[0] for c in INTAKE_COLUMNS)
    intake_sql = f"COPY {tables.intake} ({intake_columns}) FROM STDIN (FORMAT BINARY)"
    session_sql = (
        f"COPY {tables.session} (patient_id, date, product, total_units, paradigm, injector, "
        "lot, planned_interval_weeks, notes, created_at) FROM STDIN"
    )
    loads = [(day_sql, True, q) for q in day_queues] + [
        (intake_sql, True, intake_queue),
        (session_sql, False, session_queue),
    ]
    workers = [
        threading.Thread(target=_copy_worker, args=(url, sql, binary, chunks, errors))
        for sql, binary, chunks in loads
    ]
    workers.append(
        threading.Thread(
            target=_people_worker,
            args=(url, tables, errors),
            kwargs={
                "patients": patients + 1,
                "now": now,
                "joined": today - timedelta(days=6 * 365),
            },
        )
    )
    for worker in workers:
        worker.start()
    day_rows = intake_rows = injections = 0
    now_micros = pg_micros(now)
    session_row = f"\tonabotulinumtoxinA\t155.0\tpreempt\t\t\t12\t\t{now.isoformat()}\n"
    batches = [
        (np.arange(start, min(start + CHUNK_PATIENTS, patients)) + 1, first_day, YEAR_DAYS)
        for start in range(0, patients, CHUNK_PATIENTS)
    ]
    long_start = today - timedelta(days=LONG_HISTORY_DAYS)
    batches.append((np.array([long_patient]), long_start, LONG_HISTORY_DAYS))
    try:
        for number, (patient_ids, start_day, n_days) in enumerate(batches):
            chunk = generate_chunk(
                rng=rng,
                patient_ids=patient_ids,
                first_day=start_day,
                n_days=n_days,
                first_day_id=day_rows + 1,
                first_intake_id=intake_rows + 1,
                medications=medications,
                now_micros=now_micros,
            )
            day_queues[number % DAY_LOADERS].put(chunk.days)
            intake_queue.put((chunk.intakes,))
            session_queue.put(
                ["".join(f"{patient}\t{day}{session_row}" for patient, day in chunk.injections)]
            )
            day_rows += chunk.day_rows
            intake_rows += chunk.intake_rows
            injections += len(chunk.injections)
            if errors:
                break
    finally:
        for _, _, chunks in loads:
            chunks.put(None)
        for worker in workers:
            worker.join()
    if errors:
        raise errors[0]

    restore_indexes(url)
    with psycopg.connect(url, autocommit=True) as conn:
        if (rebuilt := schema_snapshot(conn, bulk_tables)) != schema:
            raise SystemExit(
                f"indexes rebuilt differently: missing {sorted(schema - rebuilt)}, "
                f"new {sorted(rebuilt - schema)}"
            )
        for table in (
            tables.user,
            tables.profile,
            tables.day,
            tables.intake,
            tables.session,
            tables.schedule,
            tables.medication,
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        for table in (
            tables.user,
            tables.profile,
            tables.day,
            tables.intake,
            tables.session,
            tables.schedule,
        ):
            # As autovacuum leaves a table once loading stops: statistics, the visibility map
            # that index-only scans read, and no vacuum running under the later stages.
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return Dataset(
        patients=patients,
        diary_days=day_rows,
        intakes=intake_rows,
        injections=injections,
        seconds=time.perf_counter() - started,
        one_year_patient=1,
        five_year_patient=long_patient,
    )


def _people(
    conn: psycopg.Connection, tables: Tables, *, patients: int, now: datetime, joined: date
):
    """Users, patient profiles and reminder schedules (next slot tomorrow evening), ids 1..N."""
    joined_at = datetime.combine(joined, datetime.min.time(), tzinfo=UTC)
    tomorrow = now.date() + timedelta(days=1)
    next_slot = datetime.combine(tomorrow, datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    with conn.cursor().copy(
        f"COPY {tables.user} (id, password, is_superuser, is_staff, is_active, date_joined, "
        "email, display_name, timezone) FROM STDIN"
    ) as copy:
        for i in range(1, patients + 1):
            # An unusable password: no hashing anywhere, sign-in happens through bench sessions.
            copy.write_row(
                (i, "!bench", False, False, True, joined_at, f"patient{i}@bench.invalid", "", "UTC")
            )
    with conn.cursor().copy(
        f"COPY {tables.profile} (id, user_id, reminder_time, reminder_channels, reminders_enabled, "
        "weekly_nudge_enabled, treatment_messages_enabled, headache_day_rule, data_changed_at, "
        "created_at) FROM STDIN"
    ) as copy:
        stale = now - timedelta(hours=2)
        for i in range(1, patients + 1):
            copy.write_row(
                (i, i, "20:00", '["email"]', True, True, True, "preempt_4h", stale, joined_at)
            )
    with conn.cursor().copy(
        f"COPY {tables.schedule} (id, patient_id, next_slot_at, next_slot_date, updated_at) "
        "FROM STDIN"
    ) as copy:
        for i in range(1, patients + 1):
            copy.write_row((i, i, next_slot, tomorrow, now))
