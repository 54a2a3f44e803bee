"""Writes for reminders and messages: schedules, claims on due work, and enqueueing."""

from __future__ import annotations

import logging
import time as monotonic_clock
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from config.celery import app
from diary.models import (
    ClinicianProfile,
    DiaryDay,
    FlagStatus,
    InjectionSession,
    PatientProfile,
    PushSubscription,
    ReminderChannel,
    ReviewFlag,
    SideEffectReport,
    User,
)
from diary.reminders import schedule, selectors
from diary.reminders.models import (
    Channel,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
    ReminderSchedule,
    ScheduledRun,
)

logger = logging.getLogger(__name__)

# Due slots claimed per transaction, and how long one tick keeps claiming batches: well under
# the minute between ticks, so a backlog drains over the following ticks without overlap.
TICK_BATCH_SIZE = 500
TICK_BUDGET_SECONDS = 40.0
# A message enqueued this long ago and still outstanding is assumed lost and enqueued again.
REQUEUE_AFTER = timedelta(minutes=5)
# After a failed publish, skip the broker this long so requests never queue up behind it.
BROKER_BACKOFF_SECONDS = 30.0
# The delivery task, published by name: the tasks module imports this one, not the reverse.
DELIVER_MESSAGE_TASK = "reminders.deliver_message"
PUBLISH_TIMEOUT_SECONDS = 1.0
# Messages that are not about a local day stay worth sending this long.
DEFAULT_MESSAGE_LIFETIME = timedelta(days=2)
DIGEST_LOOKBACK = timedelta(days=7)

_broker_unavailable_until = 0.0


# Enqueueing ------------------------------------------------------------------------------------


def _publish_deliveries(message_ids: list[int]) -> None:
    """Hand messages to the broker; if it is down they stay pending and the tick requeues them.

    One connection attempt, no retries, short timeouts: this runs after a web request's commit,
    and kombu's default retry loop would hold the response for seconds when Redis is down.
    """
    global _broker_unavailable_until
    if not message_ids or monotonic_clock.monotonic() < _broker_unavailable_until:
        return
    try:
        with app.connection_for_write(
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": PUBLISH_TIMEOUT_SECONDS,
                "socket_timeout": PUBLISH_TIMEOUT_SECONDS,
            },
            connect_timeout=PUBLISH_TIMEOUT_SECONDS,
        ) as connection:
            for message_id in message_ids:
                app.send_task(
                    DELIVER_MESSAGE_TASK, args=[message_id], retry=False, connection=connection
                )
    except Exception:
        # Any broker error: the rows are committed, so nothing is lost by carrying on.
        _broker_unavailable_until = monotonic_clock.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("Broker unavailable; %d messages left for the tick", len(message_ids))


def messages_enqueue_on_commit(*, message_ids: list[int]) -> None:
    ids = list(message_ids)
    if ids:
        transaction.on_commit(lambda: _publish_deliveries(ids))


def messages_create(
    *,
    user: User,
    kind: str,
    key: str,
    channels: Iterable[str],
    context: dict,
    now: datetime,
    expires_at: datetime,
) -> list[int]:
    """Create the message rows that do not exist yet; return the ids of those created."""
    created: list[int] = []
    for channel in channels:
        try:
            with transaction.atomic():
                message = OutgoingMessage.objects.create(
                    user=user,
                    kind=kind,
                    key=key,
                    channel=channel,
                    context=context,
                    created_at=now,
                    expires_at=expires_at,
                    enqueued_at=now,
                )
        except IntegrityError:
            continue  # Claimed before: a retried or concurrent run.
        created.append(message.pk)
    return created


# Schedules -------------------------------------------------------------------------------------


def _wants_messages(profile: PatientProfile) -> bool:
    return bool(profile.reminder_channels) and (
        profile.reminders_enabled
        or profile.weekly_nudge_enabled
        or profile.treatment_messages_enabled
    )


