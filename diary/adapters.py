from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils.encoding import force_str

from diary import services
from diary.auth import client_ip


@dataclass(frozen=True)
class SiteIdentity:
    """What account emails call the site, in place of the request's host (allauth's default)."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    # The sender's display name ("Headache diary <diary@...>") is the name people know the
    # service by; the address is the public SITE_URL, never the host a request came through.
    name = parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "Headache diary"
    return SiteIdentity(name=name, domain=settings.SITE_URL)


class DiaryAccountAdapter(DefaultAccountAdapter):
    """Self sign-up always makes a patient; clinicians are created by staff."""

    def save_user(self, request, user, form, commit=True):
        zone = form.cleaned_data.get("timezone") if form is not None else None
        if zone:
            user.timezone = zone
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.patient_profile_create(user=user)
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {"current_site": site_identity(), **context})

    def format_email_subject(self, subject: str) -> str:
        return f"[{site_identity().name}] {force_str(subject)}"

    def get_client_ip(self, request) -> str:
        # Sign-in rate limits key on the address the trusted proxies saw.
        return client_ip(request) or ""
