"""Sign-in plumbing that keeps every API request to a few queries."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import (
    SessionTokenStrategy as AllauthSessionTokenStrategy,
)

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
