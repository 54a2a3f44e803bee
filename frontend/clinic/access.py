"""Who may see the clinician workspace, and for how long.

The rule itself (a second factor used in this very session, not just enrolled) is
``diary.auth.may_see_patient_data``, shared with the API. The proof is allauth's own record of the
session's authentication steps, so a sign-in through allauth's headless flow counts as much as one
through the clinic's pages. Clinician sessions lapse after 30 minutes idle.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from diary.auth import has_second_factor, is_clinician, may_see_patient_data
from diary.auth import idle_session_expired as idle_expired
from diary.models import User

# The clinic's views import the shared rule from here, next to the decorator that applies it.
__all__ = [
    "clinician_required",
    "has_second_factor",
    "idle_session_expired",
    "may_see_patient_data",
    "signed_in_user",
]


def idle_session_expired(request: HttpRequest, *, now: float | None = None) -> bool:
    """Log a clinician out after 30 minutes without a request; else note this request."""
    if not idle_expired(request.session, request.user, now=now):
        return False
    logout(request)
    return True


def login_url(request: HttpRequest) -> str:
    return f"{reverse('clinic:login')}?{urlencode({'next': request.get_full_path()})}"


def second_factor_url(user) -> str:
    if has_second_factor(user):
        return reverse("clinic:mfa-code")
    return reverse("clinic:mfa-setup")


def signed_in_user(request: HttpRequest) -> User:
    """The clinician of a view behind ``clinician_required``, typed as the user they are."""
    user = request.user
    # Unreachable behind the decorator (it sends anonymous visitors to the sign-in); a view
    # wired without it still shows nothing.
    if not user.is_authenticated:
        raise Http404
    return user


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
