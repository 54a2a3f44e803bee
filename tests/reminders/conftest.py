from __future__ import annotations

from datetime import datetime, time

import pytest
import time_machine
from django.utils import timezone

from diary.models import PatientProfile
from diary.reminders import delivery, services
from diary.reminders.models import MessageStatus, OutgoingMessage
from tests import factories


def frozen(moment: datetime):
    return time_machine.travel(moment, tick=False)


def make_patient(
    *,
    zone: str = "Europe/London",
    at: time = time(20, 0),
    channels: tuple[str, ...] = ("email",),
    joined: datetime,
    **profile,
) -> PatientProfile:
    """A patient who joined at ``joined`` and whose schedule was set up then."""
    with frozen(joined):
        patient = factories.PatientFactory(
            user__timezone=zone, reminder_time=at, reminder_channels=list(channels), **profile
        )
        services.reminder_schedule_refresh(patient=patient)
    patient.refresh_from_db()
    return patient


def tick() -> list[int]:
    return services.due_slots_claim(now=timezone.now())


def deliver_outstanding() -> list[str]:
    ids = OutgoingMessage.objects.filter(status=MessageStatus.PENDING).values_list("pk", flat=True)
    return [delivery.message_deliver(message_id=message_id) for message_id in list(ids)]


def messages_for(patient: PatientProfile) -> list[tuple[str, str, str]]:
    return sorted(
        OutgoingMessage.objects.filter(user=patient.user).values_list("kind", "key", "channel")
    )


@pytest.fixture(autouse=True)
def broker_not_touched(monkeypatch):
    """Unit tests never publish: the rows are the queue, the tests deliver them directly."""
    monkeypatch.setattr(services, "_publish_deliveries", lambda message_ids: None)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
