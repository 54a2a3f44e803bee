"""Sign-in plumbing: few queries per API request, and who may see patient data."""

from __future__ import annotations

import time

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
    record_authentication,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import (
    SessionTokenStrategy as AllauthSessionTokenStrategy,
)
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver

from diary.models import User


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading the user's role profile in the same query."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("patient_profile", "clinician_profile").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class SessionTokenStrategy(AllauthSessionTokenStrategy):
    """Looks an X-Session-Token up in one query, where allauth's default asks twice."""

    def lookup_session(self, session_token: str):
        return sessionkit.lookup_session(session_token)


# Who may see patient data ---------------------------------------------------------------------
# One rule for the API (cookie or X-Session-Token) and the clinic's pages: a clinician sees
# patient data only in a session in which a second factor was *used*, not merely enrolled: a
# token obtained with a password before the clinician enrolled a factor stays password-only.

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
IDLE_TIMEOUT_SECONDS = 30 * 60
LAST_SEEN_KEY = "clinic.last_seen"
# Writing the session on every request would be a database write per click; a minute is fine.
TOUCH_EVERY_SECONDS = 60


def is_clinician(user) -> bool:
    return bool(user and user.is_authenticated and hasattr(user, "clinician_profile"))


def has_second_factor(user) -> bool:
    """Enrolled, which is not the same as used in this session (see second_factor_used)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def request_session(request) -> SessionBase | None:
    """The session a request is authenticated by: an app token's session (DRF puts it in
    ``request.auth``), else the cookie session."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, SessionBase):
        return auth
    return getattr(request, "session", None)


def authentication_methods(session: SessionBase | None, user) -> list[dict]:
    """allauth's record of how ``user`` authenticated in ``session`` (password, mfa ...)."""
    if session is None or user is None or user.pk is None:
        return []
    if session.get(_AUTHENTICATION_METHODS_USER_SESSION_KEY) != user_id_to_str(user):
        return []
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    return records if isinstance(records, list) else []


def second_factor_used(request) -> bool:
    methods = authentication_methods(request_session(request), request.user)
    return any(record.get("method") == "mfa" for record in methods)


def may_see_patient_data(request) -> bool:
    """The one definition of "this clinician may be shown patient data now"."""
    if not is_clinician(request.user):
        return False
    return not settings.CLINICIAN_MFA_REQUIRED or second_factor_used(request)


def idle_session_expired(session: SessionBase, user, *, now: float | None = None) -> bool:
    """A clinician's session (cookie or app token) ends after 30 minutes without a request;
    otherwise this request is noted. The caller logs out or refuses the token."""
    if not is_clinician(user):
        return False
    now = time.time() if now is None else now
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > IDLE_TIMEOUT_SECONDS:
        return True
    if last_seen is None or now - last_seen >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN_KEY] = now
        session.set_expiry(IDLE_TIMEOUT_SECONDS)
    return False


def token_session(request) -> SessionBase | None:
    """The session behind a request's X-Session-Token, if it names a live one."""
    token = request.headers.get("X-Session-Token")
    return SessionTokenStrategy().lookup_session(token) if token else None


@receiver(mfa_signals.authenticator_added)
def first_factor_counts_as_used(sender, request, user, authenticator, **kwargs) -> None:
    """Enrolling a first factor proves it (a valid code or a passkey signature), so the session
    counts as second-factor signed in, as after the clinic's own enrolment. A session that adds
    a further factor must have used an existing one already: adding is not using."""
    if authenticator.type not in SECOND_FACTORS or request is None:
        return
    others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exclude(
        pk=authenticator.pk
    )
    if not others.exists():
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
