"""Sending one claimed message by email or Web Push, with wording safe for a lock screen."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from diary.advice import CYCLE_EDUCATION, URGENT_CARE
from diary.models import DiaryDay, PatientProfile, ReminderChannel
from diary.reminders import selectors
from diary.reminders.models import Channel, MessageKind, MessageStatus, OutgoingMessage
from diary.reminders.push import PushOutcome, push_send

logger = logging.getLogger(__name__)

# Longer than any single send (SMTP and push time out after 10 s); a dead worker's claim on a
# message lapses after this, and the next delivery attempt takes it over.
DELIVERY_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
APP_NAME = "Headache diary"


class DeliveryFailed(Exception):
    """A transient failure: the message is released and the task retries with backoff."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    # Push text shows on a lock screen: nothing about the illness or the treatment.
    push_body: str
    path: str


def _day_name(iso_day: str) -> str:
    return date.fromisoformat(iso_day).strftime("%A %-d %B")


def render(*, message: OutgoingMessage) -> Rendered:
    site = settings.SITE_URL
    context = message.context
    greeting = "Hello,\n\nHere is a message from your headache diary.\n\n"
    match message.kind:
        case MessageKind.DIARY_REMINDER:
            day = context["day"]
            return Rendered(
                subject="Your diary for today",
                body=f"{greeting}You have not filled in {_day_name(day)} yet. It takes a "
                f"minute: {site}/#/diary/{day}\n",
                push_body="A minute for your diary?",
                path=f"/#/diary/{day}",
            )
        case MessageKind.WEEKLY_NUDGE:
            missing = context["missing"]
            days = "day" if missing == 1 else "days"
            return Rendered(
                subject=f"You have {missing} {days} missing this week",
                body=f"{greeting}You have {missing} {days} missing this week. Filling them in "
                f"while you still remember makes your records complete: {site}/#/diary\n",
                push_body=f"You have {missing} {days} missing this week.",
                path="/#/diary",
            )
        case MessageKind.INJECTION_DUE:
            when = "tomorrow" if context["days_left"] == 1 else f"in {context['days_left']} days"
            return Rendered(
                subject=f"Your next appointment is due {when}",
                body=f"{greeting}Your next treatment is due {when}, on "
                f"{_day_name(context['due_date'])}. If it is not booked yet, please contact "
                f"your clinic. {site}/#/injections\n",
                push_body=f"Your next appointment is due {when}.",
                path="/#/injections",
            )
        case MessageKind.CYCLE_EDUCATION:
            return Rendered(
                subject="A note for the days ahead",
                body=f"{greeting}{CYCLE_EDUCATION}\n\n{site}/#/diary\n",
                push_body="A note for the days ahead.",
                path="/#/diary",
            )
        case MessageKind.SIDE_EFFECT_CHECK_IN:
            return Rendered(
                subject="How have you been?",
                body=f"{greeting}How have you been since your injections? If you have noticed "
                "neck pain or weakness, a drooping eyelid or brow, or anything else, please "
                f"record it: {site}/#/injections\n\n{URGENT_CARE}\n",
                push_body="How have you been? A quick check-in.",
                path="/#/injections",
            )
        case MessageKind.URGENT_CARE_ADVICE:
            return Rendered(
                subject="Important: please read now",
                body=f"{greeting}{URGENT_CARE}\n\nYour clinician has been told.\n",
                push_body="Important: please open this message now.",
                path="/#/injections",
            )
        case MessageKind.RED_FLAG_ALERT:
            patient = PatientProfile.objects.select_related("user").get(pk=context["patient_id"])
            # Straight to the flag in the review queue, not the clinic's front page.
            flag_path = f"/clinic/flags/#flag-{context.get('flag_id', '')}"
            return Rendered(
                subject="An urgent item to review",
                body=f"Hello,\n\n{patient.user} has a new item that needs urgent review.\n\n"
                f"{site}{flag_path}\n",
                push_body="An urgent item to review.",
                path=flag_path,
            )
        case MessageKind.CLINICIAN_DIGEST:
            since = datetime.fromisoformat(context["since"])
            flags = selectors.new_open_flags_for_clinician(
                clinician_user=message.user, since=since
            ).select_related("patient__user")
            names = sorted({str(flag.patient.user) for flag in flags})
            count = context["new_items"]
            items = "item" if count == 1 else "items"
            return Rendered(
                subject=f"{count} new {items} to review",
                body=f"Hello,\n\n{count} new {items} to review, for: {', '.join(names)}.\n\n"
                f"{site}/clinic/\n",
                push_body=f"{count} new {items} to review.",
                path="/clinic/",
            )
    raise ValueError(f"Unknown message kind {message.kind!r}")


