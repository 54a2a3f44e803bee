"""Delivery: each message is sent once, even when workers die, retry or race."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from diary import services as diary_services
from diary.models import FlagKind, ReviewFlag
from diary.reminders import delivery, services
from diary.reminders.models import MessageKind, MessageStatus, OutgoingMessage
from tests import factories
from tests.reminders.conftest import frozen, make_patient, tick

JOINED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SLOT = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)


@pytest.fixture
def due_reminder(db) -> OutgoingMessage:
    make_patient(joined=JOINED)
    with frozen(SLOT):
        (message_id,) = tick()
    return OutgoingMessage.objects.get(pk=message_id)


def test_a_worker_killed_after_claiming_leaves_the_message_to_the_next_delivery(
    due_reminder, mailoutbox
):
    with frozen(SLOT):
        # The first worker claims the message and dies before sending (kill -9, OOM).
        assert delivery.message_claim(message_id=due_reminder.pk, now=SLOT)
        # The broker redelivers at once (warm restart): the dead worker's lease still holds.
        assert delivery.message_deliver(message_id=due_reminder.pk) == "not_claimed"
    assert mailoutbox == []
    later = SLOT + delivery.DELIVERY_LEASE + timedelta(seconds=1)
    with frozen(later):
        assert delivery.message_deliver(message_id=due_reminder.pk) == "sent"
        # Redis redelivers the original task too, after its visibility timeout.
        assert delivery.message_deliver(message_id=due_reminder.pk) == "not_claimed"
    assert len(mailoutbox) == 1
    due_reminder.refresh_from_db()
    assert (due_reminder.status, due_reminder.attempts) == (MessageStatus.SENT, 2)


def test_the_tick_requeues_a_message_whose_task_was_lost(due_reminder):
    with frozen(SLOT):
        delivery.message_claim(message_id=due_reminder.pk, now=SLOT)
        assert services.stalled_messages_requeue(now=SLOT) == []
    later = SLOT + services.REQUEUE_AFTER + timedelta(seconds=1)
    with frozen(later):
        assert services.stalled_messages_requeue(now=later) == [due_reminder.pk]
        assert services.stalled_messages_requeue(now=later) == []


def test_a_failed_send_is_released_for_a_retry_and_sent_once(due_reminder, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    with frozen(SLOT), monkeypatch.context() as patched:
        patched.setattr(mail.backends.locmem.EmailBackend, "send_messages", refuse)
        with pytest.raises(delivery.DeliveryFailed):
            delivery.message_deliver(message_id=due_reminder.pk)
    due_reminder.refresh_from_db()
    assert due_reminder.status == MessageStatus.PENDING
    assert "ConnectionRefusedError" in due_reminder.last_error
    with frozen(SLOT + timedelta(minutes=1)):
        assert delivery.message_deliver(message_id=due_reminder.pk) == "sent"
        assert delivery.message_deliver(message_id=due_reminder.pk) == "not_claimed"
    assert len(mail.outbox) == 1


def test_a_message_gives_up_after_its_last_attempt(due_reminder, monkeypatch):
    OutgoingMessage.objects.filter(pk=due_reminder.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", refuse)
    with frozen(SLOT):
        assert delivery.message_deliver(message_id=due_reminder.pk) == MessageStatus.FAILED


def test_messages_say_nothing_about_health_on_the_lock_screen(db):
    patient = make_patient(joined=JOINED)
    words = ("migraine", "botox", "onabotulinum", "toxin", "swallow", "breath", "pain", "side")
    for kind in MessageKind:
        context = {
            "day": "2026-06-01",
            "missing": 2,
            "due_date": "2026-06-08",
            "days_left": 7,
            "cycle_day": 3,
            "patient_id": patient.pk,
            "new_items": 2,
            "since": JOINED.isoformat(),
        }
        message = OutgoingMessage(user=patient.user, kind=kind, key="k", context=context)
        rendered = delivery.render(message=message)
        for text in (rendered.push_body, rendered.subject):
            assert not any(word in text.lower() for word in words), (kind, text)


@pytest.fixture
def red_flag_report(alice, carol, dave):
    session = factories.InjectionSessionFactory(patient=alice, date=date(2026, 6, 1))
    with frozen(datetime(2026, 6, 3, 10, 0, tzinfo=UTC)):
        report = diary_services.side_effect_report_create(
            session=session,
            reported_by=alice.user,
            kind="dysphagia",
            onset_date=date(2026, 6, 3),
            severity=2,
        )
    return report


def test_a_red_flag_tells_the_patient_and_alerts_linked_clinicians_only(
    red_flag_report, alice, carol, dave, mailoutbox
):
    flag = ReviewFlag.objects.get(kind=FlagKind.SIDE_EFFECT_RED_FLAG)
    moment = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
    # Reporting the side effect already queued the messages; notifying again adds none.
    created = list(OutgoingMessage.objects.order_by("id").values_list("id", flat=True))
    with frozen(moment):
        assert services.side_effect_red_flag_notify(report=red_flag_report, flag=flag) == []
        statuses = [delivery.message_deliver(message_id=message_id) for message_id in created]
    assert statuses == ["sent", "sent", "skipped"]  # carol has no push subscription
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {alice.user.email, carol.user.email}
    assert "seek urgent medical care now" in by_recipient[alice.user.email].body
    alert = by_recipient[carol.user.email]
    assert "Alice" in alert.body
    assert "/clinic/" in alert.body
    assert "swallow" not in alert.body.lower()


def test_the_weekly_digest_counts_new_items_for_linked_clinicians(alice, bob, carol, dave):
    monday = datetime(2026, 6, 8, 7, 0, tzinfo=UTC)
    with frozen(monday - timedelta(days=2)):
        diary_services.review_flag_open(patient=alice, kind=FlagKind.WEAR_OFF, evidence={})
        diary_services.review_flag_open(patient=bob, kind=FlagKind.WEAR_OFF, evidence={})
    with frozen(monday - timedelta(days=10)):
        diary_services.review_flag_open(
            patient=alice, kind=FlagKind.MEDICATION_OVERUSE, evidence={}
        )
    with frozen(monday):
        created = services.clinician_digests_queue(now=monday)
        assert services.clinician_digests_queue(now=monday) == []
        assert [delivery.message_deliver(message_id=i) for i in created] == ["sent"]
    (digest,) = mail.outbox
    assert digest.to == [carol.user.email]
    assert "1 new item to review" in digest.subject
    assert "Alice" in digest.body
    assert "Bob" not in digest.body
    assert "wear" not in digest.body.lower()
    assert "/clinic/" in digest.body
