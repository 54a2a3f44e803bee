from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import Http404
from rest_framework.permissions import BasePermission


def clinician_has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class IsPatient(BasePermission):
    message = "This endpoint is for patients."

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and hasattr(request.user, "patient_profile")


class IsClinician(BasePermission):
    """A clinician; with CLINICIAN_MFA_REQUIRED, only one who has enrolled a second factor."""

    message = "This endpoint is for clinicians."

    def has_permission(self, request, view) -> bool:
        if not (request.user.is_authenticated and hasattr(request.user, "clinician_profile")):
            return False
        if settings.CLINICIAN_MFA_REQUIRED and not clinician_has_second_factor(request.user):
            self.message = (
                "Set up a second factor (authenticator app or passkey) before viewing patient data."
            )
            return False
        return True


class IsClinicianAnyFactor(BasePermission):
    """A clinician, whether or not a second factor is enrolled: for actions on no patient data."""

    message = "This endpoint is for clinicians."

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and hasattr(request.user, "clinician_profile")


class IsClinicianElseNotFound(IsClinician):
    """For URLs naming a patient: to anyone but a clinician that patient does not exist (404)."""

    def has_permission(self, request, view) -> bool:
        if request.user.is_authenticated and not hasattr(request.user, "clinician_profile"):
            raise Http404
        return super().has_permission(request, view)
