from __future__ import annotations

import re
import time
from types import SimpleNamespace

from allauth.account.internal.stagekit import unstash_login
from allauth.core.internal.sessionkit import get_session_user
from django.http import JsonResponse
from django.utils.cache import patch_cache_control

from diary.auth import (
    authentication_methods,
    code_step_locked_until,
    count_first_factor_as_used,
    idle_session_expired,
    token_session,
)

PRIVATE_PREFIXES = ("/api/", "/_allauth/")
ENROL_PATH = re.compile(r"^/_allauth/(browser|app)/v1/account/authenticators/(totp|webauthn)$")
CODE_STEP_PATH = re.compile(r"^/_allauth/(browser|app)/v1/auth/2fa/(re)?authenticate$")
RECOVERY_CODES_PATH = re.compile(
    r"^/_allauth/(browser|app)/v1/account/authenticators/recovery-codes$"
)


class NoStoreForPrivateDataMiddleware:
    """API and account responses carry health data or credentials: no cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES):
            patch_cache_control(response, no_store=True, private=True)
        return response


def locked_response(locked_until: float) -> JsonResponse:
    seconds = max(1, int(locked_until - time.time()) + 1)
    response = JsonResponse(
        {
            "status": 429,
            "errors": [
                {
                    "code": "too_many_login_attempts",
                    "message": "Too many wrong codes: code sign-in is locked for a while. A "
                    "passkey still works.",
                }
            ],
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class AccountTokenGuardMiddleware:
    """allauth's own endpoints under the rules the API keeps.

    - A clinician's app token ends after 30 minutes idle here too (the API checks it in
      ``SessionTokenAuthentication``, the clinic's cookie in its middleware).
    - The code step (TOTP or recovery code) refuses while the account is locked after wrong
      codes (``diary.auth``), as the clinic's and the admin's do.
    - Enrolling a first second factor counts as using it in that session (``diary.auth``).
    - Recovery codes are shown (or regenerated) only to a session that used a second factor: a
      password, even re-entered, must not yield the codes that stand in for the second factor.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/_allauth/"):
            return self.get_response(request)
        session, user = request.session, request.user
        token = token_session(request)
        if token is not None:
            session, user = token, get_session_user(token)
            if idle_session_expired(token, user):
                token.flush()
                return self.get_response(request)
            if token.modified:
                token.save()
        if request.method == "POST" and CODE_STEP_PATH.match(request.path):
            # The user signing in (their password passed) or re-authenticating.
            pending = unstash_login(SimpleNamespace(session=session), peek=True)
            code_user = pending.user if pending is not None else user
            if code_user is not None and code_user.is_authenticated:
                locked_until = code_step_locked_until(code_user)
                if locked_until is not None:
                    return locked_response(locked_until)
        if RECOVERY_CODES_PATH.match(request.path) and user is not None and user.is_authenticated:
            methods = authentication_methods(session, user)
            if not any(record.get("method") == "mfa" for record in methods):
                return JsonResponse(
                    {
                        "status": 403,
                        "errors": [
                            {
                                "code": "second_factor_required",
                                "message": "Sign in with your second factor to see recovery codes.",
                            }
                        ],
                    },
                    status=403,
                )
        response = self.get_response(request)
        if (
            request.method == "POST"
            and ENROL_PATH.match(request.path)
            and response.status_code == 200
        ):
            self.first_factor_enrolled(request)
        return response

    def first_factor_enrolled(self, request) -> None:
        token = token_session(request)
        session = token if token is not None else request.session
        user = get_session_user(token) if token is not None else request.user
        if user is not None and user.is_authenticated:
            count_first_factor_as_used(session, user)
            if token is not None:
                token.save()
