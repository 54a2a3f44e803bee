from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from diary.models import InjectionSession, ReviewFlag
from diary.paradigms import PREEMPT_SITES
from tests import factories


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def preempt_sites() -> list[dict]:
    return [
        {
            "muscle": site.muscle,
            "side": site.side,
            "units": float(site.units),
            "points": site.points,
        }
        for site in PREEMPT_SITES
    ]


def follow_the_pain_sites() -> list[dict]:
    sites = preempt_sites()
    sites += [
        {"muscle": "temporalis", "side": "left", "units": 5, "points": 1},
        {"muscle": "occipitalis", "side": "right", "units": 5, "points": 1},
    ]
    return sites


def test_a_patients_own_report_is_an_unconfirmed_self_report_without_sites(as_alice):
    response = as_alice.post(
        "/api/v1/injections/", {"date": "2026-11-02", "total_units": 155}, format="json"
    )

    assert response.status_code == 201
    data = response.json()
    assert data["paradigm"] == "preempt"
    assert data["product"] == "onabotulinumtoxinA"
    assert data["planned_interval_weeks"] == 12
    assert data["next_due_date"] == "2027-01-25"
    assert data["source"] == "patient"
    assert data["confirmed"] is False
    # No PREEMPT site table the patient never entered.
    assert data["sites"] == []


def test_a_clinic_session_gets_the_preempt_sites_by_default(alice, as_carol):
    response = as_carol.post(
        f"/api/v1/patients/{alice.pk}/injections/",
        {"date": "2026-11-02", "total_units": 155},
        format="json",
    )

    assert response.status_code == 201
    data = response.json()
    assert (data["source"], data["confirmed"]) == ("clinic", True)
    assert len(data["sites"]) == 13
    assert sum(site["points"] for site in data["sites"]) == 31
    assert sum(site["units"] for site in data["sites"]) == 155


