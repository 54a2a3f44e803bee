"""Celery tasks: thin wrappers that take ids and call services. All are safe to run twice.

Acknowledged late (settings): a worker killed mid-task leaves its message to be delivered again,
and the database claims in the services make that repeat harmless.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from diary.reminders import delivery, services

logger = logging.getLogger(__name__)

# A chunk of patients scans in well under a minute; the hard limit stays far inside the Redis
# visibility timeout (3600 s), so a slow chunk is never handed to a second worker while running.
# Patients per Celery task: the scan reads and writes a chunk in a few queries, and chunks
# spread over the workers; each stays well within the time limit.
SCAN_CHUNK_SIZE = 500
SCAN_CHUNK_TIME_LIMIT = 15 * 60
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
    name="reminders.deliver_message",
    ignore_result=True,
    autoretry_for=(delivery.DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=delivery.MAX_ATTEMPTS,
)
def deliver_message(self, message_id: int) -> str:
    return delivery.message_deliver(message_id=message_id)


@shared_task(name="reminders.scan_enqueue", ignore_result=True)
def nightly_scan_enqueue() -> int:
    """Nightly: split the patients due for a scan into chunks, each its own task."""
    from diary.analytics.scan import patient_ids_due_for_scan

    night = timezone.now().date().isoformat()
    # Publishing inside the claim's transaction: if the broker fails, the claim rolls back and
    # a later run (or the other scheduler) still scans tonight.
    with transaction.atomic():
        if not services.scheduled_run_claim(job="nightly_scan", period=night):
            return 0
        chunks = list(services.id_chunks(patient_ids_due_for_scan(), size=SCAN_CHUNK_SIZE))
        for chunk in chunks:
            scan_patients_chunk.apply_async(args=[chunk])
    return len(chunks)


@shared_task(
    name="reminders.scan_chunk",
    ignore_result=True,
    soft_time_limit=SCAN_CHUNK_TIME_LIMIT - 60,
    time_limit=SCAN_CHUNK_TIME_LIMIT,
)
def scan_patients_chunk(patient_ids: list[int]) -> int:
    """Scan the chunk's patients; a rerun is harmless because scans never duplicate open flags.

    A patient whose analysis fails is logged and left unscanned for the next night (see
    ``scan_patients``); the others in the chunk go on.
    """
    from diary.analytics.scan import scan_patients

    return scan_patients(patient_ids=patient_ids).scanned


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
