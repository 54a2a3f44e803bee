from __future__ import annotations

import pytest

from diary import services
from diary.models import FlagStatus, ReviewFlag


@pytest.fixture
def wear_off_flag(alice):
    return services.review_flag_open(
        patient=alice, kind="wear_off", evidence={"cycles": [1, 2, 3], "end_of_cycle_rate": 0.7}
    )


def test_the_linked_clinician_sees_open_flags_with_evidence(wear_off_flag, as_carol):
    flags = as_carol.get("/api/v1/flags/?status=open").json()

    assert [(flag["kind"], flag["status"]) for flag in flags] == [("wear_off", "open")]
    assert flags[0]["evidence"]["end_of_cycle_rate"] == 0.7
    assert flags[0]["patient"]["display_name"] == "Alice"


def test_opening_the_same_flag_again_does_not_duplicate_it(alice, wear_off_flag):
    again = services.review_flag_open(patient=alice, kind="wear_off", evidence={"cycles": [4]})

    assert again.pk == wear_off_flag.pk
    assert ReviewFlag.objects.filter(patient=alice, kind="wear_off").count() == 1


def test_an_acknowledged_flag_is_not_reopened_by_a_rescan(alice, wear_off_flag, as_carol):
    as_carol.patch(f"/api/v1/flags/{wear_off_flag.pk}/", {"status": "acknowledged"}, format="json")

    services.review_flag_open(patient=alice, kind="wear_off", evidence={})

    assert ReviewFlag.objects.filter(patient=alice, kind="wear_off").count() == 1


def test_a_resolved_flag_lets_a_new_one_open_later(alice, wear_off_flag, as_carol):
    as_carol.patch(f"/api/v1/flags/{wear_off_flag.pk}/", {"status": "resolved"}, format="json")

    services.review_flag_open(patient=alice, kind="wear_off", evidence={})

    assert ReviewFlag.objects.filter(patient=alice, kind="wear_off").count() == 2


def test_the_clinician_resolves_a_flag_with_a_decision_and_note(wear_off_flag, carol, as_carol):
    response = as_carol.patch(
        f"/api/v1/flags/{wear_off_flag.pk}/",
        {"status": "resolved", "decision": "shorten_interval", "note": "Next at 10 weeks."},
        format="json",
    )

    assert response.status_code == 200
    wear_off_flag.refresh_from_db()
    assert wear_off_flag.status == FlagStatus.RESOLVED
    assert wear_off_flag.decision == "shorten_interval"
    assert wear_off_flag.reviewed_by == carol.user
    assert as_carol.get("/api/v1/flags/?status=open").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "open"}, "status"),
        ({"status": "deleted"}, "status"),
        ({"status": "resolved", "decision": "amputate"}, "decision"),
        ({"status": "resolved", "note": "x" * 2001}, "note"),
        ({}, "status"),
    ],
)
def test_bad_flag_updates_are_refused(wear_off_flag, as_carol, body, field):
    response = as_carol.patch(f"/api/v1/flags/{wear_off_flag.pk}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_the_status_filter_is_validated(as_carol):
    response = as_carol.get("/api/v1/flags/?status=urgent")

    assert response.status_code == 400
    assert "status" in response.json()


def test_other_people_never_see_or_change_a_flag(wear_off_flag, as_dave, as_alice, as_bob):
    assert as_dave.get("/api/v1/flags/").json() == []
    assert (
        as_dave.patch(
            f"/api/v1/flags/{wear_off_flag.pk}/", {"status": "dismissed"}, format="json"
        ).status_code
        == 404
    )
    assert as_alice.get("/api/v1/flags/").status_code == 403
    assert (
        as_bob.patch(
            f"/api/v1/flags/{wear_off_flag.pk}/", {"status": "dismissed"}, format="json"
        ).status_code
        == 404
    )
    wear_off_flag.refresh_from_db()
    assert wear_off_flag.status == FlagStatus.OPEN


def test_the_flag_list_filters_by_assignee(alice, carol, as_carol, wear_off_flag):
    from diary.models import ClinicMember

    me = ClinicMember.objects.get(clinician=carol)
    mine = services.review_flag_open(patient=alice, kind="episodic", evidence={})
    services.review_flag_assign(flag=mine, assignee=me)

    def ids(query: str) -> list[int]:
        body = as_carol.get(f"/api/v1/flags/?{query}").json()
        items = body["results"] if isinstance(body, dict) else body
        return [flag["id"] for flag in items]

    assert ids("assignee=me") == [mine.pk]
    assert ids(f"assignee={me.pk}") == [mine.pk]
    assert ids("assignee=none") == [wear_off_flag.pk]
    response = as_carol.get("/api/v1/flags/?assignee=someone")
    assert response.status_code == 400
    assert "assignee" in response.json()
