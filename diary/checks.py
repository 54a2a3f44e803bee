"""What ``manage.py check --deploy`` warns an operator of, beside Django's own checks."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Addresses that only the server itself can open.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@register(Tags.security, deploy=True)
def mfa_encryption_key_check(app_configs, **kwargs) -> list[Warning]:
    if settings.MFA_ENCRYPTION_KEY:
        return []
    return [
        Warning(
            "MFA_ENCRYPTION_KEY is not set: TOTP secrets are encrypted with a key derived from "
            "SECRET_KEY, for development only.",
            hint="Set MFA_ENCRYPTION_KEY to a Fernet key of its own (see .env.example).",
            id="diary.W001",
        )
    ]


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    """Links in e-mails (verification, password reset) and in FHIR bundles start with SITE_URL:
    left at its development default, they point at each reader's own machine."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host not in LOCAL_HOSTS and not host.endswith(".localhost"):
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL}: links in e-mails and exports lead to the "
            "reader's own machine.",
            hint="Set SITE_URL to the public address patients and clinics open.",
            id="diary.W002",
        )
    ]
