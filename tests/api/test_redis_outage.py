"""With Redis down or hanging, a patient can still save the day, quickly, and nothing is lost."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest
import time_machine

from diary.models import DiaryDay

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


def redis_cache_at(settings, url: str) -> None:
    """The cache as production configures it for REDIS_URL, pointed at the broken Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
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