def reminder_schedule_refresh(*, patient: PatientProfile, now: datetime | None = None) -> None:
    """Recompute the patient's next slot after a change of time, zone, channels or switches.

    A slot already due but not yet processed (the scheduler was down) keeps its local date, so
    it is still caught up; otherwise the next slot is the new time's next occurrence, which may
    be later today.
    """
    now = now or timezone.now()
    with transaction.atomic():
        profile = PatientProfile.objects.select_related("user").get(pk=patient.pk)
        reminder_schedule, _ = ReminderSchedule.objects.select_for_update().get_or_create(
            patient=profile
        )
        zone, at = profile.user.zone, profile.reminder_time
        if not _wants_messages(profile):
            slot_date, slot_at = None, None
        elif (
            reminder_schedule.next_slot_date is not None
            and reminder_schedule.next_slot_at is not None
            and reminder_schedule.next_slot_at <= now
        ):
            slot_date = reminder_schedule.next_slot_date
            slot_at = schedule.slot_instant(local_date=slot_date, at=at, zone=zone)
        else:
            # The next time the new setting comes round, today included: a day whose message
            # went out already is not sent twice (one message row per day and kind).
            slot_date, slot_at = schedule.first_slot_after(moment=now, at=at, zone=zone)
        reminder_schedule.next_slot_date = slot_date
        reminder_schedule.next_slot_at = slot_at
        reminder_schedule.save(update_fields=["next_slot_date", "next_slot_at", "updated_at"])


def reminder_schedules_backfill(*, now: datetime | None = None) -> int:
    """Give a schedule to patients who have none (e.g. signed up before this existed)."""
    missing = PatientProfile.objects.filter(reminder_schedule__isnull=True).select_related("user")
    count = 0
    for patient in missing.iterator():
        reminder_schedule_refresh(patient=patient, now=now)
        count += 1
    return count


def _patient_days(
    claimed: list[tuple[PatientProfile, date]], *, zone_of: dict[int, ZoneInfo]
) -> dict[int, schedule.PatientDay]:
    """What the message rules need for each claimed slot, read for the batch in two queries."""
    if not claimed:
        return {}
    windows = {
        profile.pk: (
            min(
                slot_date - timedelta(days=slot_date.isoweekday() - 1),
                slot_date - timedelta(days=1),
            ),
            slot_date,
        )
        for profile, slot_date in claimed
    }
    patient_ids = list(windows)
    logged: dict[int, set[date]] = defaultdict(set)
    for patient_id, day in DiaryDay.objects.filter(
        patient_id__in=patient_ids,
        date__gte=min(first for first, _ in windows.values()),
        date__lte=max(last for _, last in windows.values()),
    ).values_list("patient_id", "date"):
        first, last = windows[patient_id]
        if first <= day <= last:
            logged[patient_id].add(day)
    latest: dict[int, schedule.Session] = {}
    # Ordered by date: the last one at or before each slot's date is the patient's current cycle.
    for session in (
        InjectionSession.objects.filter(
            patient_id__in=patient_ids, date__lte=max(last for _, last in windows.values())
        )
        .order_by("date")
        .values("id", "patient_id", "date", "planned_interval_weeks")
    ):
        if session["date"] <= windows[session["patient_id"]][1]:
            latest[session["patient_id"]] = schedule.Session(
                id=session["id"],
                injected_on=session["date"],
                planned_interval_weeks=session["planned_interval_weeks"],
            )
    return {
        profile.pk: schedule.PatientDay(
            slot_date=slot_date,
            reminder_time=profile.reminder_time,
            joined_on=profile.created_at.astimezone(zone_of[profile.pk]).date(),
            reminders_enabled=profile.reminders_enabled,
            weekly_nudge_enabled=profile.weekly_nudge_enabled,
            treatment_messages_enabled=profile.treatment_messages_enabled,
            logged=frozenset(logged[profile.pk]),
            latest_session=latest.get(profile.pk),
        )
        for profile, slot_date in claimed
    }


def patient_channels(*, profile: PatientProfile) -> list[str]:
    return [
        c for c in (ReminderChannel.EMAIL, ReminderChannel.PUSH) if c in profile.reminder_channels
    ]