def test_a_clinician_records_a_follow_the_pain_session(alice, carol, as_carol):
    response = as_carol.post(
        f"/api/v1/patients/{alice.pk}/injections/",
        {
            "date": "2026-11-02",
            "total_units": 165,
            "paradigm": "preempt_follow_the_pain",
            "sites": follow_the_pain_sites(),
            "injector": "Dr Carol",
            "lot": "C4321",
            "planned_interval_weeks": 10,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["next_due_date"] == "2027-01-11"
    assert InjectionSession.objects.get(patient=alice).recorded_by == carol.user


def test_site_units_must_add_up_to_the_total(alice, as_carol):
    response = as_carol.post(
        f"/api/v1/patients/{alice.pk}/injections/",
        {
            "date": "2026-11-02",
            "total_units": 170,
            "paradigm": "preempt_follow_the_pain",
            "sites": follow_the_pain_sites(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert "sites" in response.json()


def test_the_interval_is_never_shorter_than_ten_weeks(as_alice):
    response = as_alice.post(
        "/api/v1/injections/",
        {"date": "2026-11-02", "total_units": 155, "planned_interval_weeks": 8},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["planned_interval_weeks"] == [
        "The interval may be shortened to 10 weeks, never shorter."
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-11-02", "total_units": 200}, "total_units"),
        (
            {"date": "2026-11-02", "total_units": 200, "paradigm": "preempt_follow_the_pain"},
            "total_units",
        ),
        ({"date": "2026-11-02", "total_units": 100, "paradigm": "custom"}, "notes"),
        ({"date": "2026-11-02", "total_units": 0}, "total_units"),
        ({"date": "2026-11-02", "total_units": 155, "paradigm": "acupuncture"}, "paradigm"),
        ({"date": "2026-12-02", "total_units": 155}, "date"),
        ({"date": "02/11/2026", "total_units": 155}, "date"),
        ({"total_units": 155}, "date"),
        (
            {
                "date": "2026-11-02",
                "total_units": 155,
                "sites": [{"muscle": "nose", "side": "left", "units": 155}],
            },
            "sites",
        ),
        (
            {
                "date": "2026-11-02",
                "total_units": 155,
                "sites": [{"muscle": "frontalis", "side": "up", "units": 155}],
            },
            "sites",
        ),
        (
            {
                "date": "2026-11-02",
                "total_units": 155,
                "sites": [{"muscle": "frontalis", "side": "left", "units": 155}],
            },
            "sites",
        ),
    ],
)
def test_bad_sessions_are_refused_naming_the_field(as_alice, alice, body, field):
    response = as_alice.post("/api/v1/injections/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not InjectionSession.objects.filter(patient=alice).exists()


def test_a_custom_pattern_with_a_reason_is_accepted(as_alice):
    response = as_alice.post(
        "/api/v1/injections/",
        {
            "date": "2026-11-02",
            "total_units": 135,
            "paradigm": "custom",
            "notes": "Frontalis left out after ptosis last cycle.",
        },
        format="json",
    )

    assert response.status_code == 201


def test_two_sessions_on_one_day_are_refused(as_alice):
    as_alice.post("/api/v1/injections/", {"date": "2026-11-02", "total_units": 155}, format="json")

    again = as_alice.post(
        "/api/v1/injections/", {"date": "2026-11-02", "total_units": 155}, format="json"
    )

    assert again.status_code == 400
    assert "date" in again.json()


def test_a_side_effect_is_reported_after_an_injection(as_alice, alice):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))

    response = as_alice.post(
        f"/api/v1/injections/{session.pk}/side-effects/",
        {"kind": "neck_pain", "onset_date": "2026-11-05", "severity": 2, "notes": "Stiff"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["seek_urgent_care"] is None
    listed = as_alice.get("/api/v1/injections/").json()[0]["side_effects"]
    assert [effect["kind"] for effect in listed] == ["neck_pain"]


def test_trouble_swallowing_tells_the_patient_to_seek_care_and_flags_at_once(
    as_alice, alice, as_carol
):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))

    response = as_alice.post(
        f"/api/v1/injections/{session.pk}/side-effects/",
        {"kind": "dysphagia", "onset_date": "2026-11-04", "severity": 3},
        format="json",
    )

    assert "Seek urgent medical care" in response.json()["seek_urgent_care"]
    flags = as_carol.get("/api/v1/flags/?status=open").json()
    assert [(flag["kind"], flag["evidence"]["side_effect"]) for flag in flags] == [
        ("side_effect_red_flag", "dysphagia")
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "itchy", "onset_date": "2026-11-05", "severity": 2}, "kind"),
        ({"kind": "ptosis", "onset_date": "2026-11-01", "severity": 2}, "onset_date"),
        ({"kind": "ptosis", "onset_date": "2026-11-30", "severity": 2}, "onset_date"),
        ({"kind": "ptosis", "onset_date": "2026-11-05", "severity": 4}, "severity"),
        ({"kind": "ptosis", "onset_date": "2026-11-05", "severity": 0}, "severity"),
    ],
)
def test_bad_side_effect_reports_are_refused(as_alice, alice, body, field):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))

    response = as_alice.post(f"/api/v1/injections/{session.pk}/side-effects/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ReviewFlag.objects.exists()


def test_nobody_else_reaches_a_patients_injections(alice, as_bob, as_dave):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))
    report = {"kind": "ptosis", "onset_date": "2026-11-05", "severity": 1}

    assert (
        as_bob.post(
            f"/api/v1/injections/{session.pk}/side-effects/", report, format="json"
        ).status_code
        == 404
    )
    assert (
        as_dave.post(
            f"/api/v1/injections/{session.pk}/side-effects/", report, format="json"
        ).status_code
        == 404
    )
    assert as_dave.get(f"/api/v1/patients/{alice.pk}/injections/").status_code == 404
    assert as_bob.get("/api/v1/injections/").json() == []


def test_the_linked_clinician_lists_injections_with_sites(alice, as_carol):
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 8, 10))

    data = as_carol.get(f"/api/v1/patients/{alice.pk}/injections/").json()

    assert data[0]["total_units"] == 155
    assert {site["muscle"] for site in data[0]["sites"]} == {
        "procerus",
        "corrugator",
        "frontalis",
        "temporalis",
        "occipitalis",
        "cervical_paraspinal",
        "trapezius",
    }


# Corrected, never silently replaced (api.md) ----------------------------------------------------


def clinic_session(client, patient, day: str, **extra):
    return client.post(
        f"/api/v1/patients/{patient.pk}/injections/",
        {"date": day, "total_units": 155, "injector": "Dr Carol", **extra},
        format="json",
    )


