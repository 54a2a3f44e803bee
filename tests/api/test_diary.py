from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine

from diary.models import DiaryDay, Medication
from tests import factories
from tests.clinic.test_reports import pdf_text

TODAY = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)

MIGRAINE = {
    "headache": True,
    "duration_hours": 6,
    "peak_severity": 3,
    "features": {"unilateral": True, "pulsating": True, "nausea": True, "photophobia": True},
    "medications": [{"medication": "Sumatriptan", "doses": 1}],
    "disability": 2,
    "notes": "Woke up with it.",
}


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def put_day(client, day, body, **headers):
    return client.put(f"/api/v1/diary/{day}/", body, format="json", **headers)


def test_a_headache_free_day_needs_only_headache_false(as_alice, alice):
    response = put_day(as_alice, "2026-11-23", {"headache": False})

    assert response.status_code == 201
    assert response.json()["headache_day"] is False
    assert DiaryDay.objects.get(patient=alice, date=dt.date(2026, 11, 23)).headache is False


def test_a_detailed_migraine_day_is_stored_with_its_day_classes(as_alice):
    data = put_day(as_alice, "2026-11-23", MIGRAINE).json()

    assert data["peak_severity"] == 3
    assert data["features"]["photophobia"] is True
    assert data["medications"][0]["name"] == "Sumatriptan"
    assert data["medications"][0]["medication_class"] == "triptan"
    assert data["headache_day"] is True
    assert data["migraine_day"] is True
    assert data["moderate_severe_day"] is True
    assert data["acute_medication_classes"] == ["triptan"]


def test_putting_the_same_day_again_replaces_it(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    response = put_day(as_alice, "2026-11-23", {"headache": False})

    assert response.status_code == 200
    day = DiaryDay.objects.get(patient=alice, date=dt.date(2026, 11, 23))
    assert day.headache is False
    assert day.notes == ""
    assert not day.intakes.exists()
    assert DiaryDay.objects.filter(patient=alice).count() == 1


def test_repeating_an_identical_put_is_safe(as_alice, alice):
    first = put_day(as_alice, "2026-11-23", MIGRAINE)
    second = put_day(as_alice, "2026-11-23", MIGRAINE)

    assert (first.status_code, second.status_code) == (201, 200)
    assert DiaryDay.objects.filter(patient=alice).count() == 1
    assert second.json()["medications"] == first.json()["medications"]


def test_medicines_can_be_given_by_id(as_alice):
    ibuprofen = Medication.objects.get(name="Ibuprofen")
    body = {**MIGRAINE, "medications": [{"medication": ibuprofen.pk, "doses": 2}]}

    data = put_day(as_alice, "2026-11-23", body).json()

    assert data["medications"][0]["doses"] == 2
    assert data["acute_medication_classes"] == ["simple_analgesic"]


def test_a_patients_own_medicine_can_be_logged_by_name(as_alice):
    created = as_alice.post(
        "/api/v1/medications/",
        {"name": "Migraleve", "medication_class": "combination_analgesic"},
        format="json",
    )
    body = {**MIGRAINE, "medications": [{"medication": "migraleve"}]}

    data = put_day(as_alice, "2026-11-23", body).json()

    assert created.status_code == 201
    assert data["acute_medication_classes"] == ["combination_analgesic"]


def test_another_patients_medicine_is_unknown(as_alice, as_bob):
    own = as_bob.post(
        "/api/v1/medications/", {"name": "Bob's pill", "medication_class": "other"}, format="json"
    ).json()

    response = put_day(
        as_alice, "2026-11-23", {**MIGRAINE, "medications": [{"medication": own["id"]}]}
    )

    assert response.status_code == 400
    assert "medications" in response.json()


def test_the_response_carries_an_etag_and_a_stale_if_match_gets_412(as_alice, alice):
    first = put_day(as_alice, "2026-11-23", MIGRAINE)
    put_day(as_alice, "2026-11-23", {"headache": False}, HTTP_IF_MATCH=first["ETag"])

    stale = put_day(as_alice, "2026-11-23", MIGRAINE, HTTP_IF_MATCH=first["ETag"])

    assert stale.status_code == 412
    assert DiaryDay.objects.get(patient=alice, date=dt.date(2026, 11, 23)).headache is False


def test_a_current_if_match_lets_the_write_through(as_alice):
    first = put_day(as_alice, "2026-11-23", MIGRAINE)

    response = put_day(as_alice, "2026-11-23", {"headache": False}, HTTP_IF_MATCH=first["ETag"])

    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]