def _messages_bulk_create(messages: list[OutgoingMessage], *, now: datetime) -> list[int]:
    """Insert the messages that do not exist yet; return the ids of those this call inserted."""
    if not messages:
        return []
    OutgoingMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=1000)
    wanted = {(m.user_id, m.kind, m.key, m.channel) for m in messages}
    # A message that existed already (claimed on an earlier day or run) has another created_at.
    inserted = OutgoingMessage.objects.filter(
        user_id__in={m.user_id for m in messages}, created_at=now, enqueued_at=now
    ).values_list("pk", "user_id", "kind", "key", "channel")
    return sorted(pk for pk, *identity in inserted if tuple(identity) in wanted)


def due_slots_claim_batch(*, now: datetime, limit: int = TICK_BATCH_SIZE) -> tuple[int, list[int]]:
    """Claim up to ``limit`` due slots and create their messages in one transaction.

    Returns how many slots were claimed and the ids of the messages created. The due rows are
    locked with SKIP LOCKED, so a second scheduler or a retried tick takes other rows or none;
    each claimed slot moves to its next date in the same transaction as its messages.
    """
    with transaction.atomic():
        rows = list(
            ReminderSchedule.objects.filter(next_slot_at__lte=now)
            .select_related("patient__user")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_slot_at")[:limit]
        )
        if not rows:
            return 0, []
        zone_of = {row.patient_id: row.patient.user.zone for row in rows}
        sending: list[tuple[PatientProfile, date]] = []
        for row in rows:
            profile = row.patient
            slot_date = row.next_slot_date
            if slot_date is not None and schedule.slot_window_open(
                slot_date=slot_date, now=now, zone=zone_of[profile.pk]
            ):
                sending.append((profile, slot_date))
            if slot_date is None:
                row.next_slot_at = None
            else:
                row.next_slot_date, row.next_slot_at = schedule.slot_after_claim(
                    claimed_date=slot_date,
                    now=now,
                    at=profile.reminder_time,
                    zone=zone_of[profile.pk],
                )
            row.updated_at = now
        ReminderSchedule.objects.bulk_update(
            rows, ["next_slot_date", "next_slot_at", "updated_at"], batch_size=TICK_BATCH_SIZE
        )
        days = _patient_days(sending, zone_of=zone_of)
        messages = [
            OutgoingMessage(
                user=profile.user,
                kind=due.kind,
                key=due.key,
                channel=channel,
                context=due.context,
                created_at=now,
                expires_at=schedule.local_day_end(local_date=slot_date, zone=zone_of[profile.pk]),
                enqueued_at=now,
            )
            for profile, slot_date in sending
            for due in schedule.messages_due(day=days[profile.pk])
            for channel in patient_channels(profile=profile)
        ]
        created = _messages_bulk_create(messages, now=now)
        messages_enqueue_on_commit(message_ids=created)
    return len(rows), created


def due_slots_claim(
    *, now: datetime, limit: int = TICK_BATCH_SIZE, budget_seconds: float = TICK_BUDGET_SECONDS
) -> list[int]:
    """Claim every slot due by ``now``, batch after batch, within the tick's time budget.

    Slots left over when the budget runs out (a backlog after an outage) go to the next tick.
    """
    deadline = monotonic_clock.monotonic() + budget_seconds
    created: list[int] = []
    while True:
        claimed, ids = due_slots_claim_batch(now=now, limit=limit)
        created += ids
        if claimed < limit or monotonic_clock.monotonic() >= deadline:
            return created


def stalled_messages_requeue(*, now: datetime, limit: int = TICK_BATCH_SIZE) -> list[int]:
    """Enqueue again outstanding messages whose task was lost (broker down, worker killed)."""
    OutgoingMessage.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.SENDING], expires_at__lte=now
    ).update(status=MessageStatus.EXPIRED, lease_until=None)
    stalled = OutgoingMessage.objects.filter(
        Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.SENDING, lease_until__lt=now),
        enqueued_at__lt=now - REQUEUE_AFTER,
    ).values_list("pk", "enqueued_at")[:limit]
    requeued: list[int] = []
    for message_id, enqueued_at in stalled:
        # Conditional: two ticks sweeping at once enqueue each message once.
        if OutgoingMessage.objects.filter(pk=message_id, enqueued_at=enqueued_at).update(
            enqueued_at=now
        ):
            requeued.append(message_id)
    _publish_deliveries(requeued)
    return requeued


