from __future__ import annotations

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication

from diary.auth import idle_session_expired


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's X-Session-Token, answering 401 (not 403) when no one is signed in.

    A clinician's token ends after 30 minutes idle, as the clinic's cookie session does: the
    token's session is deleted, so it cannot be revived.
    """

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user, session = found
        if idle_session_expired(session, user):
            session.flush()
            return None
        if session.modified:
            session.save()
        return user, session

    def authenticate_header(self, request) -> str:
        # A challenge makes DRF answer 401, so clients can tell "sign in" from "not allowed".
        return 'Session realm="api", header="X-Session-Token"'
