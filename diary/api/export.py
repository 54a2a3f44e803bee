"""The right of access (GDPR art. 15): everything the service holds on a patient, as JSON.

Built from the API's own serializers, so the export says what the API says.
"""

from __future__ import annotations

from django.utils import timezone

from diary import selectors
from diary.api.serializers import (
    CareLinkSerializer,
    InjectionSessionSerializer,
    MedicationSerializer,
    MeSerializer,
    ReviewFlagSerializer,
    diary_day_representation,
)
from diary.models import PatientProfile


def patient_export(*, patient: PatientProfile) -> dict:
    """Everything the service holds on a patient, for the right of access."""
    rule = patient.headache_day_rule
    return {
        "exported_at": timezone.now().isoformat(),
        "account": MeSerializer(patient.user).data,
        "recalled_baseline_headache_days": patient.recalled_baseline_headache_days,
        "diary": [
            diary_day_representation(day, rule=rule)
            for day in selectors.diary_days(patient=patient)
        ],
        "own_medications": MedicationSerializer(patient.own_medications.all(), many=True).data,
        "injections": InjectionSessionSerializer(
            selectors.injection_sessions(patient=patient), many=True
        ).data,
        "care_links": CareLinkSerializer(
            selectors.care_links_for(user=patient.user), many=True
        ).data,
        "flags": ReviewFlagSerializer(
            patient.flags.select_related("patient__user"), many=True
        ).data,
        "access_log": list(selectors.access_log(patient=patient)),
        "push_subscriptions": list(
            patient.user.push_subscriptions.values("endpoint", "created_at")
        ),
    }
