"""Reads for reminders and messages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from diary.models import CareLink, FlagStatus, PatientProfile, PushSubscription, ReviewFlag, User


def linked_clinician_users(*, patient: PatientProfile) -> list[User]:
    """Every member of each clinic the patient shares with: the link is to the whole team."""
    return list(
        User.objects.filter(
            clinician_profile__membership__clinic__care_links__in=CareLink.objects.active().filter(
                patient=patient
            )
        ).distinct()
    )


def new_open_flags_for_clinician(*, clinician_user: User, since: datetime) -> QuerySet[ReviewFlag]:
    return ReviewFlag.objects.filter(
        status=FlagStatus.OPEN,
        created_at__gte=since,
        patient__care_links__clinic__members__clinician__user=clinician_user,
        patient__care_links__clinician__isnull=False,
        patient__care_links__revoked_at__isnull=True,
    ).distinct()


def push_subscriptions_for(*, user: User) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(user=user).order_by("created_at", "id")
