"""Reads for reminders and messages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from diary.models import CareLink, FlagStatus, PatientProfile, PushSubscription, ReviewFlag, User


def linked_clinician_users(*, patient: PatientProfile) -> list[User]:
    links = CareLink.objects.active().filter(patient=patient).select_related("clinician__user")
    return [link.clinician.user for link in links]


def new_open_flags_for_clinician(*, clinician_user: User, since: datetime) -> QuerySet[ReviewFlag]:
    return ReviewFlag.objects.filter(
        status=FlagStatus.OPEN,
        created_at__gte=since,
        patient__care_links__clinician__user=clinician_user,
        patient__care_links__revoked_at__isnull=True,
    ).distinct()


def push_subscriptions_for(*, user: User) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(user=user).order_by("created_at", "id")
