"""The domain's Celery tasks: the nightly scan in chunks and the erasure of closed accounts.

The scan tasks keep the names they had when they lived with the reminders
(``reminders.scan_*``), so messages already queued when a release lands still find their task.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from diary import services
from diary.audit import access_log_purge
from diary.reminders.services import id_chunks, scheduled_run_claim
from diary.scan import patient_ids_due_for_scan, scan_patients

# A chunk of patients scans in well under a minute; the hard limit stays far inside the Redis
# visibility timeout (3600 s), so a slow chunk is never handed to a second worker while running.
# Patients per Celery task: the scan reads and writes a chunk in a few queries, and chunks
# spread over the workers; each stays well within the time limit.
SCAN_CHUNK_SIZE = 500
SCAN_CHUNK_TIME_LIMIT = 15 * 60


@shared_task(name="diary.closed_accounts_erase", acks_late=True)
def closed_accounts_erase() -> int:
    # Idempotent: a retried run finds the accounts already gone. The same daily run ends the
    # retention of access-log entries whose patient was erased.
    access_log_purge()
    return services.closed_accounts_erase()


@shared_task(name="reminders.scan_enqueue", ignore_result=True)
def nightly_scan_enqueue() -> int:
    """Nightly: split the patients due for a scan into chunks, each its own task."""
    night = timezone.now().date().isoformat()
    # Publishing inside the claim's transaction: if the broker fails, the claim rolls back and
    # a later run (or the other scheduler) still scans tonight.
    with transaction.atomic():
        if not scheduled_run_claim(job="nightly_scan", period=night):
            return 0
        chunks = list(id_chunks(patient_ids_due_for_scan(), size=SCAN_CHUNK_SIZE))
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
    return scan_patients(patient_ids=patient_ids).scanned
