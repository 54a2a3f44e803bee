"""What a patient's sign-up may carry besides email and password (allauth's SIGNUP_FORM_CLASS)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation


class SignupFields(forms.Form):
    # The device's zone, so "today" and reminders are the patient's own from the first day; an
    # account created without it is in UTC until the patient (or the app) sets it.
    timezone = forms.CharField(max_length=64, required=False)

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"]
        if value and value not in zoneinfo.available_timezones():
            raise forms.ValidationError(f"{value!r} is not an IANA time zone name.")
        return value

    def clean(self) -> dict[str, Any]:
        # allauth's headless sign-up checks the password without a user, so Django's
        # UserAttributeSimilarityValidator never saw the email: check it here, with both.
        super().clean()
        cleaned = self.cleaned_data
        password, email = cleaned.get("password"), cleaned.get("email")
        if password and email:
            user = get_user_model()(email=email)
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def signup(self, request, user) -> None:
        """allauth's hook after the user is saved; the adapter already stored the zone."""
