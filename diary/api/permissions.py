from __future__ import annotations

from django.http import Http404
from rest_framework.permissions import BasePermission

from diary.auth import may_see_patient_data


class IsPatient(BasePermission):
    message = "This endpoint is for patients."

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and hasattr(request.user, "patient_profile")


class IsClinician(BasePermission):
    """A clinician who, with CLINICIAN_MFA_REQUIRED, used a second factor in this session."""

    message = "This endpoint is for clinicians."

    def has_permission(self, request, view) -> bool:
        if not (request.user.is_authenticated and hasattr(request.user, "clinician_profile")):
            return False
        if not may_see_patient_data(request):
            self.message = (
                "Sign in with your second factor (authenticator app, passkey or recovery code) "
                "before viewing patient data; set one up first if you have none."
            )
            return False
        return True


class IsClinicianElseNotFound(IsClinician):
    """For URLs naming a patient: to anyone but a clinician that patient does not exist (404)."""

    def has_permission(self, request, view) -> bool:
        if request.user.is_authenticated and not hasattr(request.user, "clinician_profile"):
            raise Http404
        return super().has_permission(request, view)
