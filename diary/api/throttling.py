from __future__ import annotations

from rest_framework.throttling import UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    """Limits writes per user; reads stay free so a clinic screen never trips it."""

    scope = "writes"

    def allow_request(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
