"""Celery tasks of the interop features."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from diary.interop import services


@shared_task(name="interop.pending_imports_expire", ignore_result=True)
def pending_imports_expire() -> int:
    """Nightly: delete previews never confirmed; safe to run twice."""
    return services.pending_imports_expire(now=timezone.now())
