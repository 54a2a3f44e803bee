"""The private calendar feed: next injection due date and side-effect check-ins as iCalendar.

The feed is fetched by calendar apps that cannot sign in, so its URL carries a random token
that is the credential. Only the token's SHA-256 digest is stored. Events are all-day and say
no more than "Botox injection due" or "Side-effect check-in": calendars get synced to
places (work accounts, shared family calendars) that should not learn more.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from diary.models import InjectionSession
from diary.paradigms import next_due_date
from diary.reminders.schedule import SIDE_EFFECT_CHECK_IN_DAYS

# 256 bits; the brief asks for at least 128.
FEED_TOKEN_BYTES = 32
INJECTION_DUE = "Botox injection due"
SIDE_EFFECT_CHECK_IN = "Side-effect check-in"
PRODUCT_ID = "-//Headache diary//Calendar feed//EN"
# How often calendar apps should poll (RFC 7986 REFRESH-INTERVAL and Outlook's equivalent).
REFRESH_INTERVAL = timedelta(hours=12)


def new_feed_token() -> str:
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    day: date
    summary: str


def feed_events(sessions: Sequence[InjectionSession]) -> list[FeedEvent]:
    """Check-ins after every session, and the due date that follows the latest one."""
    events = [
        FeedEvent(
            uid=f"check-in-{session.pk}-{offset}",
            day=session.date + timedelta(days=offset),
            summary=SIDE_EFFECT_CHECK_IN,
        )
        for session in sessions
        for offset in SIDE_EFFECT_CHECK_IN_DAYS
    ]
    if sessions:
        latest = max(sessions, key=lambda session: session.date)
        events.append(
            FeedEvent(
                uid=f"injection-due-{latest.pk}",
                day=next_due_date(
                    injected_on=latest.date, planned_interval_weeks=latest.planned_interval_weeks
                ),
                summary=INJECTION_DUE,
            )
        )
    return sorted(events, key=lambda event: (event.day, event.uid))


def calendar_ics(events: Sequence[FeedEvent], *, domain: str, generated_at: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Headache diary")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    for item in events:
        event = Event()
        # Stable UIDs let calendar apps update events in place instead of duplicating them.
        event.add("uid", f"{item.uid}@{domain}")
        event.add("dtstamp", generated_at)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