def test_if_match_on_a_day_that_does_not_exist_gets_412(as_alice, alice):
    response = put_day(as_alice, "2026-11-23", MIGRAINE, HTTP_IF_MATCH='"1-1"')

    assert response.status_code == 412
    assert not DiaryDay.objects.filter(patient=alice).exists()


def test_an_etag_from_a_deleted_and_recreated_day_is_stale(as_alice):
    first = put_day(as_alice, "2026-11-23", MIGRAINE)
    as_alice.delete("/api/v1/diary/2026-11-23/")
    put_day(as_alice, "2026-11-23", MIGRAINE)

    response = put_day(as_alice, "2026-11-23", {"headache": False}, HTTP_IF_MATCH=first["ETag"])

    assert response.status_code == 412


def test_get_returns_the_day_with_its_etag(as_alice):
    saved = put_day(as_alice, "2026-11-23", MIGRAINE)

    response = as_alice.get("/api/v1/diary/2026-11-23/")

    assert response.status_code == 200
    assert response["ETag"] == saved["ETag"]
    assert response.json()["notes"] == "Woke up with it."


def test_a_day_that_was_not_logged_is_not_found(as_alice):
    assert as_alice.get("/api/v1/diary/2026-11-20/").status_code == 404


def test_delete_removes_the_day(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    assert as_alice.delete("/api/v1/diary/2026-11-23/").status_code == 204
    assert not DiaryDay.objects.filter(patient=alice).exists()
    assert as_alice.delete("/api/v1/diary/2026-11-23/").status_code == 404


def test_the_list_is_in_date_order_within_the_range(as_alice):
    for day in ["2026-11-20", "2026-11-01", "2026-11-10", "2026-10-31"]:
        put_day(as_alice, day, {"headache": False})

    response = as_alice.get("/api/v1/diary/?from=2026-11-01&to=2026-11-20")

    assert [day["date"] for day in response.json()] == ["2026-11-01", "2026-11-10", "2026-11-20"]
    assert {
        "headache_day",
        "migraine_day",
        "moderate_severe_day",
        "acute_medication_classes",
    } <= set(response.json()[0])


def test_the_list_uses_the_patients_headache_day_rule(as_alice):
    short = {"headache": True, "duration_hours": 1, "peak_severity": 1}
    put_day(as_alice, "2026-11-23", short)

    before = as_alice.get("/api/v1/diary/").json()[0]["headache_day"]
    as_alice.patch("/api/v1/me/", {"headache_day_rule": "trial_30min"}, format="json")
    after = as_alice.get("/api/v1/diary/").json()[0]["headache_day"]

    assert (before, after) == (False, True)


def test_the_list_rejects_a_reversed_range(as_alice):
    response = as_alice.get("/api/v1/diary/?from=2026-11-20&to=2026-11-01")

    assert response.status_code == 400
    assert "from" in response.json()


def test_the_list_rejects_a_malformed_date(as_alice):
    response = as_alice.get("/api/v1/diary/?from=yesterday")

    assert response.status_code == 400
    assert "from" in response.json()


def test_today_is_judged_in_the_patients_time_zone(db):
    # 23:30 UTC on the 24th is already the 25th in Sydney, still the 24th in New York.
    sydney = factories.PatientFactory(user__timezone="Australia/Sydney")
    new_york = factories.PatientFactory(user__timezone="America/New_York")
    from tests.conftest import client_for

    with time_machine.travel(dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC), tick=False):
        in_sydney = put_day(client_for(sydney.user), "2026-11-25", {"headache": False})
        in_new_york = put_day(client_for(new_york.user), "2026-11-25", {"headache": False})

    assert in_sydney.status_code == 201
    assert in_new_york.status_code == 400
    assert "date" in in_new_york.json()


