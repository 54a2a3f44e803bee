from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from diary.models import PatientProfile


class ReminderSchedule(models.Model):
    """When a patient's next daily message slot falls, so the tick reads only due patients.

    One slot per local day at the patient's reminder time; the diary reminder, the weekly nudge
    and the treatment-cycle messages of that day are all decided when the slot is claimed.
    """

    patient = models.OneToOneField(
        PatientProfile, on_delete=models.CASCADE, related_name="reminder_schedule"
    )
    # The UTC instant of the next slot; null while the patient wants no messages at all.
    next_slot_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The local calendar date that slot belongs to (the key its messages are claimed under).
    next_slot_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.patient} next at {self.next_slot_at}"


class MessageKind(models.TextChoices):
    DIARY_REMINDER = "diary_reminder", "Daily diary reminder"
    WEEKLY_NUDGE = "weekly_nudge", "Missing days this week"
    INJECTION_DUE = "injection_due", "Injection due soon"
    CYCLE_EDUCATION = "cycle_education", "What to expect after injections"
    SIDE_EFFECT_CHECK_IN = "side_effect_check_in", "Side-effect check-in"
    URGENT_CARE_ADVICE = "urgent_care_advice", "Seek urgent care"
    RED_FLAG_ALERT = "red_flag_alert", "Urgent item for a clinician"
    CLINICIAN_DIGEST = "clinician_digest", "Weekly clinician digest"


class Channel(models.TextChoices):
    EMAIL = "email"
    PUSH = "push"


class MessageStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    EXPIRED = "expired"
    FAILED = "failed"


OUTSTANDING = (MessageStatus.PENDING, MessageStatus.SENDING)


class OutgoingMessage(models.Model):
    """One message to one person on one channel; its unique key is the claim that stops repeats.

    A row is created when the message becomes due and claimed again (status ``sending`` with a
    lease) by whichever worker delivers it, so a retried, duplicated or re-delivered task sends
    it at most once, and a worker that dies mid-send leaves a lease that expires.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outgoing_messages"
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    # What makes the message unique within its kind: a local date, an ISO week, a session day.
    key = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # Past this instant the message is stale (e.g. the local day it reminds about has ended).
    expires_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key", "channel"], name="one_message_per_user_kind_key"
            )
        ]
        indexes = [
            # The sweep for stalled messages reads only outstanding rows.
            models.Index(
                fields=["enqueued_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="outstanding_messages",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} to {self.user} by {self.channel} ({self.status})"


class ScheduledRun(models.Model):
    """A claim on one run of a periodic job (e.g. the scan of one night), made by unique row."""

    job = models.CharField(max_length=64)
    period = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="one_run_per_job_and_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