def still_wanted(*, message: OutgoingMessage) -> bool:
    """Whether the message still makes sense now: settings change and days get logged."""
    profile = getattr(message.user, "patient_profile", None)
    if message.kind in (MessageKind.RED_FLAG_ALERT, MessageKind.CLINICIAN_DIGEST):
        return True
    if profile is None:
        return False
    if message.kind == MessageKind.URGENT_CARE_ADVICE:
        return True
    if message.channel not in profile.reminder_channels:
        return False
    if message.kind == MessageKind.DIARY_REMINDER:
        logged = DiaryDay.objects.filter(patient=profile, date=message.context["day"]).exists()
        return profile.reminders_enabled and not logged
    if message.kind == MessageKind.WEEKLY_NUDGE:
        return profile.weekly_nudge_enabled
    return profile.treatment_messages_enabled


def _send_email(*, message: OutgoingMessage, rendered: Rendered) -> None:
    EmailMessage(
        subject=f"{APP_NAME}: {rendered.subject}",
        body=rendered.body,
        to=[message.user.email],
    ).send()


def _send_push(*, message: OutgoingMessage, rendered: Rendered) -> bool:
    """Push to each of the person's subscriptions; False when there was none to push to."""
    subscriptions = list(selectors.push_subscriptions_for(user=message.user))
    outcomes = [
        push_send(
            subscription=subscription,
            payload={
                "title": APP_NAME,
                "body": rendered.push_body,
                "url": rendered.path,
                "tag": message.kind,
            },
        )
        for subscription in subscriptions
    ]
    if PushOutcome.FAILED in outcomes and PushOutcome.DELIVERED not in outcomes:
        raise DeliveryFailed("every push service refused the message")
    return PushOutcome.DELIVERED in outcomes


def message_claim(*, message_id: int, now: datetime) -> bool:
    """Take the message for sending unless it is done or another live worker holds it."""
    return bool(
        OutgoingMessage.objects.filter(
            Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.SENDING, lease_until__lt=now),
            pk=message_id,
            expires_at__gt=now,
        ).update(
            status=MessageStatus.SENDING,
            lease_until=now + DELIVERY_LEASE,
            attempts=F("attempts") + 1,
        )
    )


def _finish(*, message_id: int, status: str, error: str = "") -> None:
    OutgoingMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
        status=status,
        lease_until=None,
        sent_at=timezone.now() if status == MessageStatus.SENT else None,
        last_error=error[:300],
    )


def message_deliver(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message at most once; returns its status afterwards (or "not_claimed").

    Raises DeliveryFailed after releasing the claim when a retry may succeed.
    """
    now = now or timezone.now()
    if not message_claim(message_id=message_id, now=now):
        return "not_claimed"
    message = OutgoingMessage.objects.select_related("user").get(pk=message_id)
    if not still_wanted(message=message):
        _finish(message_id=message_id, status=MessageStatus.SKIPPED)
        return MessageStatus.SKIPPED
    rendered = render(message=message)
    try:
        if message.channel == Channel.EMAIL:
            _send_email(message=message, rendered=rendered)
            status = MessageStatus.SENT
        elif message.channel == ReminderChannel.PUSH:
            pushed = _send_push(message=message, rendered=rendered)
            status = MessageStatus.SENT if pushed else MessageStatus.SKIPPED
        else:
            raise ValueError(f"Unknown channel {message.channel!r}")
    except (DeliveryFailed, OSError) as error:
        final = message.attempts >= MAX_ATTEMPTS
        OutgoingMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
            status=MessageStatus.FAILED if final else MessageStatus.PENDING,
            lease_until=None,
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
        if final:
            logger.error("Message %s failed after %s attempts", message_id, message.attempts)
            return MessageStatus.FAILED
        raise DeliveryFailed(str(error)) from error
    _finish(message_id=message_id, status=status)
    return status
