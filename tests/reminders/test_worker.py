"""End to end with a real Celery worker consuming from Redis (not eager mode)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config.celery import app
from diary import tasks as scan_tasks
from diary.models import PatientProfile
from diary.reminders import schedule
from diary.reminders.models import MessageStatus, OutgoingMessage, ReminderSchedule, ScheduledRun
from diary.reminders.services import reminder_schedule_refresh
from diary.reminders.tasks import reminders_tick
from tests import factories

WAIT_SECONDS = 30


@pytest.fixture
def broker_not_touched():
    """This test publishes to the real broker."""


def afternoon_zone(now: datetime) -> str:
    """A zone where it is mid-afternoon now, so today's slot is behind us and the day open."""
    for hours in range(-12, 15):
        name = f"Etc/GMT{-hours:+d}" if hours else "Etc/UTC"
        if 13 <= (now + timedelta(hours=hours)).hour <= 20:
            return name
    raise AssertionError("some zone is in the afternoon")


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        pause.wait(0.1)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_due_reminder_once(mailoutbox):
    now = datetime.now(UTC)
    zone_name = afternoon_zone(now)
    patient = factories.PatientFactory(user__timezone=zone_name)
    zone = patient.user.zone
    local_now = now.astimezone(zone)
    patient.reminder_time = (local_now - timedelta(minutes=5)).time().replace(second=0)
    patient.save()
    reminder_schedule_refresh(patient=patient)
    # The patient signed up before today's slot; it is due now.
    ReminderSchedule.objects.filter(patient=patient).update(
        next_slot_date=local_now.date(),
        next_slot_at=schedule.slot_instant(
            local_date=local_now.date(), at=patient.reminder_time, zone=zone
        ),
    )
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        reminders_tick.delay()
        reminders_tick.delay()  # a second scheduler's tick
        wait_until(lambda: OutgoingMessage.objects.filter(status=MessageStatus.SENT).exists())

    (message,) = OutgoingMessage.objects.all()
    assert (message.kind, message.key) == ("diary_reminder", local_now.date().isoformat())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [patient.user.email]
    assert "fill" in mail.outbox[0].body


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_nightly_scan_reaches_every_due_patient_through_chunk_tasks(monkeypatch):
    monkeypatch.setattr(scan_tasks, "SCAN_CHUNK_SIZE", 2)
    patients = [factories.PatientFactory() for _ in range(5)]
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        scan_tasks.nightly_scan_enqueue.delay()
        scan_tasks.nightly_scan_enqueue.delay()  # a second beat: the night is claimed once
        wait_until(lambda: not PatientProfile.objects.filter(last_scanned_at__isnull=True).exists())

    assert PatientProfile.objects.filter(last_scanned_at__isnull=False).count() == len(patients)
    assert ScheduledRun.objects.filter(job="nightly_scan").count() == 1
