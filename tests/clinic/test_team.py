"""A clinic is a team: a code redeemed by any member links the whole clinic (api.md, "Clinics
and teams"). Personas: alice is the patient; carol (clinician) and nina (nurse) work at Leeds;
olga works at another clinic, York."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from diary import services
from diary.models import ClinicMember, FlagKind, ReviewFlag
from tests import factories
from tests.conftest import client_for


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def leeds_clinician(db):
    return factories.clinic_member(
        "Leeds headache clinic", user__email="carol@leeds.example.org", user__display_name="Carol"
    )


@pytest.fixture
def leeds_nurse(db):
    return factories.clinic_member(
        "Leeds headache clinic",
        role="nurse",
        user__email="nina@leeds.example.org",
        user__display_name="Nina",
    )


@pytest.fixture
def york_clinician(db):
    return factories.clinic_member(
        "York migraine service", user__email="olga@york.example.org", user__display_name="Olga"
    )


@pytest.mark.parametrize("redeemer", ["leeds_clinician", "leeds_nurse"])
def test_a_nurse_and_a_clinician_both_see_a_patient_linked_through_either(
    request, alice, leeds_clinician, leeds_nurse, redeemer
):
    factories.link(alice, request.getfixturevalue(redeemer))

    for member in (leeds_clinician, leeds_nurse):
        client = client_for(member.user)
        assert [p["id"] for p in client.get("/api/v1/patients/").json()] == [alice.pk]
        assert client.get(f"/api/v1/patients/{alice.pk}/trends/").status_code == 200


def test_a_member_of_another_clinic_gets_404(alice, leeds_nurse, york_clinician):
    factories.link(alice, leeds_nurse)
    olga = client_for(york_clinician.user)

    assert olga.get("/api/v1/patients/").json() == []
    for url in ("trends", "diary", "injections"):
        assert olga.get(f"/api/v1/patients/{alice.pk}/{url}/").status_code == 404


def test_the_patient_sees_the_clinic_and_its_members(as_alice, alice, leeds_clinician, leeds_nurse):
    factories.link(alice, leeds_nurse)

    (link,) = as_alice.get("/api/v1/care-links/").json()

    assert link["clinic"]["name"] == "Leeds headache clinic"
    assert sorted((m["display_name"], m["role"]) for m in link["clinic"]["members"]) == [
        ("Carol", "clinician"),
        ("Nina", "nurse"),
    ]
    assert link["clinician"]["display_name"] == "Nina"


def test_each_members_reads_are_in_the_access_log(as_alice, alice, leeds_clinician, leeds_nurse):
    factories.link(alice, leeds_clinician)

    for member in (leeds_clinician, leeds_nurse):
        client_for(member.user).get(f"/api/v1/patients/{alice.pk}/trends/")

    readers = {event["actor_email"] for event in as_alice.get("/api/v1/me/access-log/").json()}
    assert readers == {"carol@leeds.example.org", "nina@leeds.example.org"}


def test_a_second_code_from_the_same_clinic_is_refused(alice, leeds_clinician, leeds_nurse):
    factories.link(alice, leeds_clinician)
    _, code = services.care_link_create(patient=alice)

    response = client_for(leeds_nurse.user).post(
        "/api/v1/care-links/redeem/", {"code": code}, format="json"
    )

    assert response.status_code == 400
    assert "already linked" in response.json()["code"][0]


def test_any_member_revokes_the_clinics_link(alice, leeds_clinician, leeds_nurse):
    link = factories.link(alice, leeds_clinician)

    response = client_for(leeds_nurse.user).delete(f"/api/v1/care-links/{link.pk}/")

    assert response.status_code == 204
    assert client_for(leeds_clinician.user).get("/api/v1/patients/").json() == []


@pytest.fixture
def flag(alice, leeds_clinician):
    factories.link(alice, leeds_clinician)
    return ReviewFlag.objects.create(patient=alice, kind=FlagKind.WEAR_OFF, evidence={})


def test_a_flag_is_assigned_to_a_member_and_back_to_nobody(flag, leeds_clinician, leeds_nurse):
    nurse = ClinicMember.objects.get(clinician=leeds_nurse)
    carol = client_for(leeds_clinician.user)

    response = carol.patch(f"/api/v1/flags/{flag.pk}/", {"assignee": nurse.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] == nurse.pk
    assert response.json()["status"] == "open"
    assert carol.get("/api/v1/flags/").json()[0]["assignee"] == nurse.pk

    response = carol.patch(f"/api/v1/flags/{flag.pk}/", {"assignee": None}, format="json")
    assert response.json()["assignee"] is None


def test_a_flag_goes_only_to_a_member_of_the_patients_clinic(flag, leeds_clinician, york_clinician):
    olga = ClinicMember.objects.get(clinician=york_clinician)

    response = client_for(leeds_clinician.user).patch(
        f"/api/v1/flags/{flag.pk}/", {"assignee": olga.pk}, format="json"
    )

    assert response.status_code == 400
    assert "assignee" in response.json()


def test_a_red_flag_cannot_be_resolved_with_a_wear_off_decision(alice, leeds_clinician):
    factories.link(alice, leeds_clinician)
    red = ReviewFlag.objects.create(patient=alice, kind=FlagKind.SIDE_EFFECT_RED_FLAG)

    response = client_for(leeds_clinician.user).patch(
        f"/api/v1/flags/{red.pk}/",
        {"status": "resolved", "decision": "shorten_interval", "note": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert "decision" in response.json()


@pytest.mark.parametrize(
    ("expires_in", "redeemed", "message"),
    [
        (dt.timedelta(hours=1), False, None),
        (dt.timedelta(hours=-1), False, "expired"),
        (dt.timedelta(hours=1), True, "already used"),
    ],
)
def test_a_code_that_is_expired_or_used_says_so(
    alice, leeds_clinician, york_clinician, expires_in, redeemed, message
):
    link, code = services.care_link_create(patient=alice)
    link.expires_at = dt.datetime.now(dt.UTC) + expires_in
    link.save()
    if redeemed:
        services.care_link_redeem(clinician=york_clinician, code=code)

    response = client_for(leeds_clinician.user).post(
        "/api/v1/care-links/redeem/", {"code": code}, format="json"
    )

    if message is None:
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert message in response.json()["code"][0]


def test_a_wrong_code_says_no_code_matches(leeds_clinician):
    response = client_for(leeds_clinician.user).post(
        "/api/v1/care-links/redeem/", {"code": "AAAA-BBBB-CCCC"}, format="json"
    )

    assert response.status_code == 400
    assert "No sharing code matches" in response.json()["code"][0]


@pytest.fixture
def before_clinics(transactional_db):
    """The schema before clinics; every migration applied again afterwards, pass or fail."""
    call_command("migrate", "diary", "0007", verbosity=0)
    yield
    call_command("migrate", verbosity=0)


def test_existing_links_become_single_member_clinics(before_clinics):
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state(("diary", "0007_diary_day_analysed_index")).apps
    User = old.get_model("diary", "User")
    patient = old.get_model("diary", "PatientProfile").objects.create(
        user=User.objects.create(email="pat@example.org")
    )
    profiles = old.get_model("diary", "ClinicianProfile")
    links = old.get_model("diary", "CareLink")
    for email in ("a@clinic.example.org", "b@clinic.example.org"):
        clinician = profiles.objects.create(
            user=User.objects.create(email=email), clinic="Headache clinic"
        )
        links.objects.create(
            patient=patient,
            clinician=clinician,
            code_digest=email,
            expires_at=dt.datetime.now(dt.UTC),
            redeemed_at=dt.datetime.now(dt.UTC),
        )

    call_command("migrate", "diary", "0009", verbosity=0)

    new = MigrationExecutor(connection).loader.project_state(
        ("diary", "0009_single_member_clinics")
    )
    clinics = new.apps.get_model("diary", "Clinic").objects.order_by("id")
    assert [clinic.name for clinic in clinics] == [
        "Headache clinic",
        "Headache clinic (b@clinic.example.org)",
    ]
    for clinic in clinics:
        (member,) = clinic.members.all()
        assert member.role == "clinician"
        assert list(clinic.care_links.values_list("clinician_id", flat=True)) == [
            member.clinician_id
        ]


# /clinic/patients/add/: a member types the sharing code ---------------------------------------


@pytest.fixture
def nurse_client(leeds_nurse):
    from django.test import Client

    from tests.clinic.conftest import sign_in

    client = Client()
    sign_in(client, leeds_nurse.user)
    return client


def test_a_nurse_takes_on_a_patient_by_code_and_the_whole_clinic_sees_them(
    alice, leeds_nurse, leeds_clinician, nurse_client
):
    _, code = services.care_link_create(patient=alice)

    response = nurse_client.post("/clinic/patients/add/", {"code": code.lower()}, follow=True)

    assert response.redirect_chain[-1][0] == f"/clinic/patients/{alice.pk}/"
    assert "Alice now shares their diary with Leeds headache clinic." in response.content.decode()
    assert [p["id"] for p in client_for(leeds_clinician.user).get("/api/v1/patients/").json()] == [
        alice.pk
    ]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("wrong", "No sharing code matches this one."),
        ("expired", "This code expired on"),
        ("used", "This code was already used."),
    ],
)
def test_the_add_page_says_why_a_code_is_refused(
    alice, leeds_nurse, york_clinician, nurse_client, state, message
):
    link, code = services.care_link_create(patient=alice)
    if state == "wrong":
        code = "ZZZZ-ZZZZ-ZZZZ"
    elif state == "expired":
        link.expires_at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        link.save()
    else:
        services.care_link_redeem(clinician=york_clinician, code=code)

    response = nurse_client.post("/clinic/patients/add/", {"code": code})

    assert response.status_code == 200
    assert response.resolver_match.url_name == "patient-add"
    assert message in response.content.decode()
    assert client_for(leeds_nurse.user).get("/api/v1/patients/").json() == []


def test_an_empty_code_is_asked_for(nurse_client):
    response = nurse_client.post("/clinic/patients/add/", {"code": ""})

    assert "This field is required." in response.content.decode()
