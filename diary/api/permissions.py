from __future__ import annotations

from django.http import Http404
from rest_framework.permissions import BasePermission

from diary.auth import is_clinician, may_see_patient_data, user_role
from diary.models import Role


class IsPatient(BasePermission):
    message = "This endpoint is for patients."

    def has_permission(self, request, view) -> bool:
        return user_role(request.user) == Role.PATIENT


class IsClinician(BasePermission):
    """A clinician who, with CLINICIAN_MFA_REQUIRED, used a second factor in this session."""

    message = "This endpoint is for clinicians."

    def has_permission(self, request, view) -> bool:
        if not is_clinician(request.user):
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
        if request.user.is_authenticated and not is_clinician(request.user):
            raise Http404
        return super().has_permission(request, view)
