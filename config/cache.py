"""The Redis cache, carrying on in process memory while Redis is down, hanging or full.

The cache holds rate-limit counters (allauth's sign-in limits and their locks, DRF throttles) and
computed trends. django-redis alone, told to ignore errors, answers "no" to allauth's lock and
every sign-in gets 429 (fail closed); ignoring the counters instead would let anyone guess
passwords for as long as Redis is away (fail open). Here each process keeps counting in its own
memory: limits hold per process (with N workers an attacker gets at most N times the rate) and
nobody is locked out. After a failure Redis is left alone for ``RETRY_AFTER_SECONDS``, so a
hanging Redis costs one socket timeout per process per period, not one per cache call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 15.0
# Enough for the counters of a busy minute; the least recently used entries go first.
FALLBACK_MAX_ENTRIES = 20_000
# The cache calls the project makes (Django's cache API as allauth, DRF and the trends use it).
GUARDED_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "clear",
)

# Django makes a cache object per thread; the memory (LocMemCache's, by name) and the knowledge
# that Redis is down are the process's.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {**params.get("OPTIONS", {}), "IGNORE_EXCEPTIONS": False}
        super().__init__(server, {**params, "OPTIONS": options})
        self.fallback = LocMemCache(
            f"fallback:{server}", {"OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}}
        )
        self._server_name = server

    @property
    def redis_down(self) -> bool:
        return time.monotonic() < _down_until.get(self._server_name, 0.0)

    def _mark_down(self, error: Exception) -> None:
        with _state_lock:
            already = self.redis_down
            _down_until[self._server_name] = time.monotonic() + RETRY_AFTER_SECONDS
        if not already:
            logger.warning(
                "Redis cache unavailable (%s); counting in process memory for %ss",
                type(error).__name__,
                RETRY_AFTER_SECONDS,
            )


def _guarded(name: str) -> Callable[..., Any]:
    redis_method = getattr(RedisCache, name)

    def method(self: FallbackRedisCache, *args: Any, **kwargs: Any) -> Any:
        if not self.redis_down:
            try:
                return redis_method(self, *args, **kwargs)
            except RedisError as error:
                # Down, hanging (timeout) or full (OOM refuses writes): all the same here.
                self._mark_down(error)
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in GUARDED_METHODS:
    setattr(FallbackRedisCache, _name, _guarded(_name))
