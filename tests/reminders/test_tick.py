"""The scheduler tick: due slots are claimed once, caught up within the day, and cheap to find."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary.models import PatientProfile
from diary.reminders import services
from diary.reminders.models import MessageStatus, OutgoingMessage, ReminderSchedule
from tests import factories
from tests.reminders.conftest import deliver_outstanding, frozen, make_patient, messages_for, tick

JOINED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_tick_sends_todays_reminder_once_however_often_it_runs(db, mailoutbox):
    patient = make_patient(joined=JOINED)  # London, 20:00 local = 19:00 UTC in summer
    with frozen(utc(2026, 6, 1, 18, 59)):
        assert tick() == []
    with frozen(utc(2026, 6, 1, 19, 0)):
        assert len(tick()) == 1
        assert tick() == []
    with frozen(utc(2026, 6, 1, 19, 1)):
        assert tick() == []
        assert deliver_outstanding() == ["sent"]
        assert deliver_outstanding() == []
    assert messages_for(patient) == [("diary_reminder", "2026-06-01", "email")]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [patient.user.email]
    assert "Monday 1 June" in mailoutbox[0].body
    schedule = ReminderSchedule.objects.get(patient=patient)
    assert (schedule.next_slot_date, schedule.next_slot_at) == (
        date(2026, 6, 2),
        utc(2026, 6, 2, 19, 0),
    )


def test_a_logged_day_gets_no_reminder(db, mailoutbox):
    patient = make_patient(joined=JOINED)
    factories.DiaryDayFactory(patient=patient, date=date(2026, 6, 1))
    with frozen(utc(2026, 6, 1, 19, 0)):
        assert tick() == []
    assert messages_for(patient) == []


def test_a_day_logged_between_tick_and_delivery_is_not_reminded(db, mailoutbox):
    patient = make_patient(joined=JOINED)
    with frozen(utc(2026, 6, 1, 19, 0)):
        tick()
        factories.DiaryDayFactory(patient=patient, date=date(2026, 6, 1))
        assert deliver_outstanding() == ["skipped"]
    assert mailoutbox == []


def test_a_morning_reminder_asks_about_yesterday(db, mailoutbox):
    patient = make_patient(joined=JOINED, zone="Asia/Kolkata", at=time(8, 30))
    with frozen(utc(2026, 6, 2, 3, 0)):  # 08:30 IST
        tick()
    assert messages_for(patient) == [("diary_reminder", "2026-06-01", "email")]


def test_a_late_tick_catches_up_before_local_midnight(db, mailoutbox):
    patient = make_patient(joined=JOINED)
    with frozen(utc(2026, 6, 1, 22, 50)):  # the broker was down for nearly four hours
        tick()
        assert deliver_outstanding() == ["sent"]
    assert messages_for(patient) == [("diary_reminder", "2026-06-01", "email")]


def test_a_slot_whose_local_day_has_ended_is_dropped_and_today_follows(db, mailoutbox):
    patient = make_patient(joined=JOINED)
    with frozen(utc(2026, 6, 3, 9, 0)):  # down for a day and a half
        assert tick() == []
    schedule = ReminderSchedule.objects.get(patient=patient)
    assert schedule.next_slot_date == date(2026, 6, 3)
    with frozen(utc(2026, 6, 3, 19, 0)):
        tick()
    assert messages_for(patient) == [("diary_reminder", "2026-06-03", "email")]


def test_a_message_whose_day_ended_before_delivery_is_never_sent(db, mailoutbox):
    make_patient(joined=JOINED)
    with frozen(utc(2026, 6, 1, 19, 0)):
        tick()
    with frozen(utc(2026, 6, 1, 23, 0)):  # midnight in London: the worker never came
        services.stalled_messages_requeue(now=datetime.now(UTC))
        assert deliver_outstanding() == []
    assert OutgoingMessage.objects.get().status == MessageStatus.EXPIRED
    assert mailoutbox == []


def test_the_tick_reads_only_due_schedules(db):
    patient = make_patient(joined=JOINED)
    due = {"next_slot_date": date(2026, 6, 1), "next_slot_at": utc(2026, 6, 1, 19, 0)}
    with frozen(utc(2026, 6, 1, 19, 0)), CaptureQueriesContext(connection) as alone:
        assert len(tick()) == 1
    for _ in range(30):
        make_patient(joined=JOINED, zone="Asia/Kolkata", at=time(8, 0))  # due tomorrow
    OutgoingMessage.objects.all().delete()
    ReminderSchedule.objects.filter(patient=patient).update(**due)
    with frozen(utc(2026, 6, 1, 19, 0)), CaptureQueriesContext(connection) as crowded:
        assert len(tick()) == 1
    assert len(crowded) == len(alone)


def test_the_ticks_queries_do_not_grow_with_the_patients_due(db):
    make_patient(joined=JOINED)
    with frozen(utc(2026, 6, 1, 19, 0)), CaptureQueriesContext(connection) as one_due:
        assert len(tick()) == 1
    for _ in range(20):
        make_patient(joined=JOINED)
    OutgoingMessage.objects.all().delete()
    ReminderSchedule.objects.update(
        next_slot_date=date(2026, 6, 1), next_slot_at=utc(2026, 6, 1, 19)
    )

    with frozen(utc(2026, 6, 1, 19, 0)), CaptureQueriesContext(connection) as many_due:
        assert len(tick()) == 21

    assert len(many_due) == len(one_due)


def test_one_tick_claims_every_due_slot_batch_after_batch(db, mailoutbox):
    patients = [make_patient(joined=JOINED) for _ in range(7)]

    with frozen(utc(2026, 6, 1, 19, 0)):
        created = services.due_slots_claim(now=utc(2026, 6, 1, 19, 0), limit=3)
        deliver_outstanding()

    assert len(created) == 7
    assert sorted(message.to[0] for message in mailoutbox) == sorted(p.user.email for p in patients)


def test_a_tick_out_of_time_leaves_the_rest_to_the_next_tick(db):
    for _ in range(5):
        make_patient(joined=JOINED)

    with frozen(utc(2026, 6, 1, 19, 0)):
        first = services.due_slots_claim(now=utc(2026, 6, 1, 19, 0), limit=2, budget_seconds=0)
    with frozen(utc(2026, 6, 1, 19, 1)):
        second = services.due_slots_claim(now=utc(2026, 6, 1, 19, 1), limit=2)

    assert (len(first), len(second)) == (2, 3)
    assert ReminderSchedule.objects.filter(next_slot_date=date(2026, 6, 2)).count() == 5


def reminders_to(patient: PatientProfile) -> list[OutgoingMessage]:
    messages = OutgoingMessage.objects.filter(user=patient.user, kind="diary_reminder")
    return list(messages.order_by("created_at"))


def _tick_every_ten_minutes(start: datetime, hours: int) -> None:
    moment = start
    while moment < start + timedelta(hours=hours):
        with frozen(moment):
            tick()
        moment += timedelta(minutes=10)


def test_a_reminder_in_the_spring_forward_gap_fires_once_after_it(db):
    patient = make_patient(joined=utc(2026, 3, 27, 12, 0), at=time(1, 30))
    _tick_every_ten_minutes(utc(2026, 3, 28, 0, 0), hours=72)
    sent = reminders_to(patient)
    assert [m.key for m in sent] == ["2026-03-27", "2026-03-28", "2026-03-29"]
    # A morning slot asks about the day before: the second is 29 March's. 01:30 does not exist
    # that day in London; it fired at 02:30 BST (01:30 UTC).
    assert sent[1].created_at == utc(2026, 3, 29, 1, 30)


def test_a_reminder_in_the_repeated_hour_fires_once(db):
    patient = make_patient(joined=utc(2026, 10, 30, 12, 0), zone="America/New_York", at=time(1, 30))
    _tick_every_ten_minutes(utc(2026, 10, 31, 0, 0), hours=72)
    sent = reminders_to(patient)
    assert [m.key for m in sent] == ["2026-10-30", "2026-10-31", "2026-11-01"]
    # A morning slot asks about the day before: the second is 1 November's, at the first 01:30.
    assert sent[1].created_at == utc(2026, 11, 1, 5, 30)


def test_sydney_and_kolkata_reminders_keep_local_time_across_sydneys_change(db):
    sydney = make_patient(joined=utc(2026, 4, 2, 0, 0), zone="Australia/Sydney", at=time(21, 0))
    kolkata = make_patient(joined=utc(2026, 4, 2, 0, 0), zone="Asia/Kolkata", at=time(21, 0))
    _tick_every_ten_minutes(utc(2026, 4, 3, 0, 0), hours=72)
    sydney_times = reminders_to(sydney)
    assert [m.created_at for m in sydney_times] == [
        utc(2026, 4, 3, 10, 0),  # 21:00 AEDT
        utc(2026, 4, 4, 10, 0),
        utc(2026, 4, 5, 11, 0),  # 21:00 AEST after the change
    ]
    kolkata_times = reminders_to(kolkata)
    assert [m.created_at for m in kolkata_times] == [
        utc(2026, 4, 3, 15, 30),
        utc(2026, 4, 4, 15, 30),
        utc(2026, 4, 5, 15, 30),
    ]


def test_both_channels_get_a_message(db):
    patient = make_patient(joined=JOINED, channels=("email", "push"))
    with frozen(utc(2026, 6, 1, 19, 0)):
        tick()
    assert messages_for(patient) == [
        ("diary_reminder", "2026-06-01", "email"),
        ("diary_reminder", "2026-06-01", "push"),
    ]


def test_push_without_a_subscription_is_skipped(db, mailoutbox):
    make_patient(joined=JOINED, channels=("push",))
    with frozen(utc(2026, 6, 1, 19, 0)):
        tick()
        assert deliver_outstanding() == ["skipped"]


def test_a_patient_who_wants_nothing_has_no_slot(db):
    patient = make_patient(
        joined=JOINED,
        reminders_enabled=False,
        weekly_nudge_enabled=False,
        treatment_messages_enabled=False,
    )
    assert ReminderSchedule.objects.get(patient=patient).next_slot_at is None
    with frozen(utc(2026, 6, 1, 19, 0)):
        assert tick() == []


def _change(patient: PatientProfile, moment: datetime, **fields) -> ReminderSchedule:
    PatientProfile.objects.filter(pk=patient.pk).update(**fields)
    with frozen(moment):
        services.reminder_schedule_refresh(patient=patient)
    return ReminderSchedule.objects.get(patient=patient)


def test_moving_the_time_to_one_already_past_waits_for_tomorrow(db):
    patient = make_patient(joined=JOINED)
    schedule = _change(patient, utc(2026, 6, 1, 18, 30), reminder_time=time(18, 0))
    assert schedule.next_slot_at == utc(2026, 6, 2, 17, 0)


def test_moving_the_time_later_today_keeps_today(db):
    patient = make_patient(joined=JOINED)
    schedule = _change(patient, utc(2026, 6, 1, 18, 30), reminder_time=time(21, 30))
    assert schedule.next_slot_at == utc(2026, 6, 1, 20, 30)


def test_a_patient_who_joins_after_the_default_time_can_still_be_reminded_today(db, mailoutbox):
    # Joined at 21:00 London: the default 20:00 slot is tomorrow's; 21:30 comes round today.
    patient = make_patient(joined=utc(2026, 6, 1, 20, 0))
    schedule = _change(patient, utc(2026, 6, 1, 20, 5), reminder_time=time(21, 30))
    with frozen(utc(2026, 6, 1, 20, 30)):
        tick()
        deliver_outstanding()

    assert schedule.next_slot_at == utc(2026, 6, 1, 20, 30)
    assert messages_for(patient) == [("diary_reminder", "2026-06-01", "email")]


def test_moving_the_time_after_todays_reminder_went_out_sends_no_second_one(db, mailoutbox):
    patient = make_patient(joined=JOINED)
    with frozen(utc(2026, 6, 1, 19, 0)):
        tick()
        deliver_outstanding()
    _change(patient, utc(2026, 6, 1, 19, 30), reminder_time=time(22, 0))
    with frozen(utc(2026, 6, 1, 21, 0)):
        tick()
        deliver_outstanding()

    assert messages_for(patient) == [("diary_reminder", "2026-06-01", "email")]
    assert len(mailoutbox) == 1


def test_a_slot_due_during_an_outage_survives_a_settings_change(db):
    patient = make_patient(joined=JOINED)
    schedule = _change(patient, utc(2026, 6, 1, 21, 0), reminder_channels=["email", "push"])
    assert (schedule.next_slot_date, schedule.next_slot_at) == (
        date(2026, 6, 1),
        utc(2026, 6, 1, 19, 0),
    )


def test_a_new_time_zone_moves_the_slot(db):
    patient = make_patient(joined=JOINED)
    patient.user.timezone = "America/New_York"
    patient.user.save()
    schedule = _change(patient, utc(2026, 6, 1, 12, 0))
    assert schedule.next_slot_at == utc(2026, 6, 2, 0, 0)  # 20:00 EDT


def test_turning_everything_off_then_on_again(db):
    patient = make_patient(joined=JOINED)
    off = _change(
        patient,
        utc(2026, 6, 1, 12, 0),
        reminders_enabled=False,
        weekly_nudge_enabled=False,
        treatment_messages_enabled=False,
    )
    assert off.next_slot_at is None
    on = _change(patient, utc(2026, 6, 1, 20, 0), reminders_enabled=True)
    assert on.next_slot_at == utc(2026, 6, 2, 19, 0)


def test_the_weekly_nudge_goes_out_at_most_once_a_week(db):
    patient = make_patient(joined=JOINED)
    sunday_slot = utc(2026, 6, 7, 19, 0)
    with frozen(sunday_slot):
        ReminderSchedule.objects.filter(patient=patient).update(
            next_slot_date=date(2026, 6, 7), next_slot_at=sunday_slot
        )
        tick()
        # A settings change that puts Sunday's slot back must not nudge again.
        ReminderSchedule.objects.filter(patient=patient).update(
            next_slot_date=date(2026, 6, 7), next_slot_at=sunday_slot
        )
        tick()
    nudges = OutgoingMessage.objects.filter(user=patient.user, kind="weekly_nudge")
    assert [(m.key, m.context) for m in nudges] == [("2026-W23", {"missing": 6})]


def test_treatment_messages_come_at_the_reminder_slot(db, mailoutbox):
    patient = make_patient(joined=JOINED, reminders_enabled=False)
    session = factories.InjectionSessionFactory(patient=patient, date=date(2026, 6, 1))
    with frozen(utc(2026, 6, 4, 19, 0)):
        ReminderSchedule.objects.filter(patient=patient).update(
            next_slot_date=date(2026, 6, 4), next_slot_at=utc(2026, 6, 4, 19, 0)
        )
        tick()
        assert deliver_outstanding() == ["sent", "sent"]
    assert messages_for(patient) == [
        ("cycle_education", f"{session.pk}:day3", "email"),
        ("side_effect_check_in", f"{session.pk}:day3", "email"),
    ]
    bodies = " ".join(message.body for message in mailoutbox)
    assert "5 to 10 days" in bodies
    assert "two or three cycles" in bodies
    assert "trouble swallowing, speaking or breathing" in bodies


def test_schedules_are_backfilled_for_patients_without_one(db):
    patient = factories.PatientFactory()
    with frozen(utc(2026, 6, 1, 12, 0)):
        assert services.reminder_schedules_backfill() == 1
        assert services.reminder_schedules_backfill() == 0
    assert ReminderSchedule.objects.get(patient=patient).next_slot_at is not None