def test_an_edited_session_keeps_its_history(alice, carol, as_carol):
    session_id = clinic_session(as_carol, alice, "2026-11-02", lot="C1111").json()["id"]

    response = as_carol.patch(
        f"/api/v1/injections/{session_id}/", {"lot": "C2222", "notes": "Lot misread"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["lot"], response.json()["version"]) == ("C2222", 2)
    history = as_carol.get(f"/api/v1/injections/{session_id}/history/").json()
    assert [(v["number"], v["change"], v["record"]["lot"]) for v in history] == [
        (1, "recorded", "C1111"),
        (2, "edited", "C2222"),
    ]
    assert {v["changed_by"]["email"] for v in history} == {"carol@clinic.example.org"}


def test_an_edit_that_breaks_the_pattern_is_refused_and_changes_nothing(alice, as_carol):
    session_id = clinic_session(as_carol, alice, "2026-11-02").json()["id"]

    response = as_carol.patch(
        f"/api/v1/injections/{session_id}/", {"total_units": 175}, format="json"
    )

    assert response.status_code == 400
    assert "total_units" in response.json()
    assert InjectionSession.objects.get(pk=session_id).version == 1


def test_a_voided_session_leaves_the_trends_and_stays_in_the_history(alice, as_carol):
    clinic_session(as_carol, alice, "2026-05-04")
    wrong = clinic_session(as_carol, alice, "2026-08-03").json()["id"]
    assert len(as_carol.get(f"/api/v1/patients/{alice.pk}/trends/").json()["cycles"]) == 2

    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 1, tzinfo=dt.UTC), tick=False):
        response = as_carol.delete(
            f"/api/v1/injections/{wrong}/",
            {"reason": "Entered for the wrong patient"},
            format="json",
        )
        cycles = as_carol.get(f"/api/v1/patients/{alice.pk}/trends/").json()["cycles"]

    assert response.status_code == 204
    assert [cycle["start"] for cycle in cycles] == ["2026-05-04"]
    assert as_carol.get(f"/api/v1/injections/{wrong}/").status_code == 404
    injections = as_carol.get(f"/api/v1/patients/{alice.pk}/injections/").json()
    assert [s["date"] for s in injections] == ["2026-05-04"]
    history = as_carol.get(f"/api/v1/injections/{wrong}/history/").json()
    assert history[-1]["change"] == "voided"
    assert history[-1]["reason"] == "Entered for the wrong patient"


def test_voiding_needs_a_reason(alice, as_carol):
    session_id = clinic_session(as_carol, alice, "2026-11-02").json()["id"]

    response = as_carol.delete(f"/api/v1/injections/{session_id}/", {}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    assert as_carol.get(f"/api/v1/injections/{session_id}/").status_code == 200


def test_a_self_report_on_day_d_is_confirmed_by_a_clinic_session_on_d_plus_1(
    alice, as_alice, as_carol
):
    reported = as_alice.post(
        "/api/v1/injections/", {"date": "2026-11-02", "total_units": 155}, format="json"
    ).json()

    response = clinic_session(as_carol, alice, "2026-11-03", lot="C4321")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == reported["id"]
    assert (body["date"], body["source"], body["confirmed"], body["lot"]) == (
        "2026-11-03",
        "clinic",
        True,
        "C4321",
    )
    assert len(body["sites"]) == 13
    assert InjectionSession.objects.filter(patient=alice).count() == 1
    history = as_alice.get(f"/api/v1/injections/{body['id']}/history/").json()
    assert [(v["change"], v["record"]["date"], v["record"]["source"]) for v in history] == [
        ("recorded", "2026-11-02", "patient"),
        ("confirmed", "2026-11-03", "clinic"),
    ]


def test_a_self_report_more_than_three_days_away_is_not_taken_for_the_session(
    alice, as_alice, as_carol
):
    as_alice.post("/api/v1/injections/", {"date": "2026-11-02", "total_units": 155}, format="json")

    response = clinic_session(as_carol, alice, "2026-11-09")

    # A week apart these are two sessions, and far too close together.
    assert response.status_code == 400
    assert "date" in response.json()


def test_a_patient_corrects_their_own_unconfirmed_report_but_not_the_clinics(
    alice, as_alice, as_carol
):
    own = as_alice.post(
        "/api/v1/injections/", {"date": "2026-05-04", "total_units": 155}, format="json"
    ).json()["id"]
    clinics = clinic_session(as_carol, alice, "2026-08-03").json()["id"]

    assert (
        as_alice.patch(f"/api/v1/injections/{own}/", {"date": "2026-05-05"}, format="json")
    ).status_code == 200
    assert (
        as_alice.patch(f"/api/v1/injections/{clinics}/", {"lot": "X"}, format="json")
    ).status_code == 403


def test_a_session_six_weeks_after_the_previous_is_refused_without_early_reason(alice, as_carol):
    clinic_session(as_carol, alice, "2026-09-21")

    response = clinic_session(as_carol, alice, "2026-11-02")

    assert response.status_code == 400
    assert "less than 10 weeks" in response.json()["date"][0]
    assert InjectionSession.objects.filter(patient=alice).count() == 1


def test_an_early_session_with_a_reason_is_recorded_with_it(alice, as_carol):
    clinic_session(as_carol, alice, "2026-09-21")

    response = clinic_session(
        as_carol, alice, "2026-11-02", early_reason="Severe wear-off from week 5; discussed."
    )

    assert response.status_code == 201
    assert response.json()["early_reason"] == "Severe wear-off from week 5; discussed."


def test_other_people_cannot_read_or_change_a_session(alice, as_bob, as_dave):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))

    for client in (as_bob, as_dave):
        assert client.get(f"/api/v1/injections/{session.pk}/").status_code == 404
        assert client.get(f"/api/v1/injections/{session.pk}/history/").status_code == 404
        assert (
            client.patch(f"/api/v1/injections/{session.pk}/", {"lot": "X"}, format="json")
        ).status_code == 404
        assert (
            client.delete(f"/api/v1/injections/{session.pk}/", {"reason": "x"}, format="json")
        ).status_code == 404
    session.refresh_from_db()
    assert (session.lot, session.voided_at) == ("C1234", None)


