"""Clinician sessions end after 30 minutes idle, on the API as on the clinic's pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from frontend.clinic.access import idle_session_expired


class ClinicianIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Logging out turns the request anonymous: the API answers 401/403, pages redirect.
        idle_session_expired(request)
        return self.get_response(request)