@pytest.mark.parametrize(
    ("day", "body", "field"),
    [
        ("2026-11-25", {"headache": False}, "date"),
        ("2026-13-01", {"headache": False}, "date"),
        ("24-11-2026", {"headache": False}, "date"),
        ("2026-11-23", {"headache": False, "peak_severity": 2}, "peak_severity"),
        ("2026-11-23", {"headache": False, "duration_hours": 3}, "duration_hours"),
        ("2026-11-23", {"headache": True, "peak_severity": 4}, "peak_severity"),
        ("2026-11-23", {"headache": True, "peak_severity": -1}, "peak_severity"),
        ("2026-11-23", {"headache": True, "peak_severity": 0}, "peak_severity"),
        ("2026-11-23", {"headache": True, "peak_severity": 2, "disability": 4}, "disability"),
        (
            "2026-11-23",
            {"headache": True, "peak_severity": 2, "duration_hours": 25},
            "duration_hours",
        ),
        (
            "2026-11-23",
            {"headache": True, "peak_severity": 2, "duration_hours": -1},
            "duration_hours",
        ),
        (
            "2026-11-23",
            {"headache": True, "peak_severity": 2, "features": {"dizzy": True}},
            "features",
        ),
        (
            "2026-11-23",
            {"headache": True, "peak_severity": 2, "features": {"aura": "yes"}},
            "features",
        ),
        ("2026-11-23", {"headache": False, "notes": "x" * 2001}, "notes"),
        ("2026-11-23", {"headache": "sometimes"}, "headache"),
        ("2026-11-23", {}, "headache"),
        (
            "2026-11-23",
            {"headache": False, "medications": [{"medication": "Unobtainium"}]},
            "medications",
        ),
        (
            "2026-11-23",
            {"headache": False, "medications": [{"medication": "Aspirin", "doses": 0}]},
            "medications",
        ),
        (
            "2026-11-23",
            {
                "headache": False,
                "medications": [{"medication": "Aspirin"}, {"medication": "aspirin"}],
            },
            "medications",
        ),
        ("2026-11-23", {"headache": False, "medications": "Aspirin"}, "medications"),
        ("2026-11-23", {"headache": True, "peak_severity": 3}, "duration_hours"),
        (
            "2026-11-23",
            {"headache": True, "peak_severity": 3, "duration_band": "a while"},
            "duration_band",
        ),
        (
            "2026-11-23",
            {
                "headache": True,
                "peak_severity": 3,
                "duration_hours": 6,
                "duration_band": "4_h_or_more",
            },
            "duration_band",
        ),
        ("2026-11-23", {"headache": False, "duration_band": "4_h_or_more"}, "duration_band"),
        ("2026-11-23", {"headache": False, "menstruation": "yes"}, "menstruation"),
        (
            "2026-11-23",
            {
                "headache": True,
                "peak_severity": 2,
                "duration_hours": 5,
                "medications": [{"medication": "Aspirin", "relief": "a bit"}],
            },
            "medications",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(as_alice, alice, day, body, field):
    response = put_day(as_alice, day, body)

    assert response.status_code == 400
    assert field in response.json()
    assert not DiaryDay.objects.filter(patient=alice).exists()


def test_a_refused_correction_leaves_the_saved_day_untouched(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    put_day(as_alice, "2026-11-23", {**MIGRAINE, "peak_severity": 9})

    assert DiaryDay.objects.get(patient=alice).peak_severity == 3


def test_a_non_json_body_is_a_clear_400(as_alice):
    response = as_alice.put(
        "/api/v1/diary/2026-11-23/", "headache=yes", content_type="application/json"
    )

    assert response.status_code == 400


def test_the_medication_catalogue_lists_classes(as_alice):
    catalogue = {
        item["name"]: item["medication_class"]
        for item in as_alice.get("/api/v1/medications/").json()
    }

    assert catalogue["Sumatriptan"] == "triptan"
    assert catalogue["Rimegepant"] == "gepant"
    assert catalogue["Paracetamol (acetaminophen)"] == "simple_analgesic"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Sumatriptan", "medication_class": "triptan"}, "name"),
        ({"name": "  ", "medication_class": "triptan"}, "name"),
        ({"name": "Magic", "medication_class": "potion"}, "medication_class"),
    ],
)
def test_adding_a_medicine_is_validated(as_alice, body, field):
    response = as_alice.post("/api/v1/medications/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_patients_own_medicines_are_private(as_alice, as_bob):
    as_alice.post(
        "/api/v1/medications/", {"name": "Secret", "medication_class": "other"}, format="json"
    )

    names = [item["name"] for item in as_bob.get("/api/v1/medications/").json()]

    assert "Secret" not in names


def test_clinicians_have_no_diary_of_their_own(as_carol):
    assert (
        as_carol.put("/api/v1/diary/2026-11-23/", {"headache": False}, format="json").status_code
        == 403
    )
    assert as_carol.get("/api/v1/diary/").status_code == 403


def test_a_linked_clinician_reads_the_diary(as_alice, alice, as_carol):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    response = as_carol.get(f"/api/v1/patients/{alice.pk}/diary/")

    assert response.status_code == 200
    assert response.json()[0]["migraine_day"] is True


def test_other_people_cannot_read_a_patients_diary(as_alice, alice, as_bob, as_dave):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    assert as_dave.get(f"/api/v1/patients/{alice.pk}/diary/").status_code == 404
    assert as_bob.get(f"/api/v1/patients/{alice.pk}/diary/").status_code == 404
    assert as_bob.get("/api/v1/diary/").json() == []
    assert as_bob.get("/api/v1/diary/2026-11-23/").status_code == 404


def test_a_clinician_reading_the_diary_is_in_the_patients_access_log(as_alice, alice, as_carol):
    as_carol.get(f"/api/v1/patients/{alice.pk}/diary/")

    log = as_alice.get("/api/v1/me/access-log/").json()

    assert log[0]["actor_email"] == "carol@clinic.example.org"
    assert log[0]["action"] == "view"


def test_linked_patients_are_listed_for_their_clinician_only(alice, bob, as_carol, as_dave):
    assert [patient["id"] for patient in as_carol.get("/api/v1/patients/").json()] == [alice.pk]
    assert as_dave.get("/api/v1/patients/").json() == []


def test_if_none_match_star_creates_a_day_that_does_not_exist(as_alice):
    response = put_day(as_alice, "2026-11-23", MIGRAINE, HTTP_IF_NONE_MATCH="*")

    assert response.status_code == 201


def test_if_none_match_star_never_overwrites_a_saved_day(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    response = put_day(as_alice, "2026-11-23", {"headache": False}, HTTP_IF_NONE_MATCH="*")

    assert response.status_code == 412
    assert DiaryDay.objects.get(patient=alice).headache is True


def test_listed_days_carry_their_etag(as_alice):
    saved = put_day(as_alice, "2026-11-23", MIGRAINE)

    listed = as_alice.get("/api/v1/diary/").json()

    assert listed[0]["etag"] == saved["ETag"]


def app_session_token(client) -> str:
    login = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": "alice@example.org", "password": factories.PASSWORD},
        content_type="application/json",
    )
    return login.json()["meta"]["session_token"]


def put_as_app(client, token: str, day: str, body: dict):
    """A day saved as the mobile app saves it: JSON, with its session token."""
    return client.put(
        f"/api/v1/diary/{day}/", body, content_type="application/json", HTTP_X_SESSION_TOKEN=token
    )


@pytest.mark.postgres
def test_saving_a_day_with_medicines_on_postgresql_takes_three_queries(
    client, alice, django_assert_num_queries
):
    token = app_session_token(client)
    put_as_app(client, token, "2026-11-23", MIGRAINE)
    replaced = {**MIGRAINE, "medications": [{"medication": "Ibuprofen"}, {"medication": "Aspirin"}]}

    # The session, the user with the profile, and one statement doing all the writing.
    with django_assert_num_queries(3):
        response = put_as_app(client, token, "2026-11-23", replaced)

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["medications"]] == ["Ibuprofen", "Aspirin"]


def test_saving_a_day_with_a_medicine_takes_a_bounded_number_of_queries(
    client, alice, django_assert_max_num_queries
):
    token = app_session_token(client)

    # SQLite runs the writes one by one: session, user with profile, medicines, a transaction
    # around the day (read first, to keep the version a replace overwrites), its intakes
    # replaced and the patient marked changed.
    with django_assert_max_num_queries(10):
        response = put_as_app(client, token, "2026-11-23", MIGRAINE)

    assert response.status_code == 201
    assert response.json()["medications"][0]["name"] == "Sumatriptan"


def test_a_correction_replaces_the_medicines_of_the_day(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    corrected = {**MIGRAINE, "medications": [{"medication": "Ibuprofen", "doses": 2}]}

    put_day(as_alice, "2026-11-23", corrected)

    stored = DiaryDay.objects.get(patient=alice).intakes.select_related("medication")
    assert [(intake.medication.name, intake.doses) for intake in stored] == [("Ibuprofen", 2)]


def test_the_response_lists_the_medicines_in_the_order_given(as_alice):
    body = {
        **MIGRAINE,
        "medications": [
            {"medication": "Sumatriptan"},
            {"medication": "Ibuprofen", "doses": 2},
            {"medication": "Aspirin", "doses": 3},
        ],
    }

    data = put_day(as_alice, "2026-11-23", body).json()

    assert [(item["name"], item["doses"]) for item in data["medications"]] == [
        ("Sumatriptan", 1),
        ("Ibuprofen", 2),
        ("Aspirin", 3),
    ]


def test_a_patients_own_medicine_wins_over_the_catalogue_name(as_alice, alice):
    own = Medication.objects.create(owner=alice, name="ibuprofen", medication_class="other")

    data = put_day(
        as_alice, "2026-11-23", {**MIGRAINE, "medications": [{"medication": "IBUPROFEN"}]}
    ).json()

    assert data["medications"][0]["medication"] == own.pk


def test_the_same_medicine_by_id_and_by_name_is_listed_twice(as_alice, alice):
    ibuprofen = Medication.objects.get(name="Ibuprofen")
    body = {
        **MIGRAINE,
        "medications": [{"medication": ibuprofen.pk}, {"medication": "ibuprofen"}],
    }

    response = put_day(as_alice, "2026-11-23", body)

    assert response.status_code == 400
    assert response.json()["medications"] == {
        "1": {"medication": ["This medicine is listed twice; add the doses."]}
    }


def test_an_unknown_medicine_is_named_and_the_saved_day_is_kept(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    response = put_day(
        as_alice,
        "2026-11-23",
        {**MIGRAINE, "notes": "changed", "medications": [{"medication": "Unobtainium"}]},
    )

    assert response.json()["medications"] == {
        "0": {"medication": ["Unknown medicine 'Unobtainium'."]}
    }
    stored = DiaryDay.objects.get(patient=alice)
    assert (stored.notes, stored.revision) == ("Woke up with it.", 1)
    assert [intake.medication.name for intake in stored.intakes.all()] == ["Sumatriptan"]


@pytest.mark.parametrize("reference", [0, -3, 2**63, "x" * 101])
def test_a_medicine_that_cannot_exist_is_unknown(as_alice, reference):
    response = put_day(
        as_alice, "2026-11-23", {**MIGRAINE, "medications": [{"medication": reference}]}
    )

    assert response.status_code == 400
    assert response.json()["medications"]["0"]["medication"][0].startswith("Unknown medicine")


def test_saving_a_day_marks_the_patient_for_the_next_scan(as_alice, alice):
    profile = alice
    before = profile.data_changed_at

    with time_machine.travel(TODAY + dt.timedelta(minutes=5), tick=False):
        put_day(as_alice, "2026-11-23", MIGRAINE)

    profile.refresh_from_db()
    assert profile.data_changed_at == TODAY + dt.timedelta(minutes=5)
    assert profile.data_changed_at > before


def test_a_refused_write_does_not_mark_the_patient(as_alice, alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    profile = alice
    profile.refresh_from_db()
    marked = profile.data_changed_at

    with time_machine.travel(TODAY + dt.timedelta(minutes=5), tick=False):
        put_day(as_alice, "2026-11-23", MIGRAINE, HTTP_IF_NONE_MATCH="*")

    profile.refresh_from_db()
    assert profile.data_changed_at == marked


# Duration: never unknown by accident (issue 16 item 9, issue 17 item 2) -------------------------

SEVERE_NO_HOURS = {"headache": True, "peak_severity": 3}


def test_a_headache_without_any_duration_is_refused_on_duration_hours(as_alice, alice):
    response = put_day(as_alice, "2026-11-23", SEVERE_NO_HOURS)

    assert response.status_code == 400
    assert "duration_band" in response.json()["duration_hours"][0]
    assert not DiaryDay.objects.filter(patient=alice).exists()


def test_a_headache_of_4_h_or_more_by_band_is_a_headache_day(as_alice):
    data = put_day(as_alice, "2026-11-23", {**SEVERE_NO_HOURS, "duration_band": "4_h_or_more"})

    assert data.status_code == 201
    day = data.json()
    assert (day["duration_band"], day["duration_hours"], day["duration_known"]) == (
        "4_h_or_more",
        None,
        True,
    )
    assert day["headache_day"] is True
    assert day["moderate_severe_day"] is True


def test_a_band_of_30_min_to_4_h_counts_under_the_trial_rule_only(as_alice, alice):
    put_day(as_alice, "2026-11-23", {**SEVERE_NO_HOURS, "duration_band": "30_min_to_4_h"})

    preempt = as_alice.get("/api/v1/diary/2026-11-23/").json()
    alice.headache_day_rule = "trial_30min"
    alice.save()
    trial = as_alice.get("/api/v1/diary/2026-11-23/").json()

    assert (preempt["headache_day"], trial["headache_day"]) == (False, True)


def test_a_band_under_30_min_is_never_a_headache_day_untreated(as_alice, alice):
    alice.headache_day_rule = "trial_30min"
    alice.save()

    day = put_day(as_alice, "2026-11-23", {**SEVERE_NO_HOURS, "duration_band": "under_30_min"})

    assert day.json()["headache_day"] is False
    assert day.json()["duration_unknown_day"] is False


def test_an_imported_headache_without_duration_is_listed_as_duration_unknown(as_alice, alice):
    factories.DiaryDayFactory(
        patient=alice,
        date=dt.date(2026, 11, 20),
        headache=True,
        peak_severity=3,
        duration_hours=None,
        duration_known=False,
    )

    listed = as_alice.get("/api/v1/diary/?from=2026-11-20&to=2026-11-20").json()

    assert listed[0]["duration_known"] is False
    assert listed[0]["duration_unknown_day"] is True
    assert listed[0]["headache_day"] is False


def test_trends_count_headaches_of_unknown_duration_apart(as_alice, alice):
    put_day(as_alice, "2026-11-23", {**SEVERE_NO_HOURS, "duration_band": "4_h_or_more"})
    for day in (18, 19):
        factories.DiaryDayFactory(
            patient=alice,
            date=dt.date(2026, 11, day),
            headache=True,
            peak_severity=2,
            duration_hours=None,
            duration_known=False,
        )

    trends = as_alice.get("/api/v1/trends/?from=2026-11-01&to=2026-11-24").json()

    november = trends["months"][-1]
    assert (november["headache_days"], november["duration_unknown_days"]) == (1, 2)
    assert sum(window["duration_unknown_days"] for window in trends["windows"]) == 2


def test_an_unknown_duration_treated_with_a_medicine_is_a_headache_day(as_alice, alice):
    day = factories.DiaryDayFactory(
        patient=alice,
        date=dt.date(2026, 11, 20),
        headache=True,
        peak_severity=2,
        duration_hours=None,
        duration_known=False,
    )
    day.intakes.create(medication=Medication.objects.get(name="Sumatriptan"))

    listed = as_alice.get("/api/v1/diary/?from=2026-11-20&to=2026-11-20").json()

    assert listed[0]["headache_day"] is True
    assert listed[0]["duration_unknown_day"] is False


# Menstruation and relief (issue 17 items 11, 7) -----------------------------------------------


def test_a_day_keeps_whether_the_patient_was_menstruating(as_alice):
    ticked = put_day(as_alice, "2026-11-23", {"headache": False, "menstruation": True}).json()
    unanswered = put_day(as_alice, "2026-11-22", {"headache": False}).json()

    assert ticked["menstruation"] is True
    assert unanswered["menstruation"] is None


def test_each_medicine_of_a_day_says_whether_it_helped(as_alice):
    body = {
        **MIGRAINE,
        "medications": [
            {"medication": "Sumatriptan", "relief": "full"},
            {"medication": "Ibuprofen", "doses": 2},
        ],
    }

    put_day(as_alice, "2026-11-23", body)
    stored = as_alice.get("/api/v1/diary/2026-11-23/").json()

    assert [(item["name"], item["relief"]) for item in stored["medications"]] == [
        ("Sumatriptan", "full"),
        ("Ibuprofen", None),
    ]


def test_a_linked_clinician_sees_whether_each_medicine_helped(as_alice, alice, as_carol):
    body = {**MIGRAINE, "medications": [{"medication": "Sumatriptan", "relief": "some"}]}
    put_day(as_alice, "2026-11-23", body)

    listed = as_carol.get(f"/api/v1/patients/{alice.pk}/diary/?from=2026-11-23&to=2026-11-23")

    assert listed.json()[0]["medications"][0]["relief"] == "some"


# Brand names (issue 17 item 7) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("brand", "generic"),
    [
        ("Imigran", "Sumatriptan"),
        ("maxalt", "Rizatriptan"),
        ("Nurofen", "Ibuprofen"),
        ("Excedrin", "Paracetamol + aspirin + caffeine"),
        ("Ubrelvy", "Ubrogepant"),
        ("Nurtec", "Rimegepant"),
    ],
)
def test_a_brand_name_logs_its_generic(as_alice, brand, generic):
    body = {**MIGRAINE, "medications": [{"medication": brand}]}

    data = put_day(as_alice, "2026-11-23", body).json()

    assert data["medications"][0]["name"] == generic


def test_a_patients_own_medicine_named_like_a_brand_wins(as_alice, alice):
    own = Medication.objects.create(owner=alice, name="Maxalt", medication_class="other")
    body = {**MIGRAINE, "medications": [{"medication": "Maxalt"}]}

    data = put_day(as_alice, "2026-11-23", body).json()

    assert data["medications"][0]["medication"] == own.pk


def test_the_catalogue_lists_each_medicines_brand_names(as_alice):
    catalogue = as_alice.get("/api/v1/medications/").json()

    sumatriptan = next(item for item in catalogue if item["name"] == "Sumatriptan")
    assert "Imigran" in sumatriptan["aliases"]


def test_a_brand_name_cannot_be_added_as_an_own_medicine(as_alice):
    response = as_alice.post(
        "/api/v1/medications/", {"name": "Imigran", "medication_class": "other"}, format="json"
    )

    assert response.status_code == 400
    assert "Sumatriptan" in response.json()["name"][0]


# Kept versions and undo (issue 17 item 1) -----------------------------------------------------


def history(client, day):
    return client.get(f"/api/v1/diary/{day}/history/").json()


def test_replacing_a_day_keeps_the_previous_version(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    put_day(as_alice, "2026-11-23", {"headache": False})

    versions = history(as_alice, "2026-11-23")
    assert len(versions) == 1
    kept = versions[0]["day"]
    assert (kept["peak_severity"], kept["notes"], kept["duration_hours"]) == (
        3,
        "Woke up with it.",
        6.0,
    )
    assert kept["medications"][0]["name"] == "Sumatriptan"
    assert versions[0]["revision"] == 1


def test_an_undo_brings_the_replaced_day_back(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    put_day(as_alice, "2026-11-23", {"headache": False})
    version = history(as_alice, "2026-11-23")[0]["id"]

    restored = as_alice.post(
        "/api/v1/diary/2026-11-23/restore/", {"version": version}, format="json"
    )

    assert restored.status_code == 200
    day = as_alice.get("/api/v1/diary/2026-11-23/").json()
    assert (day["peak_severity"], day["notes"], day["headache_day"]) == (
        3,
        "Woke up with it.",
        True,
    )
    assert day["medications"][0]["name"] == "Sumatriptan"
    assert restored["ETag"] == day["etag"]


def test_an_undo_keeps_the_version_it_replaces(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    put_day(as_alice, "2026-11-23", {"headache": False})
    version = history(as_alice, "2026-11-23")[0]["id"]

    as_alice.post("/api/v1/diary/2026-11-23/restore/", {"version": version}, format="json")

    newest = history(as_alice, "2026-11-23")[0]
    assert newest["day"]["headache"] is False


def test_a_retried_identical_save_keeps_no_extra_version(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    put_day(as_alice, "2026-11-23", MIGRAINE)

    assert history(as_alice, "2026-11-23") == []


def test_a_deleted_day_can_be_restored(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    as_alice.delete("/api/v1/diary/2026-11-23/")
    kept = history(as_alice, "2026-11-23")[0]

    restored = as_alice.post(
        "/api/v1/diary/2026-11-23/restore/", {"version": kept["id"]}, format="json"
    )

    assert kept["deleted"] is True
    assert restored.status_code == 201
    assert restored.json()["notes"] == "Woke up with it."


def test_an_undo_with_a_stale_if_match_gets_412_and_changes_nothing(as_alice, alice):
    first = put_day(as_alice, "2026-11-23", MIGRAINE)
    put_day(as_alice, "2026-11-23", {"headache": False})
    version = history(as_alice, "2026-11-23")[0]["id"]

    stale = as_alice.post(
        "/api/v1/diary/2026-11-23/restore/",
        {"version": version},
        format="json",
        HTTP_IF_MATCH=first["ETag"],
    )

    assert stale.status_code == 412
    assert DiaryDay.objects.get(patient=alice).headache is False


def test_an_unknown_version_is_not_found(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)

    response = as_alice.post("/api/v1/diary/2026-11-23/restore/", {"version": 999}, format="json")

    assert response.status_code == 404


def test_a_version_naming_a_medicine_since_deleted_is_a_conflict(as_alice, alice):
    own = Medication.objects.create(owner=alice, name="Migraleve", medication_class="other")
    put_day(as_alice, "2026-11-23", {**MIGRAINE, "medications": [{"medication": own.pk}]})
    put_day(as_alice, "2026-11-23", {"headache": False})
    version = history(as_alice, "2026-11-23")[0]["id"]
    own.delete()

    response = as_alice.post(
        "/api/v1/diary/2026-11-23/restore/", {"version": version}, format="json"
    )

    assert response.status_code == 409
    assert DiaryDay.objects.get(patient=alice).headache is False


def test_another_patients_versions_cannot_be_seen_or_restored(as_alice, as_bob):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    put_day(as_alice, "2026-11-23", {"headache": False})
    version = history(as_alice, "2026-11-23")[0]["id"]

    restored = as_bob.post("/api/v1/diary/2026-11-23/restore/", {"version": version}, format="json")

    assert history(as_bob, "2026-11-23") == []
    assert restored.status_code == 404


def test_trends_give_the_share_of_intakes_that_helped_per_class_and_medicine(as_alice):
    for day, relief in (("2026-11-20", "full"), ("2026-11-21", "none"), ("2026-11-22", None)):
        body = {**MIGRAINE, "medications": [{"medication": "Imigran", "relief": relief}]}
        put_day(as_alice, day, body)

    relief = as_alice.get("/api/v1/trends/?from=2026-11-01").json()["acute_medication_relief"]

    assert relief["by_class"] == [
        {
            "medication_class": "triptan",
            "intakes": 3,
            "answered": 2,
            "none_relief": 1,
            "some_relief": 0,
            "full_relief": 1,
            "relief_share": 0.5,
            "full_relief_share": 0.5,
        }
    ]
    assert relief["by_medication"][0]["name"] == "Sumatriptan"


def test_a_linked_clinician_sees_the_relief_shares_in_the_patients_trends(
    as_alice, alice, as_carol
):
    put_day(
        as_alice,
        "2026-11-20",
        {**MIGRAINE, "medications": [{"medication": "Sumatriptan", "relief": "some"}]},
    )

    trends = as_carol.get(f"/api/v1/patients/{alice.pk}/trends/?from=2026-11-01").json()

    assert trends["acute_medication_relief"]["by_medication"][0]["relief_share"] == 1.0


def test_trends_judge_menstrual_migraine_from_the_ticked_days(as_alice):
    for day in ("2026-08-03", "2026-08-31", "2026-09-28"):
        put_day(as_alice, day, {**MIGRAINE, "menstruation": True})

    found = as_alice.get("/api/v1/trends/?from=2026-08-01").json()["menstrual_migraine"]

    assert found["status"] == "pure_menstrual"
    assert (found["cycles_assessed"], found["cycles_with_attack"]) == (3, 3)
    assert "ICHD-3 A1.1" in found["criteria"]


def test_trends_carry_no_menstrual_verdict_for_a_patient_who_never_ticks_it(as_alice):
    put_day(as_alice, "2026-11-20", MIGRAINE)

    assert as_alice.get("/api/v1/trends/?from=2026-11-01").json()["menstrual_migraine"] is None


def test_the_export_holds_the_kept_versions_of_days(as_alice):
    put_day(as_alice, "2026-11-23", MIGRAINE)
    put_day(as_alice, "2026-11-23", {"headache": False})

    export = as_alice.get("/api/v1/me/export/").json()

    assert [v["day"]["notes"] for v in export["diary_versions"]] == ["Woke up with it."]


def test_the_clinics_csv_report_shows_bands_unknown_durations_and_relief(as_alice, alice, as_carol):
    body = {
        **SEVERE_NO_HOURS,
        "duration_band": "4_h_or_more",
        "medications": [{"medication": "Sumatriptan", "relief": "full"}],
    }
    put_day(as_alice, "2026-11-23", body)
    factories.DiaryDayFactory(
        patient=alice,
        date=dt.date(2026, 11, 20),
        headache=True,
        peak_severity=2,
        duration_hours=None,
        duration_known=False,
    )

    report = as_carol.get(f"/api/v1/patients/{alice.pk}/report.csv").content.decode()

    rows = {row["date"]: row for row in csv.DictReader(io.StringIO(report))}
    assert rows["2026-11-23"]["duration_band"] == "4_h_or_more"
    assert rows["2026-11-23"]["medications"] == "Sumatriptan x1 (relief: full)"
    assert rows["2026-11-20"]["duration_known"] == "no"


def test_the_treatment_summary_pdf_states_the_headaches_of_unknown_duration(as_alice, alice):
    for day in (18, 19):
        factories.DiaryDayFactory(
            patient=alice,
            date=dt.date(2026, 11, day),
            headache=True,
            peak_severity=2,
            duration_hours=None,
            duration_known=False,
        )

    _, text = pdf_text(as_alice.get("/api/v1/report.pdf").content)

    assert "Headaches of unknown duration" in " ".join(text.split())
    assert "untreated): 2." in " ".join(text.split())