def test_a_patients_report_near_the_clinics_session_points_to_it(alice, as_alice, as_carol):
    clinic_session(as_carol, alice, "2026-11-02")

    response = as_alice.post(
        "/api/v1/injections/", {"date": "2026-11-03", "total_units": 155}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["date"] == ["Your clinic recorded this session on 02 Nov 2026."]


def test_moving_a_session_within_ten_weeks_of_another_needs_early_reason(alice, as_carol):
    clinic_session(as_carol, alice, "2026-06-01")
    later = clinic_session(as_carol, alice, "2026-09-07").json()["id"]

    refused = as_carol.patch(f"/api/v1/injections/{later}/", {"date": "2026-07-13"}, format="json")
    accepted = as_carol.patch(
        f"/api/v1/injections/{later}/",
        {"date": "2026-07-13", "early_reason": "Wear-off from week 5"},
        format="json",
    )

    assert refused.status_code == 400
    assert "date" in refused.json()
    assert accepted.status_code == 200
    assert accepted.json()["date"] == "2026-07-13"


def test_a_day_whose_session_was_voided_takes_a_new_record(alice, as_carol):
    wrong = clinic_session(as_carol, alice, "2026-11-02").json()["id"]
    as_carol.delete(f"/api/v1/injections/{wrong}/", {"reason": "Wrong units"}, format="json")

    response = clinic_session(as_carol, alice, "2026-11-02")

    assert response.status_code == 201
    assert response.json()["id"] != wrong


def test_an_empty_correction_is_refused_and_keeps_no_new_version(alice, as_carol):
    session_id = clinic_session(as_carol, alice, "2026-11-02").json()["id"]

    response = as_carol.patch(f"/api/v1/injections/{session_id}/", {}, format="json")

    assert response.status_code == 400
    assert len(as_carol.get(f"/api/v1/injections/{session_id}/history/").json()) == 1


def test_the_clinic_correcting_a_self_report_confirms_it(alice, as_alice, as_carol):
    own = as_alice.post(
        "/api/v1/injections/", {"date": "2026-11-02", "total_units": 155}, format="json"
    ).json()["id"]

    response = as_carol.patch(f"/api/v1/injections/{own}/", {"lot": "C7777"}, format="json")

    assert (response.json()["source"], response.json()["confirmed"]) == ("clinic", True)
    history = as_carol.get(f"/api/v1/injections/{own}/history/").json()
    assert [v["change"] for v in history] == ["recorded", "confirmed"]
    # Now the clinic's record: the patient no longer changes it.
    assert (
        as_alice.patch(f"/api/v1/injections/{own}/", {"lot": "X"}, format="json")
    ).status_code == 403
