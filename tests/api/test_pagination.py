"""Long lists come in bounded pages, the body still a plain list (issue 15, item 15)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from diary.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from diary.models import AccessEvent, FlagKind, ReviewFlag
from tests import factories


def next_link(response) -> str | None:
    match = re.fullmatch(r'<http://localhost:8000([^>]+)>; rel="next"', response.get("Link", ""))
    return match[1] if match else None


@pytest.fixture
def long_access_log(alice, carol):
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    AccessEvent.objects.bulk_create(
        AccessEvent(
            patient=alice,
            actor=carol.user,
            actor_email="carol@clinic.example.org",
            action=AccessEvent.Action.VIEW,
            resource=f"GET /api/v1/patients/{alice.pk}/diary/",
            at=start + dt.timedelta(minutes=n),
        )
        for n in range(DEFAULT_LIMIT + 20)
    )


def test_a_long_access_log_is_bounded_and_links_to_the_rest(alice, as_alice, long_access_log):
    response = as_alice.get("/api/v1/me/access-log/")

    events = response.json()
    assert isinstance(events, list) and len(events) == DEFAULT_LIMIT
    assert response["X-Total-Count"] == str(DEFAULT_LIMIT + 20)
    rest = as_alice.get(next_link(response))
    assert len(rest.json()) == 20
    assert next_link(rest) is None
    times = [event["at"] for event in events + rest.json()]
    assert times == sorted(set(times), reverse=True)


def test_a_short_list_is_whole_with_no_link(alice, carol, as_alice, as_carol):
    as_carol.get(f"/api/v1/patients/{alice.pk}/diary/")

    response = as_alice.get("/api/v1/me/access-log/")

    assert len(response.json()) == 1
    assert "Link" not in response


def test_the_page_size_is_bounded(alice, as_alice, long_access_log):
    assert len(as_alice.get("/api/v1/me/access-log/?limit=7").json()) == 7
    assert as_alice.get(f"/api/v1/me/access-log/?limit={MAX_LIMIT + 1}").status_code == 400
    assert "offset" in as_alice.get("/api/v1/me/access-log/?offset=-1").json()
    assert "limit" in as_alice.get("/api/v1/me/access-log/?limit=").json()


def test_flags_come_in_pages_and_only_the_page_is_logged_as_read(alice, carol, as_carol):
    for n in range(5):
        ReviewFlag.objects.create(
            patient=alice, kind=FlagKind.LOW_ADHERENCE, status="resolved", evidence={"n": n}
        )

    first = as_carol.get("/api/v1/flags/?status=resolved&limit=2")

    assert len(first.json()) == 2
    assert "status=resolved" in next_link(first)
    ids = [flag["id"] for flag in first.json()]
    page = first
    while next_link(page):
        page = as_carol.get(next_link(page))
        ids += [flag["id"] for flag in page.json()]
    assert sorted(ids) == sorted(ReviewFlag.objects.values_list("id", flat=True))


def test_linked_patients_come_in_pages(alice, bob, carol, as_carol):
    factories.link(bob, carol)

    first = as_carol.get("/api/v1/patients/?limit=1")
    second = as_carol.get(next_link(first))

    assert first["X-Total-Count"] == "2"
    assert {first.json()[0]["id"], second.json()[0]["id"]} == {alice.pk, bob.pk}
    assert next_link(second) is None
