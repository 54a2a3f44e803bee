"""Celery tasks: thin wrappers that take ids and call services. All are safe to run twice.

Acknowledged late (settings): a worker killed mid-task leaves its message to be delivered again,
and the database claims in the services make that repeat harmless.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from diary.reminders import delivery, services

logger = logging.getLogger(__name__)

RETRY_BACKOFF_MAX = 10 * 60


@shared_task(name="reminders.tick", ignore_result=True)
def reminders_tick() -> int:
    """Every minute: claim the due slots, then requeue messages whose task got lost."""
    now = timezone.now()
    created = services.due_slots_claim(now=now)
    requeued = services.stalled_messages_requeue(now=now)
    if created or requeued:
        logger.info("Tick: %d messages queued, %d requeued", len(created), len(requeued))
    return len(created)


@shared_task(
    bind=True,
    name=services.DELIVER_MESSAGE_TASK,
    ignore_result=True,
    autoretry_for=(delivery.DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=delivery.MAX_ATTEMPTS,
)
def deliver_message(self, message_id: int) -> str:
    return delivery.message_deliver(message_id=message_id)


@shared_task(name="reminders.clinician_digests", ignore_result=True)
def clinician_digests() -> int:
    now = timezone.now()
    week = now.date().isocalendar()
    if not services.scheduled_run_claim(
        job="clinician_digest", period=f"{week.year}-W{week.week:02d}"
    ):
        return 0
    return len(services.clinician_digests_queue(now=now))


@shared_task(name="reminders.schedules_backfill", ignore_result=True)
def reminder_schedules_backfill() -> int:
    return services.reminder_schedules_backfill()
