"""Who may see the clinician workspace, and for how long.

A clinician sees patient data only once a second factor was used in this very session (not just
enrolled), unless the deployment turns ``CLINICIAN_MFA_REQUIRED`` off. The proof is allauth's own
record of the session's authentication steps, so a sign-in through allauth's headless flow counts
as much as one through the clinic's pages. Clinician sessions lapse after 30 minutes idle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

IDLE_TIMEOUT_SECONDS = 30 * 60
LAST_SEEN_KEY = "clinic.last_seen"
# Writing the session on every request would be a database write per click; a minute is fine.
TOUCH_EVERY_SECONDS = 60
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_clinician(user) -> bool:
    return bool(user and user.is_authenticated and hasattr(user, "clinician_profile"))


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def second_factor_used_in_session(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def may_see_patient_data(request: HttpRequest) -> bool:
    if not is_clinician(request.user):
        return False
    return not settings.CLINICIAN_MFA_REQUIRED or second_factor_used_in_session(request)


def idle_session_expired(request: HttpRequest, *, now: float | None = None) -> bool:
    """Log a clinician out after 30 minutes without a request; else note this request."""
    if not is_clinician(request.user):
        return False
    now = time.time() if now is None else now
    last_seen = request.session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > IDLE_TIMEOUT_SECONDS:
        logout(request)
        return True
    if last_seen is None or now - last_seen >= TOUCH_EVERY_SECONDS:
        request.session[LAST_SEEN_KEY] = now
        request.session.set_expiry(IDLE_TIMEOUT_SECONDS)
    return False


def login_url(request: HttpRequest) -> str:
    return f"{reverse('clinic:login')}?{urlencode({'next': request.get_full_path()})}"


def second_factor_url(user) -> str:
    if has_second_factor(user):
        return reverse("clinic:mfa-code")
    return reverse("clinic:mfa-setup")


def clinician_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: to the sign-in. Not a clinician: 404. No second factor this session: the MFA
    step, before any patient data is read."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if idle_session_expired(request):
            messages.info(request, "You were signed out after 30 minutes without activity.")
            return redirect(login_url(request))
        if not request.user.is_authenticated:
            return redirect(login_url(request))
        if not is_clinician(request.user):
            raise Http404
        if not may_see_patient_data(request):
            return redirect(second_factor_url(request.user))
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper
