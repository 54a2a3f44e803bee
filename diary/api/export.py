"""The right of access (GDPR art. 15): everything the service holds on a patient, as JSON.

Built from the API's own serializers, so the export says what the API says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from diary import selectors
from diary.api.serializers import (
    AccessEventSerializer,
    CareLinkSerializer,
    InjectionSessionSerializer,
    MedicationSerializer,
    MeSerializer,
    ReviewFlagSerializer,
    diary_day_representation,
    diary_day_versions_representation,
)
from diary.interop.models import CalendarFeed, DiaryImport
from diary.models import (
    InjectionSession,
    InjectionSessionVersion,
    PatientProfile,
    TreatmentBaseline,
)
from diary.reminders.models import OutgoingMessage, ReminderSchedule


def patient_export(*, patient: PatientProfile) -> dict:
    """Everything the service holds on a patient, for the right of access."""
    rule = patient.headache_day_rule
    baselines = _treatment_baselines(patient)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": MeSerializer(patient.user).data,
        "recalled_baseline_headache_days": patient.recalled_baseline_headache_days,
        "recalled_baseline_source": patient.recalled_baseline_source,
        "recalled_baseline_entered_at": patient.recalled_baseline_entered_at,
        # The first course's baseline, as before; every course's below.
        "treatment_baseline": (baselines[0] if baselines else None),
        "treatment_baselines": baselines,
        "diary": [
            diary_day_representation(day, rule=rule)
            for day in selectors.diary_days(patient=patient)
        ],
        # Earlier versions of days, kept for undo and corrections.
        "diary_versions": diary_day_versions_representation(
            list(patient.diary_day_revisions.order_by("date", "id"))
        ),
        "own_medications": MedicationSerializer(patient.own_medications.all(), many=True).data,
        "injections": InjectionSessionSerializer(
            selectors.injection_sessions(patient=patient), many=True
        ).data,
        # Every version of every session, voided ones included, with who changed it and why.
        "injection_versions": list(
            InjectionSessionVersion.objects.filter(session__patient=patient)
            .order_by("session_id", "number")
            .values(
                "session_id", "number", "change", "data", "reason", "changed_by_email", "changed_at"
            )
        ),
        "voided_injections": list(
            InjectionSession.with_voided.filter(patient=patient, voided_at__isnull=False)
            .order_by("date")
            .values("id", "date", "total_units", "voided_at", "void_reason")
        ),
        "care_links": CareLinkSerializer(
            selectors.care_links_for(user=patient.user), many=True
        ).data,
        "flags": ReviewFlagSerializer(
            patient.flags.select_related("patient__user"), many=True
        ).data,
        # Who read the record and when; the readers' IP addresses are their data, not hers.
        "access_log": AccessEventSerializer(selectors.access_log(patient=patient), many=True).data,
        "imports": list(
            DiaryImport.objects.filter(patient=patient)
            .order_by("created_at")
            .values(
                "id",
                "format",
                "status",
                "file_name",
                "file_sha256",
                "created_at",
                "committed_at",
                "days",
                "errors",
                "result",
            )
        ),
        # Only a digest of the feed's token is stored: the export can say the feed exists.
        "calendar_feed": CalendarFeed.objects.filter(patient=patient).values("created_at").first(),
        "reminders": {
            "next_slot_at": ReminderSchedule.objects.filter(patient=patient)
            .values_list("next_slot_at", flat=True)
            .first(),
            "messages": list(
                OutgoingMessage.objects.filter(user=patient.user)
                .order_by("created_at")
                .values("kind", "key", "channel", "status", "context", "created_at", "sent_at")
            ),
        },
        "push_subscriptions": list(
            patient.user.push_subscriptions.values("endpoint", "created_at")
        ),
    }


def _treatment_baselines(patient: PatientProfile) -> list[Mapping[str, Any]]:
    """Each treatment course's frozen baseline, oldest course first."""
    return list(
        TreatmentBaseline.objects.filter(patient=patient)
        .order_by("first_injection_date")
        .values("first_injection_date", *TreatmentBaseline.FROZEN_FIELDS)
    )
