from __future__ import annotations

from django.db import models
from django.utils import timezone

from diary.models import PatientProfile


class ImportFormat(models.TextChoices):
    MIGRAINE_BUDDY = "migraine_buddy", "Migraine Buddy CSV"
    GENERIC = "generic", "Generic CSV (date, headache, severity, hours, medicines)"


class ImportStatus(models.TextChoices):
    PENDING = "pending"
    COMMITTED = "committed"


class DiaryImport(models.Model):
    """An uploaded diary file, parsed into days and waiting for the patient's confirmation.

    Only the parsed days are kept, not the file: a digest is enough to recognise it again.
    """

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="diary_imports"
    )
    format = models.CharField(max_length=32, choices=ImportFormat.choices)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    # [{"date", "headache", "duration_hours", "peak_severity", "features", "medications",
    #   "notes", "rows"}], one per calendar day, in date order.
    days = models.JSONField(default=list)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.format} import for {self.patient} ({self.status})"


class CalendarFeed(models.Model):
    """A patient's private calendar URL; only a digest of its secret token is stored."""

    patient = models.OneToOneField(
        PatientProfile, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.patient}"
