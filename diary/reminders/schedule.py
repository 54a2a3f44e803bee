"""When messages are due: pure functions of local dates, wall-clock times and time zones.

A patient has one message slot per local day, at their reminder time. Every message that a day
calls for (the diary reminder, the weekly nudge, treatment-cycle messages) is decided at that slot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from diary.paradigms import next_due_date

# A reminder before noon asks about yesterday: people fill in a diary for the day just ended.
MORNING_ENDS = time(12, 0)
WEEKLY_NUDGE_WEEKDAY = 7  # ISO weekday: Sunday, the end of the ISO week.
INJECTION_DUE_DAYS_BEFORE = (7, 1)
CYCLE_EDUCATION_DAYS = (0, 3)
SIDE_EFFECT_CHECK_IN_DAYS = (3, 7, 14)


def slot_instant(*, local_date: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date, defined on every day of the year.

    A time skipped by a clock change (spring forward) is read with the offset in force before
    the gap, which lands it after the gap by the gap's length (as RFC 5545 does); a time that
    happens twice (fall back) is its first occurrence. Either way each local date has exactly
    one instant, so the slot fires once.
    """
    local = datetime.combine(local_date, at).replace(tzinfo=zone, fold=0)
    return local.astimezone(UTC)


def local_day_end(*, local_date: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the local date ends (midnight that follows, whatever its length)."""
    return slot_instant(local_date=local_date + timedelta(days=1), at=time(0, 0), zone=zone)


def first_slot_after(*, moment: datetime, at: time, zone: ZoneInfo) -> tuple[date, datetime]:
    """The first slot strictly after ``moment``, as its local date and UTC instant."""
    local_today = moment.astimezone(zone).date()
    for offset in range(-1, 3):
        local_date = local_today + timedelta(days=offset)
        instant = slot_instant(local_date=local_date, at=at, zone=zone)
        if instant > moment:
            return local_date, instant
    raise AssertionError("a slot exists within two days")  # pragma: no cover


def slot_after_claim(
    *, claimed_date: date, now: datetime, at: time, zone: ZoneInfo
) -> tuple[date, datetime]:
    """The slot that follows a claimed one; days whose window has closed are not replayed.

    Usually the next local day. After an outage the next slot is today's, which the next tick
    then finds due at once, so a missed reminder still goes out before the local day ends.
    """
    next_date = max(claimed_date + timedelta(days=1), now.astimezone(zone).date())
    return next_date, slot_instant(local_date=next_date, at=at, zone=zone)


def slot_window_open(*, slot_date: date, now: datetime, zone: ZoneInfo) -> bool:
    """A slot's messages may still be sent until its local day ends."""
    return now < local_day_end(local_date=slot_date, zone=zone)


def day_to_log(*, slot_date: date, at: time) -> date:
    return slot_date - timedelta(days=1) if at < MORNING_ENDS else slot_date


def iso_week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def missing_days_this_week(
    *, slot_date: date, at: time, logged: Iterable[date], joined_on: date
) -> list[date]:
    """Days of the slot's ISO week before the day the daily reminder asks about, not logged."""
    logged = set(logged)
    until = day_to_log(slot_date=slot_date, at=at)
    monday = slot_date - timedelta(days=slot_date.isoweekday() - 1)
    days = (monday + timedelta(days=n) for n in range((until - monday).days))
    return [day for day in days if day >= joined_on and day not in logged]


@dataclass(frozen=True)
class Session:
    id: int
    injected_on: date
    planned_interval_weeks: int


@dataclass(frozen=True)
class PatientDay:
    """What the rules need to know about a patient on one slot's local date."""

    slot_date: date
    reminder_time: time
    joined_on: date
    reminders_enabled: bool
    weekly_nudge_enabled: bool
    treatment_messages_enabled: bool
    logged: frozenset[date] = frozenset()
    latest_session: Session | None = None


@dataclass(frozen=True)
class DueMessage:
    kind: str
    key: str
    context: dict = field(default_factory=dict)


def messages_due(*, day: PatientDay) -> list[DueMessage]:
    """Every message the patient's slot on ``day.slot_date`` calls for, each with its unique key."""
    due: list[DueMessage] = []
    asked_about = day_to_log(slot_date=day.slot_date, at=day.reminder_time)
    if day.reminders_enabled and asked_about >= day.joined_on and asked_about not in day.logged:
        due.append(
            DueMessage("diary_reminder", asked_about.isoformat(), {"day": asked_about.isoformat()})
        )
    if day.weekly_nudge_enabled and day.slot_date.isoweekday() == WEEKLY_NUDGE_WEEKDAY:
        missing = missing_days_this_week(
            slot_date=day.slot_date,
            at=day.reminder_time,
            logged=day.logged,
            joined_on=day.joined_on,
        )
        if missing:
            due.append(
                DueMessage("weekly_nudge", iso_week_key(day.slot_date), {"missing": len(missing)})
            )
    session = day.latest_session
    if day.treatment_messages_enabled and session is not None:
        due.extend(cycle_messages_due(session=session, on=day.slot_date))
    return due


def cycle_messages_due(*, session: Session, on: date) -> list[DueMessage]:
    """Treatment-cycle messages for the local date ``on`` in the cycle ``session`` starts."""
    due: list[DueMessage] = []
    cycle_day = (on - session.injected_on).days
    if cycle_day < 0:
        return due
    next_due = next_due_date(
        injected_on=session.injected_on, planned_interval_weeks=session.planned_interval_weeks
    )
    days_left = (next_due - on).days
    if days_left in INJECTION_DUE_DAYS_BEFORE:
        due.append(
            DueMessage(
                "injection_due",
                f"{session.id}:{days_left}d",
                {"due_date": next_due.isoformat(), "days_left": days_left},
            )
        )
    if cycle_day in CYCLE_EDUCATION_DAYS:
        due.append(
            DueMessage("cycle_education", f"{session.id}:day{cycle_day}", {"cycle_day": cycle_day})
        )
    if cycle_day in SIDE_EFFECT_CHECK_IN_DAYS:
        due.append(
            DueMessage(
                "side_effect_check_in",
                f"{session.id}:day{cycle_day}",
                {"cycle_day": cycle_day, "session_id": session.id},
            )
        )
    return due
