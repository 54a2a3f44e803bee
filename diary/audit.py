"""The access log: every view, export or change of a patient's data by anyone but the patient.

One place records it, for the API, the clinic's pages and the admin (ASVS 16.3.2). Entries
outlive the patient's erasure for ``AUDIT_RETENTION_DAYS`` (the legal retention of who saw a
health record): the link to the patient is cut and the entry keeps only a pseudonym, a keyed
digest of the patient's id that says which entries concern the same person and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from diary.auth import client_ip
from diary.models import AccessEvent, PatientProfile, User


def patient_pseudonym(patient_id: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"access-log:patient:{patient_id}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:16]


def record_access(
    request: HttpRequest, *, patient: PatientProfile, action: str, resource: str | None = None
) -> None:
    record_accesses(request, patients=[patient], action=action, resource=resource)


def record_accesses(
    request: HttpRequest,
    *,
    patients: Iterable[PatientProfile],
    action: str,
    resource: str | None = None,
) -> None:
    """One entry per patient shown (a list names each of them), none for the patient's own."""
    actor = request.user
    if not isinstance(actor, User):
        return  # only signed-in people are shown patient data
    resource = (resource or f"{request.method} {request.path}")[:200]
    ip_address = client_ip(request)
    now = timezone.now()
    AccessEvent.objects.bulk_create(
        AccessEvent(
            patient=patient,
            patient_pseudonym=patient_pseudonym(patient.pk),
            actor=actor,
            actor_email=actor.email,
            action=action,
            resource=resource,
            ip_address=ip_address,
            at=now,
        )
        for patient in {patient.pk: patient for patient in patients}.values()
        if patient.user_id != actor.pk
    )


@receiver(pre_delete, sender=PatientProfile)
def keep_access_log_after_erasure(sender, instance: PatientProfile, **kwargs) -> None:
    """The entries stay, pseudonymous, and the retention period starts now."""
    AccessEvent.objects.filter(patient=instance).update(patient_erased_at=timezone.now())


def access_log_purge(*, now: datetime | None = None) -> int:
    """Delete entries whose patient was erased longer ago than the retention; returns how many."""
    cutoff = (now or timezone.now()) - settings.AUDIT_RETENTION
    deleted, _ = AccessEvent.objects.filter(
        patient__isnull=True, patient_erased_at__lt=cutoff
    ).delete()
    return deleted
