from __future__ import annotations

from celery import shared_task

from diary import services


@shared_task(name="diary.closed_accounts_erase", acks_late=True)
def closed_accounts_erase() -> int:
    # Idempotent: a retried run finds the accounts already gone.
    return services.closed_accounts_erase()
