from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
import time_machine
from icalendar import Calendar
from pythonjsonlogger.json import JsonFormatter

from diary.interop.calendar import feed_token_digest
from diary.interop.models import CalendarFeed
from tests import factories


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def feed_path(url: str) -> str:
    path = url.removeprefix("http://localhost:8000")
    assert path.startswith("/api/v1/calendar/") and path.endswith(".ics")
    return path


def events(response) -> list[tuple[dt.date, str]]:
    calendar = Calendar.from_ical(response.content)
    return sorted(
        (event.decoded("dtstart"), str(event["summary"])) for event in calendar.walk("VEVENT")
    )


@pytest.mark.django_db
def test_the_feed_lists_check_ins_and_the_next_due_date(alice, as_alice, anonymous):
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 8, 3))
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 10, 26), notes="Ptosis")

    created = as_alice.post("/api/v1/me/calendar-feed/")
    assert created.status_code == 201
    response = anonymous.get(feed_path(created.json()["url"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    check_in = "Side-effect check-in"
    assert events(response) == [
        (dt.date(2026, 8, 6), check_in),
        (dt.date(2026, 8, 10), check_in),
        (dt.date(2026, 8, 17), check_in),
        (dt.date(2026, 10, 29), check_in),
        (dt.date(2026, 11, 2), check_in),
        (dt.date(2026, 11, 9), check_in),
        (dt.date(2027, 1, 18), "Botox injection due"),
    ]
    calendar = Calendar.from_ical(response.content)
    for event in calendar.walk("VEVENT"):
        assert "DESCRIPTION" not in event
        assert event["UID"].to_ical().decode().endswith("@localhost")
    assert b"Ptosis" not in response.content
    assert b"155" not in response.content


@pytest.mark.django_db
def test_only_a_digest_of_the_token_is_stored(alice, as_alice):
    url = as_alice.post("/api/v1/me/calendar-feed/").json()["url"]
    token = feed_path(url).removeprefix("/api/v1/calendar/").removesuffix(".ics")
    assert len(token) >= 43  # 32 random bytes in URL-safe base64
    feed = CalendarFeed.objects.get(patient=alice)
    assert token not in feed.token_digest
    assert len(feed.token_digest) == 64


@pytest.mark.django_db
def test_rotating_the_feed_ends_the_old_url(alice, as_alice, anonymous):
    old = feed_path(as_alice.post("/api/v1/me/calendar-feed/").json()["url"])
    new = feed_path(as_alice.post("/api/v1/me/calendar-feed/").json()["url"])
    assert old != new
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200


@pytest.mark.django_db
def test_a_revoked_feed_is_not_found(alice, as_alice, anonymous):
    path = feed_path(as_alice.post("/api/v1/me/calendar-feed/").json()["url"])
    assert as_alice.delete("/api/v1/me/calendar-feed/").status_code == 204
    assert anonymous.get(path).status_code == 404
    assert not CalendarFeed.objects.exists()


@pytest.mark.django_db
def test_a_guessed_or_altered_token_is_not_found(alice, as_alice, anonymous):
    path = feed_path(as_alice.post("/api/v1/me/calendar-feed/").json()["url"])
    token = path.removeprefix("/api/v1/calendar/").removesuffix(".ics")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert anonymous.get(f"/api/v1/calendar/{altered}.ics").status_code == 404
    assert anonymous.get(f"/api/v1/calendar/{'x' * 500}.ics").status_code == 404
    assert anonymous.get("/api/v1/calendar/.ics").status_code == 404


@pytest.mark.django_db
def test_a_patient_without_injections_gets_an_empty_calendar(alice, as_alice, anonymous):
    path = feed_path(as_alice.post("/api/v1/me/calendar-feed/").json()["url"])
    response = anonymous.get(path)
    assert response.status_code == 200
    assert events(response) == []


@pytest.mark.django_db
def test_each_feed_shows_only_its_own_patient(alice, bob, as_alice, as_bob, anonymous):
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 10, 26))
    bobs = feed_path(as_bob.post("/api/v1/me/calendar-feed/").json()["url"])
    assert events(anonymous.get(bobs)) == []


@pytest.mark.django_db
def test_clinicians_and_strangers_cannot_make_feeds(as_dave, anonymous):
    assert as_dave.post("/api/v1/me/calendar-feed/").status_code == 403
    assert anonymous.post("/api/v1/me/calendar-feed/").status_code in (401, 403)
    assert not CalendarFeed.objects.exists()


@pytest.fixture
def log_text():
    root = logging.getLogger()
    handler = next(
        handler for handler in root.handlers if isinstance(handler.formatter, JsonFormatter)
    )
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer.getvalue
    finally:
        root.setLevel(previous_level)
        handler.setStream(previous_stream)


@pytest.mark.django_db
def test_a_mistyped_feed_url_is_logged_with_a_digest_not_the_token(anonymous, log_text):
    token = "Zm9vYmFyLXNlY3JldC1jYWxlbmRhci10b2tlbi0xMjM0NTY3ODk"

    assert anonymous.get(f"/api/v1/calendar/{token}.ics").status_code == 404

    text = log_text()
    assert "Not Found" in text
    assert token not in text
    assert f"/api/v1/calendar/sha256:{feed_token_digest(token)[:12]}.ics" in text


def test_access_log_lines_show_a_digest_not_the_token(log_text):
    token = "Zm9vYmFyLXNlY3JldC1jYWxlbmRhci10b2tlbi0xMjM0NTY3ODk"

    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /api/v1/calendar/{token}.ics HTTP/1.1", "200", "512"
    )
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": f"GET /api/v1/calendar/{token}.ics", "s": 200}
    )

    text = log_text()
    assert token not in text
    assert text.count(f"/api/v1/calendar/sha256:{feed_token_digest(token)[:12]}.ics") == 2
