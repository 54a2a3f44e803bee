"""Passkeys and security keys (WebAuthn) as the clinic's second factor, through allauth.

allauth's WebAuthn helpers make the options, keep the challenge in the session and check the
browser's answer; the clinic's pages put the options in the page and post the answer back as a
form. Passkeys are a second factor after the password here (MFA_PASSKEY_LOGIN_ENABLED is off),
so registration asks for no resident key and authentication lists the clinician's own keys.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.webauthn.internal import auth
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from diary.models import User
from frontend.clinic.signin import SHOW_CODES_KEY

# The credential is posted by the browser, so anything may arrive. allauth turns the failures it
# expects into a ValidationError; fido2 raises these on payloads shaped wrongly enough.
MALFORMED = (ValidationError, ValueError, TypeError, KeyError, AttributeError)


def has_passkey(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()


def passkeys(user: User) -> list[Authenticator]:
    return list(
        Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).order_by(
            "created_at"
        )
    )


def registration_options(*, user: User) -> dict:
    """Options for navigator.credentials.create; the challenge waits in the session."""
    return auth.begin_registration(user, passwordless=False)


def enrol(request: HttpRequest, *, user: User, name: str, credential: dict) -> Authenticator | None:
    """Store the key the browser made, if it answers this session's challenge; else None.

    Recovery codes come with the first factor, as with the authenticator app.
    """
    try:
        auth.parse_registration_response(credential)
        auth.complete_registration(credential)
    except MALFORMED:
        # One answer per challenge: a retry starts a new ceremony.
        auth.clear_state()
        return None
    with transaction.atomic():
        authenticator = auth.WebAuthn.add(user, name, credential).instance
        if not Authenticator.objects.filter(
            user=user, type=Authenticator.Type.RECOVERY_CODES
        ).exists():
            RecoveryCodes.activate(user)
            request.session[SHOW_CODES_KEY] = Authenticator.Type.WEBAUTHN
    return authenticator


def authentication_options(*, user: User) -> dict:
    """Options for navigator.credentials.get, limited to this clinician's keys."""
    return auth.begin_authentication(user)


def verify(*, user: User, credential: dict) -> Authenticator | None:
    """The clinician's key that signed this session's challenge, or None.

    allauth forgets the challenge once it is answered, so a replayed assertion finds none.
    """
    try:
        auth.parse_authentication_response(credential)
        return auth.complete_authentication(user, credential)
    except MALFORMED:
        auth.clear_state()
        return None
