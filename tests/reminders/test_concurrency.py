"""Two schedulers at once against PostgreSQL: each message is claimed and sent exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from diary.reminders import delivery, services
from diary.reminders.models import OutgoingMessage, ReminderSchedule
from tests.reminders.conftest import make_patient

JOINED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SLOT = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)
SCHEDULERS = 4
PATIENTS = 25


def run_at_once(work, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schedulers_running_at_once_send_each_reminder_once(mailoutbox):
    patients = [make_patient(joined=JOINED) for _ in range(PATIENTS)]

    def scheduler() -> list[int]:
        created = services.due_slots_claim(now=SLOT)
        # Each scheduler's workers then try every message, as duplicated tasks would.
        for message_id in OutgoingMessage.objects.values_list("pk", flat=True):
            delivery.message_deliver(message_id=message_id, now=SLOT)
        return created

    claimed = run_at_once(scheduler, SCHEDULERS)
    all_claimed = [message_id for ids in claimed for message_id in ids]
    assert len(all_claimed) == len(set(all_claimed)) == PATIENTS
    assert OutgoingMessage.objects.filter(status="sent").count() == PATIENTS
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        patient.user.email for patient in patients
    )
    assert set(ReminderSchedule.objects.values_list("next_slot_date", flat=True)) == {
        datetime(2026, 6, 2).date()
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_retried_tick_racing_the_first_sends_nothing_twice(mailoutbox):
    make_patient(joined=JOINED)

    def tick_and_deliver() -> list[str]:
        return [
            delivery.message_deliver(message_id=message_id, now=SLOT)
            for message_id in services.due_slots_claim(now=SLOT)
        ]

    outcomes = run_at_once(tick_and_deliver, 2)
    assert sorted(outcome for run in outcomes for outcome in run) == ["sent"]
    assert len(mailoutbox) == 1
