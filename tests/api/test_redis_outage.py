"""With Redis down or hanging, a patient can still save the day, quickly, and nothing is lost;
everyone can still sign up and sign in, and the rate limits keep counting (in process memory)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime

import pytest
import redis
import time_machine
from django.test import Client

from diary.models import CareLink, DiaryDay
from tests import factories
from tests.clinic.conftest import totp_code

DAY = "2026-01-05"
BODY = {"headache": True, "peak_severity": 2, "duration_hours": 5, "notes": "Long meeting"}


@pytest.fixture
def hanging_redis():
    """A port that accepts connections and never answers, like a wedged Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@pytest.fixture
def stopped_redis():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def full_redis(tmp_path):
    """A Redis of its own, at its memory limit and refusing writes (OOM), as after a flood."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed command line
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            "--maxmemory",
            "2mb",
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        for n in range(1000):
            client.set(f"flood:{n}", b"x" * 100_000)
    except redis.ResponseError:
        pass  # OOM: full
    else:
        pytest.fail("the Redis under test never filled up")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def redis_cache_at(settings, url: str) -> None:
    """The cache as production configures it for REDIS_URL, pointed at the broken Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": settings.REDIS_CACHE_BACKEND,
            "LOCATION": url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }


@pytest.mark.parametrize("outage", ["stopped_redis", "hanging_redis"])
def test_saving_a_day_succeeds_within_two_seconds_when_redis_fails(
    request, settings, as_alice, alice, outage
):
    redis_cache_at(settings, request.getfixturevalue(outage))

    started = time.monotonic()
    response = as_alice.put(f"/api/v1/diary/{DAY}/", BODY, format="json")
    elapsed = time.monotonic() - started

    assert response.status_code == 201
    assert elapsed < 2
    assert DiaryDay.objects.get(patient=alice).notes == "Long meeting"


@pytest.mark.parametrize("outage", ["stopped_redis", "hanging_redis"])
def test_trends_are_computed_within_two_seconds_when_redis_fails(
    request, settings, as_alice, alice, outage
):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=True):
        as_alice.put(f"/api/v1/diary/{DAY}/", BODY, format="json")
        redis_cache_at(settings, request.getfixturevalue(outage))

        started = time.monotonic()
        response = as_alice.get("/api/v1/trends/")
        elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < 2
    assert sum(month["headache_days"] for month in response.json()["months"]) == 1


# "full": its own redis-server, so it runs where CI provides Redis (the redis marker).
OUTAGES = [
    "stopped_redis",
    "hanging_redis",
    pytest.param("full_redis", marks=pytest.mark.redis),
]


def app_post(client: Client, path: str, body: dict, token: str | None = None):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    return client.post(f"/_allauth/app/v1{path}", body, content_type="application/json", **headers)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.parametrize("outage", OUTAGES)
def test_signing_up_works_within_two_seconds_when_redis_fails(request, settings, db, outage):
    redis_cache_at(settings, request.getfixturevalue(outage))

    response, elapsed = timed(
        lambda: app_post(
            Client(), "/auth/signup", {"email": "new@example.org", "password": factories.PASSWORD}
        )
    )

    assert response.status_code == 200, response.content
    assert elapsed < 2


@pytest.mark.parametrize("outage", OUTAGES)
def test_signing_in_works_within_two_seconds_when_redis_fails(request, settings, alice, outage):
    redis_cache_at(settings, request.getfixturevalue(outage))

    response, elapsed = timed(
        lambda: app_post(
            Client(), "/auth/login", {"email": alice.user.email, "password": factories.PASSWORD}
        )
    )

    assert response.status_code == 200, response.content
    assert elapsed < 2


@pytest.mark.parametrize("outage", OUTAGES)
def test_the_second_factor_works_within_two_seconds_when_redis_fails(
    request, settings, carol, outage
):
    redis_cache_at(settings, request.getfixturevalue(outage))
    client = Client()

    started = time.monotonic()
    pending = app_post(
        client, "/auth/login", {"email": carol.user.email, "password": factories.PASSWORD}
    )
    token = pending.json()["meta"]["session_token"]
    response = app_post(client, "/auth/2fa/authenticate", {"code": totp_code()}, token)
    elapsed = time.monotonic() - started

    assert pending.status_code == 401
    assert response.status_code == 200, response.content
    assert elapsed < 2


@pytest.mark.parametrize("outage", OUTAGES)
def test_redeeming_a_care_link_works_within_two_seconds_when_redis_fails(
    request, settings, as_alice, as_dave, dave, outage
):
    code = as_alice.post("/api/v1/care-links/").json()["code"]
    redis_cache_at(settings, request.getfixturevalue(outage))

    response, elapsed = timed(
        lambda: as_dave.post("/api/v1/care-links/redeem/", {"code": code}, format="json")
    )

    assert response.status_code == 201, response.content
    assert elapsed < 2
    assert CareLink.objects.filter(clinician=dave).count() == 1


@pytest.mark.parametrize("outage", OUTAGES)
def test_failed_logins_are_still_limited_when_redis_fails(request, settings, alice, outage):
    redis_cache_at(settings, request.getfixturevalue(outage))
    client = Client()

    for attempt in range(5):
        app_post(client, "/auth/login", {"email": alice.user.email, "password": f"no-{attempt}"})
    response = app_post(
        client, "/auth/login", {"email": alice.user.email, "password": factories.PASSWORD}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"
