"""Sign-in plumbing: few queries per API request, and who may see patient data."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import time
from types import SimpleNamespace

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
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.mail import send_mail
from django.dispatch import receiver

from diary.models import Role, User


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


def user_role(user: object) -> str | None:
    """The signed-in user's role (``Role``); None for anyone else, staff and the anonymous."""
    return user.role if isinstance(user, User) and user.is_authenticated else None


def is_clinician(user: object) -> bool:
    return user_role(user) == Role.CLINICIAN


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
    if last_seen is None:
        # Not used since signing in: idle since the last sign-in step (allauth's record).
        steps = session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
        last_seen = max((step.get("at", 0) for step in steps), default=None)
    if last_seen is not None and now - last_seen > IDLE_TIMEOUT_SECONDS:
        return True
    if (
        last_seen is None
        or session.get(LAST_SEEN_KEY) is None
        or now - last_seen >= TOUCH_EVERY_SECONDS
    ):
        session[LAST_SEEN_KEY] = now
        session.set_expiry(IDLE_TIMEOUT_SECONDS)
    return False


def token_session(request) -> SessionBase | None:
    """The session behind a request's X-Session-Token, if it names a live one."""
    token = request.headers.get("X-Session-Token")
    return SessionTokenStrategy().lookup_session(token) if token else None


def count_first_factor_as_used(session: SessionBase, user) -> None:
    """Enrolling a first factor proves it (a valid code or a passkey signature), so the session
    counts as second-factor signed in, as after the clinic's own enrolment. A session that adds
    a further factor must have used an existing one already: adding is not using."""
    factors = list(Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS)[:2])
    if len(factors) == 1:
        factor = factors[0]
        holder = SimpleNamespace(session=session)
        record_authentication(holder, user, "mfa", id=factor.pk, type=factor.type)


def client_ip(request) -> str | None:
    """The client's address for rate limits and the access log.

    REMOTE_ADDR, unless ``TRUSTED_PROXY_COUNT`` proxies stand in front: then the address the
    outermost of them saw, counted from the right of X-Forwarded-For (what a client writes at
    the left is never believed). DRF's throttles count the same way (``NUM_PROXIES``).
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            candidate = hops[-min(count, len(hops))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


# Second-factor codes: a lock per account, with back-off ------------------------------------
# Policy (issue 15, item 20). Only someone who already passed the password step can try codes.
# After 5 wrong codes (TOTP or recovery) the account's code step locks for 1 minute, and each
# further lock doubles it, to at most 1 hour; a right code ends the lock and resets the count,
# and the count is forgotten after a day without failures. With the 1-hour cap an attacker gets
# at most 5 codes an hour (120 a day, against ~1,440 before). The clinician is emailed when a
# lock starts: the sender knows their password, and changing it ends the attack. The lock never
# lasts more than an hour and passkeys (which cannot be guessed) are not locked, so nobody can
# keep a clinician out for good.

CODE_FAILURES_BEFORE_LOCK = 5
CODE_LOCK_FIRST_SECONDS = 60
CODE_LOCK_MAX_SECONDS = 60 * 60
CODE_FAILURES_FORGOTTEN_AFTER_SECONDS = 24 * 60 * 60


def _code_lock_key(user) -> str:
    return f"mfa-code-lock:{user.pk}"


def code_step_locked_until(user, *, now: float | None = None) -> float | None:
    """When the account's code step opens again, if it is locked now."""
    now = time.time() if now is None else now
    state = cache.get(_code_lock_key(user)) or {}
    until = state.get("locked_until", 0)
    return until if until > now else None


def code_failed(user, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    state = cache.get(_code_lock_key(user)) or {"failures": 0, "locks": 0, "locked_until": 0}
    state["failures"] += 1
    locking = state["failures"] >= CODE_FAILURES_BEFORE_LOCK
    if locking:
        seconds = min(CODE_LOCK_FIRST_SECONDS * 2 ** state["locks"], CODE_LOCK_MAX_SECONDS)
        state.update(failures=0, locks=state["locks"] + 1, locked_until=now + seconds)
    cache.set(_code_lock_key(user), state, CODE_FAILURES_FORGOTTEN_AFTER_SECONDS)
    if locking:
        _code_lock_notify(user, minutes=max(1, round(seconds / 60)))


def code_succeeded(user) -> None:
    cache.delete(_code_lock_key(user))


def _code_lock_notify(user, *, minutes: int) -> None:
    send_mail(
        subject="Sign-in codes locked on your headache diary account",
        message=(
            "Someone entered your password and then several wrong sign-in codes. Code sign-in "
            f"is locked for {minutes} minute(s).\n\nIf this was not you, your password is known "
            "to someone else: change it now. Passkeys still work during the lock."
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=True,
    )


@receiver(mfa_signals.authentication_failed)
def allauth_code_failed(sender, request, user, authenticator, **kwargs) -> None:
    """allauth's own code step (the headless 2fa endpoints) counts toward the same lock."""
    if authenticator.type != Authenticator.Type.WEBAUTHN:
        code_failed(user)


@receiver(mfa_signals.authenticator_used)
def allauth_code_succeeded(sender, request, user, authenticator, **kwargs) -> None:
    code_succeeded(user)


# Second-factor secrets encrypted at rest (issue 15, item 16) ---------------------------------

ENCRYPTED_PREFIX = "fernet:"


def mfa_fernet() -> Fernet:
    key = settings.MFA_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"mfa-encryption:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


class EncryptingMFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted (Fernet: AES and an HMAC)."""

    def encrypt(self, text: str) -> str:
        return ENCRYPTED_PREFIX + mfa_fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        # Strict: a value without the prefix is refused, never taken as a plain secret.
        if not encrypted_text.startswith(ENCRYPTED_PREFIX):
            raise ValueError("An MFA secret is stored unencrypted; run the migrations.")
        token = encrypted_text.removeprefix(ENCRYPTED_PREFIX).encode()
        return mfa_fernet().decrypt(token).decode()
