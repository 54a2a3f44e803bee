from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter

from diary import services


class DiaryAccountAdapter(DefaultAccountAdapter):
    """Self sign-up always makes a patient; clinicians are created by staff."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.patient_profile_create(user=user)
        return user
