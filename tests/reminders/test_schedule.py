"""The schedule maths: one slot per local day, across clock changes, in several zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary.reminders import schedule
from diary.reminders.schedule import PatientDay, Session

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # Spring forward: the skipped wall time fires after the gap, shifted by its length.
        (LONDON, date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1, 30)),  # 02:30 BST
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
        (SYDNEY, date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16, 30)),  # 03:30 AEDT
        # Fall back: the repeated wall time fires at its first occurrence.
        (LONDON, date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30)),  # 01:30 BST
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT
        (SYDNEY, date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),  # 02:30 AEDT
        # Ordinary days, and a zone with a half-hour offset and no clock changes.
        (LONDON, date(2026, 7, 1), time(20, 0), utc(2026, 7, 1, 19, 0)),
        (LONDON, date(2026, 12, 1), time(20, 0), utc(2026, 12, 1, 20, 0)),
        (KOLKATA, date(2026, 3, 29), time(20, 0), utc(2026, 3, 29, 14, 30)),
    ],
)
def test_slot_instant_is_defined_on_every_local_day(zone, day, at, expected):
    assert schedule.slot_instant(local_date=day, at=at, zone=zone) == expected


def test_a_skipped_wall_time_lands_after_the_gap():
    instant = schedule.slot_instant(local_date=date(2026, 3, 29), at=time(1, 30), zone=LONDON)
    local = instant.astimezone(LONDON)
    assert (local.date(), local.time()) == (date(2026, 3, 29), time(2, 30))


def _slots(*, start: datetime, at: time, zone: ZoneInfo, days: int) -> list[tuple[date, datetime]]:
    """Follow the schedule as the tick does: claim each slot when it is due, take the next."""
    slots = [schedule.first_slot_after(moment=start, at=at, zone=zone)]
    while len(slots) < days:
        claimed_date, claimed_at = slots[-1]
        slots.append(
            schedule.slot_after_claim(claimed_date=claimed_date, now=claimed_at, at=at, zone=zone)
        )
    return slots


@pytest.mark.parametrize(
    ("zone", "at", "start"),
    [
        (LONDON, time(1, 30), utc(2026, 3, 20)),
        (LONDON, time(1, 30), utc(2026, 10, 18)),
        (NEW_YORK, time(2, 30), utc(2026, 3, 1)),
        (NEW_YORK, time(1, 30), utc(2026, 10, 25)),
        (SYDNEY, time(2, 30), utc(2026, 3, 28)),
        (SYDNEY, time(2, 30), utc(2026, 9, 27)),
        (KOLKATA, time(20, 0), utc(2026, 3, 20)),
        (LONDON, time(0, 0), utc(2026, 3, 20)),
        (LONDON, time(23, 59), utc(2026, 10, 18)),
    ],
)
def test_each_local_day_gets_exactly_one_slot_across_clock_changes(zone, at, start):
    slots = _slots(start=start, at=at, zone=zone, days=21)
    dates = [slot_date for slot_date, _ in slots]
    assert dates == [dates[0] + timedelta(days=n) for n in range(21)]
    instants = [instant for _, instant in slots]
    assert instants == sorted(set(instants))
    for slot_date, instant in slots:
        local = instant.astimezone(zone)
        assert local.date() == slot_date
        # The wall time is the chosen one, or later by at most the gap on a spring-forward day.
        wall = datetime.combine(slot_date, local.time()) - datetime.combine(slot_date, at)
        assert timedelta(0) <= wall <= timedelta(hours=1)


def test_the_first_slot_is_today_if_still_ahead_else_tomorrow():
    at = time(20, 0)
    assert schedule.first_slot_after(moment=utc(2026, 7, 1, 18, 0), at=at, zone=LONDON) == (
        date(2026, 7, 1),
        utc(2026, 7, 1, 19, 0),
    )
    assert schedule.first_slot_after(moment=utc(2026, 7, 1, 19, 0), at=at, zone=LONDON) == (
        date(2026, 7, 2),
        utc(2026, 7, 2, 19, 0),
    )


def test_after_an_outage_the_next_slot_is_todays_not_each_missed_day():
    next_date, next_at = schedule.slot_after_claim(
        claimed_date=date(2026, 7, 1), now=utc(2026, 7, 4, 8, 0), at=time(20, 0), zone=LONDON
    )
    assert (next_date, next_at) == (date(2026, 7, 4), utc(2026, 7, 4, 19, 0))


def test_a_slot_window_closes_at_local_midnight():
    day = date(2026, 7, 1)
    assert schedule.slot_window_open(slot_date=day, now=utc(2026, 7, 1, 22, 59), zone=LONDON)
    assert not schedule.slot_window_open(slot_date=day, now=utc(2026, 7, 1, 23, 0), zone=LONDON)
    assert schedule.slot_window_open(slot_date=day, now=utc(2026, 7, 1, 18, 29), zone=KOLKATA)
    assert not schedule.slot_window_open(slot_date=day, now=utc(2026, 7, 1, 18, 30), zone=KOLKATA)


def _day(**overrides) -> PatientDay:
    values = {
        "slot_date": date(2026, 7, 1),  # a Wednesday
        "reminder_time": time(20, 0),
        "joined_on": date(2026, 1, 1),
        "reminders_enabled": True,
        "weekly_nudge_enabled": True,
        "treatment_messages_enabled": True,
    }
    values.update(overrides)
    return PatientDay(**values)


def kinds(day: PatientDay) -> list[tuple[str, str]]:
    return [(message.kind, message.key) for message in schedule.messages_due(day=day)]


def test_an_evening_reminder_asks_about_today():
    assert kinds(_day()) == [("diary_reminder", "2026-07-01")]
    assert kinds(_day(logged=frozenset({date(2026, 7, 1)}))) == []


def test_a_morning_reminder_asks_about_yesterday():
    day = _day(reminder_time=time(8, 0))
    assert kinds(day) == [("diary_reminder", "2026-06-30")]
    assert kinds(_day(reminder_time=time(8, 0), logged=frozenset({date(2026, 6, 30)}))) == []


def test_no_reminder_for_days_before_the_patient_joined():
    assert kinds(_day(reminder_time=time(8, 0), joined_on=date(2026, 7, 1))) == []


def test_reminders_can_be_turned_off():
    assert kinds(_day(reminders_enabled=False)) == []


def test_the_weekly_nudge_comes_on_sunday_counting_the_weeks_missing_days():
    sunday = date(2026, 7, 5)
    logged = frozenset({date(2026, 6, 29), date(2026, 7, 1), date(2026, 7, 2), sunday})
    messages = schedule.messages_due(day=_day(slot_date=sunday, logged=logged))
    assert [(m.kind, m.key, m.context) for m in messages] == [
        ("weekly_nudge", "2026-W27", {"missing": 3})  # Tuesday, Friday, Saturday
    ]


def test_no_weekly_nudge_when_the_week_is_complete_or_it_is_turned_off():
    sunday = date(2026, 7, 5)
    week = frozenset(date(2026, 6, 29) + timedelta(days=n) for n in range(7))
    assert kinds(_day(slot_date=sunday, logged=week)) == []
    missing_all = _day(slot_date=sunday, weekly_nudge_enabled=False, reminders_enabled=False)
    assert kinds(missing_all) == []


def test_the_weekly_nudge_ignores_days_before_joining():
    sunday = date(2026, 7, 5)
    day = _day(slot_date=sunday, joined_on=date(2026, 7, 4), reminders_enabled=False)
    assert [m.context for m in schedule.messages_due(day=day)] == [{"missing": 1}]


SESSION = Session(id=7, injected_on=date(2026, 1, 5), planned_interval_weeks=12)


def cycle_kinds(on: date, session: Session = SESSION) -> list[tuple[str, str]]:
    return [(m.kind, m.key) for m in schedule.cycle_messages_due(session=session, on=on)]


def test_treatment_messages_follow_the_cycle():
    day = SESSION.injected_on
    assert cycle_kinds(day) == [("cycle_education", "7:day0")]
    assert cycle_kinds(day + timedelta(days=3)) == [
        ("cycle_education", "7:day3"),
        ("side_effect_check_in", "7:day3"),
    ]
    assert cycle_kinds(day + timedelta(days=7)) == [("side_effect_check_in", "7:day7")]
    assert cycle_kinds(day + timedelta(days=14)) == [("side_effect_check_in", "7:day14")]
    due = date(2026, 3, 30)  # 12 weeks on
    assert cycle_kinds(due - timedelta(days=7)) == [("injection_due", "7:7d")]
    assert cycle_kinds(due - timedelta(days=1)) == [("injection_due", "7:1d")]
    quiet = [1, 2, 4, 5, 6, 8, 13, 15, 60, 76, 78, 84]
    assert all(cycle_kinds(day + timedelta(days=n)) == [] for n in quiet)


def test_injection_due_follows_the_planned_interval():
    session = Session(id=8, injected_on=date(2026, 1, 5), planned_interval_weeks=10)
    due = date(2026, 3, 16)
    assert cycle_kinds(due - timedelta(days=1), session) == [("injection_due", "8:1d")]


def test_treatment_messages_can_be_turned_off():
    day = _day(
        slot_date=SESSION.injected_on, latest_session=SESSION, treatment_messages_enabled=False
    )
    assert kinds(day) == [("diary_reminder", "2026-01-05")]