def scheduled_run_claim(*, job: str, period: str) -> bool:
    """True for the one caller that gets to run ``job`` for ``period``."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job, period=period)
    except IntegrityError:
        return False
    return True


# Red flags and clinicians ----------------------------------------------------------------------


def side_effect_red_flag_notify(
    *, report: SideEffectReport, flag: ReviewFlag, now: datetime | None = None
) -> list[int]:
    """Tell the patient to seek urgent care and alert each linked clinician, after commit.

    Call inside the transaction that records the report: if it rolls back, nobody is told.
    """
    now = now or timezone.now()
    patient = report.session.patient
    expires_at = now + DEFAULT_MESSAGE_LIFETIME
    created = messages_create(
        user=patient.user,
        kind=MessageKind.URGENT_CARE_ADVICE,
        key=f"side_effect:{report.pk}",
        # Always by email as well: this must reach the patient even without a push device.
        channels=sorted({Channel.EMAIL, *patient_channels(profile=patient)}),
        context={"side_effect_id": report.pk},
        now=now,
        expires_at=expires_at,
    )
    for clinician_user in selectors.linked_clinician_users(patient=patient):
        created += messages_create(
            user=clinician_user,
            kind=MessageKind.RED_FLAG_ALERT,
            key=f"flag:{flag.pk}:side_effect:{report.pk}",
            channels=[Channel.EMAIL, Channel.PUSH],
            context={"patient_id": patient.pk, "flag_id": flag.pk},
            now=now,
            expires_at=expires_at,
        )
    messages_enqueue_on_commit(message_ids=created)
    return created


def clinician_digests_queue(*, now: datetime) -> list[int]:
    """Queue this week's digest for each clinician with new open flags on linked patients."""
    week = schedule.iso_week_key(now.date())
    since = now - DIGEST_LOOKBACK
    new_flags = Q(
        care_links__revoked_at__isnull=True,
        care_links__patient__flags__status=FlagStatus.OPEN,
        care_links__patient__flags__created_at__gte=since,
    )
    clinicians = (
        ClinicianProfile.objects.annotate(
            new_items=Count("care_links__patient__flags", filter=new_flags, distinct=True)
        )
        .filter(new_items__gt=0)
        .select_related("user")
    )
    created: list[int] = []
    for clinician in clinicians:
        with transaction.atomic():
            ids = messages_create(
                user=clinician.user,
                kind=MessageKind.CLINICIAN_DIGEST,
                key=week,
                channels=[Channel.EMAIL],
                context={"new_items": clinician.new_items, "since": since.isoformat()},
                now=now,
                expires_at=now + DEFAULT_MESSAGE_LIFETIME,
            )
            messages_enqueue_on_commit(message_ids=ids)
        created += ids
    return created


# Nightly scan ----------------------------------------------------------------------------------


def id_chunks(ids: Iterable[int], *, size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for patient_id in ids:
        chunk.append(patient_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Push subscriptions ----------------------------------------------------------------------------


class PushEndpointTaken(Exception):
    """Another account subscribed this endpoint first and has not unsubscribed it."""


def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Store a browser's subscription; the same endpoint again updates it in place.

    An endpoint stays with the account that subscribed it first until that account
    unsubscribes: moving it on a re-post would let anyone who learnt an endpoint take someone
    else's reminders (and their keys). Raises PushEndpointTaken then.
    """
    with transaction.atomic():
        subscription, created = PushSubscription.objects.select_for_update().get_or_create(
            endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
        )
        if created:
            return subscription
        if subscription.user_id != user.pk:
            raise PushEndpointTaken
        subscription.p256dh, subscription.auth = p256dh, auth
        subscription.save(update_fields=["p256dh", "auth"])
    return subscription


def push_subscription_remove(*, user: User, endpoint: str) -> bool:
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)
