"""The clinic's own sign-in: password, then a second factor, through allauth's MFA models.

allauth runs headless, so it renders no pages; these functions drive its Python APIs (TOTP and
recovery-code authenticators, the session's authentication records) from Django forms. Passkeys
are in ``webauthn``. The user
is logged in only after the second factor, so a password alone never opens a session that the
API would accept.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest

from diary.auth import (
    IDLE_TIMEOUT_SECONDS,
    LAST_SEEN_KEY,
    code_failed,
    code_step_locked_until,
    code_succeeded,
)
from diary.models import User

PENDING_KEY = "clinic.pending_user"
SECRET_KEY = "clinic.totp_secret"  # noqa: S105 - a session key's name, not a secret
# Holds the type of the factor just enrolled, for the recovery codes page to name it.
SHOW_CODES_KEY = "clinic.show_recovery_codes"
PENDING_SECONDS = 10 * 60
BACKEND = "diary.auth.AuthenticationBackend"


def pending_user_set(request: HttpRequest, *, user: User) -> None:
    request.session[PENDING_KEY] = {"id": user.pk, "at": time.time()}


def pending_user(request: HttpRequest) -> User | None:
    """The clinician who passed the password step, or the one logged in without a factor."""
    if request.user.is_authenticated:
        return request.user
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["id"], is_active=True).first()


def complete_login(request: HttpRequest, *, user: User, authenticator: Authenticator | None):
    if not request.user.is_authenticated:
        login(request, user, backend=BACKEND)
        record_authentication(request, user, "password", email=user.email)
    if authenticator is not None:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        authenticator.record_usage()
    request.session.pop(PENDING_KEY, None)
    request.session[LAST_SEEN_KEY] = time.time()
    request.session.set_expiry(IDLE_TIMEOUT_SECONDS)


def verify_code(*, user: User, code: str) -> Authenticator | None:
    """The authenticator that accepts ``code``: the TOTP app, else an unused recovery code;
    none while the account's code step is locked."""
    if code_step_locked_until(user) is not None:
        # Locked after repeated wrong codes (diary.auth): not even the right code opens it.
        return None
    code = code.strip().replace(" ", "")
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    # validate_code also refuses a code already used in its 30-second window (replay).
    if totp is not None and TOTP(totp).validate_code(code):
        code_succeeded(user)
        return totp
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    if codes is not None and RecoveryCodes(codes).validate_code(code):
        code_succeeded(user)
        return codes
    code_failed(user)
    return None


def enrolment_secret(request: HttpRequest) -> str:
    secret = request.session.get(SECRET_KEY)
    if not secret:
        secret = request.session[SECRET_KEY] = generate_totp_secret()
    return secret


def enrolment_qr_svg(*, user: User, secret: str) -> tuple[str, str]:
    """The otpauth URL and the QR code drawing it, as SVG text (shown as a data: image)."""
    adapter = get_mfa_adapter()
    url = adapter.build_totp_url(user, secret)
    return url, adapter.build_totp_svg(url)


def enrol_totp(request: HttpRequest, *, user: User, code: str) -> Authenticator | None:
    secret = request.session.get(SECRET_KEY)
    if not secret or not validate_totp_code(secret, code.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        authenticator = TOTP.activate(user, secret).instance
        RecoveryCodes.activate(user)
    request.session.pop(SECRET_KEY, None)
    request.session[SHOW_CODES_KEY] = Authenticator.Type.TOTP
    return authenticator


def recovery_codes(*, user: User) -> list[str]:
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    return RecoveryCodes(codes).get_unused_codes() if codes else []
