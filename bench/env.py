"""The bench's own database and Redis, and the environment every process it starts gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/diary_bench"
# A Redis database of its own: tasks the tick publishes must never reach a real worker.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
DEFAULT_SIZES = "1000,10000,100000"
STAGES = ("put", "trends", "scan", "tick", "first_load", "wear_off")


def stages() -> tuple[str, ...]:
    """The stages BENCH_STAGES names (default all), in their fixed order."""
    raw = os.environ.get("BENCH_STAGES", ",".join(STAGES))
    wanted = {item.strip() for item in raw.split(",") if item.strip()}
    unknown = wanted - set(STAGES)
    if unknown:
        raise SystemExit(
            f"BENCH_STAGES names unknown stages {sorted(unknown)}; choose from {', '.join(STAGES)}."
        )
    return tuple(stage for stage in STAGES if stage in wanted)


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def sizes() -> list[int]:
    raw = os.environ.get("BENCH_PATIENTS", DEFAULT_SIZES)
    try:
        values = [int(item) for item in raw.split(",")]
    except ValueError:
        raise SystemExit(f"BENCH_PATIENTS must be comma-separated numbers, not {raw!r}.") from None
    if not values or min(values) < 1:
        raise SystemExit("BENCH_PATIENTS must list at least one positive size.")
    return values


def redis_url() -> str | None:
    """The bench Redis, or None when no Redis answers (figures then say so)."""
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


def child_environment(*, db_url: str, redis: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="False",
        SECRET_KEY="bench-only-secret-key-0123456789abcdef0123456789abcdef",  # noqa: S106
        SECURE_SSL_REDIRECT="False",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="WARNING",
        DATABASE_CONN_MAX_AGE="600",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    return env


def ensure_database(url: str) -> None:
    """Create the bench database if missing; refuse any database not named for the bench."""
    name = database_name(url)
    if "bench" not in name:
        raise SystemExit(
            f"BENCH_DATABASE_URL names {name!r}; the bench empties its database, so its name "
            "must contain 'bench'."
        )
    parts = urlsplit(url)
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # the name was checked above


def migrate(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments)
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
