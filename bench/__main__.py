"""``python -m bench``: build each data set size, then measure every stage against its baseline.

Sizes come from BENCH_PATIENTS (default 1000,10000,100000); the database from
BENCH_DATABASE_URL (created and migrated when missing, and emptied for each size).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import env as bench_env
from bench.report import figure, heading, ratio, say, summary

GENERATION_TARGET_SECONDS = 300


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    postgres = subprocess.run(
        ["psql", "--version"],  # noqa: S607 (whichever psql is on PATH, for the report)
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory_kb / 1024**2:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {postgres or 'psql not found'}"
    )


def main() -> None:
    sizes = bench_env.sizes()
    chosen = bench_env.stages()
    url = bench_env.database_url()
    redis_url = bench_env.redis_url()
    bench_env.ensure_database(url)
    child_env = bench_env.child_environment(db_url=url, redis=redis_url)
    # Private to the bench: no other process's broker files, keys or static files are touched.
    child_env["VAR_DIR"] = str(
        Path(tempfile.gettempdir()) / f"diary-bench-var-{bench_env.database_name(url)}"
    )
    os.environ.update(child_env)
    bench_env.migrate(child_env)

    import django

    django.setup()
    from bench import generate, stages
    from diary.models import (
        DiaryDay,
        InjectionSession,
        Medication,
        MedicationIntake,
        PatientProfile,
        User,
    )
    from diary.reminders.models import ReminderSchedule

    tables = generate.Tables(
        user=User._meta.db_table,
        profile=PatientProfile._meta.db_table,
        day=DiaryDay._meta.db_table,
        intake=MedicationIntake._meta.db_table,
        session=InjectionSession._meta.db_table,
        schedule=ReminderSchedule._meta.db_table,
        medication=Medication._meta.db_table,
    )
    say(f"Machine: {machine()}")
    say(
        f"Database: {bench_env.database_name(url)}; Redis: {redis_url or 'none'}; "
        f"sizes: {sizes}; stages: {', '.join(chosen)}"
    )
    started = time.perf_counter()
    for size in sizes:
        heading(f"Data set: {size:,} patients x {generate.YEAR_DAYS} days (+1 patient x 5 years)")
        from django.db import connection

        connection.close()
        ds = generate.build(url=url, tables=tables, patients=size)
        say(
            f"  {ds.diary_days:,} diary days, {ds.intakes:,} medicine intakes, "
            f"{ds.injections:,} injections in {ds.seconds:.1f} s "
            f"({ds.diary_days / ds.seconds:,.0f} diary rows/s)"
        )
        figure("build time", ds.seconds, "s", size=size, key="data set build")
        ratio("generate_seconds", ds.seconds, f"<{GENERATION_TARGET_SECONDS}", size=size)
        if "put" in chosen:
            stages.put_stage(ds=ds, env=child_env, size=size)
        if "trends" in chosen:
            stages.trends_stage(ds=ds, env=child_env, size=size)
        if "scan" in chosen:
            stages.scan_stage(ds=ds, env=child_env, url=url, size=size)
        if "tick" in chosen:
            stages.tick_stage(ds=ds, size=size, redis_url=redis_url)

    first_load = Path(__file__).with_name("first_load.py")
    if "first_load" in chosen and first_load.exists():
        heading("PWA first load (bench/first_load.py)")
        result = subprocess.run(  # noqa: S603 (the bench's own file)
            [sys.executable, str(first_load)],
            cwd=bench_env.ROOT,
            env=child_env,
            capture_output=True,
            text=True,
            check=False,
        )
        say(result.stdout.rstrip() or result.stderr.rstrip())

    if "wear_off" in chosen:
        # The synthetic cohort needs no database: one run, whatever the sizes.
        heading("Wear-off detector on the held-out synthetic cohort (bench/wear_off.py)")
        from bench import wear_off

        wear_off.main([])

    summary(sizes)
    say(f"\nTotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
