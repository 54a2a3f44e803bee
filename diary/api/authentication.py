from __future__ import annotations

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's X-Session-Token, answering 401 (not 403) when no one is signed in."""

    def authenticate_header(self, request) -> str:
        # A challenge makes DRF answer 401, so clients can tell "sign in" from "not allowed".
        return 'Session realm="api", header="X-Session-Token"'
