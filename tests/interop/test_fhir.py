from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle

from diary import services
from diary.demo import seed_demo
from diary.models import AccessEvent, DiaryDay, MedicationIntake
from tests import factories
from tests.conftest import client_for

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def resources(bundle: dict, kind: str) -> list[dict]:
    return [
        entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind
    ]


def validated(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    Bundle.model_validate(data)
    return data


def component(observation: dict, system: str, code: str) -> dict:
    for item in observation["component"]:
        if any(c["system"] == system and c["code"] == code for c in item["code"]["coding"]):
            return item
    raise AssertionError(f"no component {system}|{code}")


@pytest.mark.django_db
def test_the_demo_patients_bundle_validates_and_holds_a_year_and_four_sessions():
    accounts = seed_demo(today=TODAY)
    patient = accounts.patient

    bundle = validated(client_for(patient.user).get("/api/v1/me/fhir/"))

    assert bundle["type"] == "collection"
    observations = resources(bundle, "Observation")
    logged = DiaryDay.objects.filter(patient=patient).count()
    assert len(observations) == logged > 330
    dates = sorted(observation["effectiveDateTime"] for observation in observations)
    assert dates[0] >= (TODAY - dt.timedelta(days=365)).isoformat()
    assert dates[-1] == (TODAY - dt.timedelta(days=1)).isoformat()
    assert dt.date.fromisoformat(dates[-1]) - dt.date.fromisoformat(dates[0]) >= dt.timedelta(
        days=350
    )
    procedures = resources(bundle, "Procedure")
    assert len(procedures) == 4
    for procedure in procedures:
        assert len(procedure["bodySite"]) == 13
        assert procedure["extension"][0]["valueQuantity"] == {"value": 155, "unit": "U"}
        assert procedure["reasonCode"][0]["coding"][0]["code"] == "G43.3"
    administrations = resources(bundle, "MedicationAdministration")
    assert [a["dosage"]["dose"]["value"] for a in administrations] == [155] * 4
    assert all(a["contained"][0]["batch"]["lotNumber"].startswith("C") for a in administrations)
    statements = resources(bundle, "MedicationStatement")
    assert len(statements) == MedicationIntake.objects.filter(diary_day__patient=patient).count()
    (event,) = resources(bundle, "AdverseEvent")
    assert event["event"]["coding"][0]["code"] == "neck_pain"
    first = min(procedures, key=lambda p: p["performedDateTime"])
    assert event["suspectEntity"][0]["instance"]["reference"] == f"urn:uuid:{first['id']}"
    # Every reference points at an entry of the bundle.
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    text = json.dumps(bundle)
    references = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert references - {"#product"} <= full_urls


@pytest.mark.django_db
def test_a_logged_day_carries_the_standard_codes(alice, as_alice):
    day = factories.HeadacheDayFactory(
        patient=alice, date=dt.date(2026, 11, 20), photophobia=True, notes="Bad night"
    )
    MedicationIntake.objects.create(
        diary_day=day, medication=factories.medication("Sumatriptan"), doses=2
    )
    factories.DiaryDayFactory(patient=alice, date=dt.date(2026, 11, 21), headache=False)

    bundle = validated(as_alice.get("/api/v1/me/fhir/"))

    (patient,) = resources(bundle, "Patient")
    assert patient["telecom"][0]["value"] == "alice@example.org"
    headache, free = sorted(resources(bundle, "Observation"), key=lambda o: o["effectiveDateTime"])
    assert headache["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "25064002",
        "display": "Headache",
    }
    assert headache["valueBoolean"] is True
    assert headache["subject"]["reference"] == f"urn:uuid:{patient['id']}"
    severity = component(headache, "http://loinc.org", "72514-3")
    assert severity["valueCodeableConcept"]["coding"][0]["code"] == "LA6751-7"
    duration = component(
        headache, "https://headache-diary.invalid/fhir/CodeSystem/diary-item", "duration"
    )
    assert duration["valueQuantity"] == {
        "value": 6,
        "unit": "h",
        "system": "http://unitsofmeasure.org",
        "code": "h",
    }
    migraine = component(headache, "http://snomed.info/sct", "37796009")
    assert migraine["valueBoolean"] is True
    medicine_class = component(
        headache, "https://headache-diary.invalid/fhir/CodeSystem/day-class", "acute-medication-day"
    )
    assert medicine_class["valueCodeableConcept"]["coding"][0]["code"] == "triptan"
    assert headache["note"] == [{"text": "Bad night"}]
    assert headache["method"]["coding"][0]["code"] == "preempt_4h"

    assert free["valueBoolean"] is False
    with pytest.raises(AssertionError):
        component(free, "http://loinc.org", "72514-3")
    assert component(free, "http://snomed.info/sct", "25064002")["valueBoolean"] is False

    (statement,) = resources(bundle, "MedicationStatement")
    assert statement["medicationCodeableConcept"] == {"text": "Sumatriptan"}
    assert statement["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 2
    assert statement["derivedFrom"][0]["reference"] == f"urn:uuid:{headache['id']}"


@pytest.mark.django_db
def test_severity_answers_follow_the_four_point_scale(alice, as_alice):
    for offset, severity in enumerate((1, 2, 3)):
        factories.HeadacheDayFactory(
            patient=alice,
            date=dt.date(2026, 11, 1) + dt.timedelta(days=offset),
            peak_severity=severity,
        )
    bundle = validated(as_alice.get("/api/v1/me/fhir/"))
    answers = [
        component(o, "http://loinc.org", "72514-3")["valueCodeableConcept"]["coding"][0]["code"]
        for o in sorted(resources(bundle, "Observation"), key=lambda o: o["effectiveDateTime"])
    ]
    assert answers == ["LA6752-5", "LA6751-7", "LA6750-9"]


@pytest.mark.django_db
def test_a_red_flag_side_effect_is_a_serious_adverse_event(alice, as_alice):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))
    services.side_effect_report_create(
        session=session,
        reported_by=alice.user,
        kind="dysphagia",
        onset_date=dt.date(2026, 11, 6),
        severity=2,
        notes="Hard to swallow bread",
    )
    bundle = validated(as_alice.get("/api/v1/me/fhir/"))
    (event,) = resources(bundle, "AdverseEvent")
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert event["severity"]["coding"][0]["code"] == "moderate"
    assert event["date"] == "2026-11-06"
    assert event["extension"][0]["valueString"] == "Hard to swallow bread"
    (procedure,) = resources(bundle, "Procedure")
    assert procedure["followUp"][0]["text"].startswith("Next injection due 2027-01-25")
    temporalis = [s for s in procedure["bodySite"] if s["coding"][0]["code"] == "temporalis"]
    assert {s["text"] for s in temporalis} == {
        "Temporalis, left: 20 U at 4 points",
        "Temporalis, right: 20 U at 4 points",
    }


@pytest.mark.django_db
def test_exporting_twice_gives_the_same_resource_ids(alice, as_alice):
    factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 11, 20))
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))
    first = validated(as_alice.get("/api/v1/me/fhir/"))
    second = validated(as_alice.get("/api/v1/me/fhir/"))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


@pytest.mark.django_db
def test_a_linked_clinician_exports_and_the_patient_sees_it_in_the_access_log(
    alice, carol, as_carol
):
    factories.HeadacheDayFactory(
        patient=alice, date=dt.date(2026, 11, 20), duration_hours=Decimal("2.5")
    )

    bundle = validated(as_carol.get(f"/api/v1/patients/{alice.pk}/fhir/"))

    assert len(resources(bundle, "Observation")) == 1
    event = AccessEvent.objects.get(patient=alice)
    assert event.action == "export"
    assert event.actor == carol.user
    assert event.resource == f"GET /api/v1/patients/{alice.pk}/fhir/"


@pytest.mark.django_db
def test_nobody_else_finds_alices_record(alice, as_bob, as_dave, anonymous):
    factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 11, 20))
    url = f"/api/v1/patients/{alice.pk}/fhir/"
    assert as_bob.get(url).status_code == 404
    assert as_dave.get(url).status_code == 404
    assert anonymous.get(url).status_code in (401, 403)
    assert as_dave.get("/api/v1/me/fhir/").status_code == 403
    bobs = json.loads(as_bob.get("/api/v1/me/fhir/").content)
    assert resources(bobs, "Observation") == []
    assert not AccessEvent.objects.exists()


@pytest.mark.django_db
def test_a_clinician_without_a_second_factor_is_refused(alice):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    response = client_for(clinician.user).get(f"/api/v1/patients/{alice.pk}/fhir/")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def all_pages(client, url: str) -> list[dict]:
    pages = []
    while url:
        bundle = validated(client.get(url.removeprefix("http://localhost:8000")))
        pages.append(bundle)
        url = next(
            (link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), ""
        )
    return pages


@pytest.mark.django_db
def test_a_long_diary_comes_a_page_at_a_time_with_next_links(alice, as_alice):
    first = dt.date(2024, 1, 1)
    DiaryDay.objects.bulk_create(
        DiaryDay(patient=alice, date=first + dt.timedelta(days=n), headache=False)
        for n in range(900)
    )
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2024, 3, 4))

    pages = all_pages(as_alice, "/api/v1/me/fhir/")

    assert [len(resources(page, "Observation")) for page in pages] == [366, 366, 168]
    dates = [o["effectiveDateTime"] for page in pages for o in resources(page, "Observation")]
    assert dates == sorted(set(dates)) and len(dates) == 900
    assert [len(resources(page, "Procedure")) for page in pages] == [1, 0, 0]
    assert all(len(resources(page, "Patient")) == 1 for page in pages)
    assert "next" not in {link["relation"] for link in pages[-1]["link"]}


@pytest.mark.django_db
def test_the_page_size_can_be_chosen_within_bounds(alice, as_alice):
    DiaryDay.objects.bulk_create(
        DiaryDay(patient=alice, date=dt.date(2026, 11, 1) + dt.timedelta(days=n), headache=False)
        for n in range(10)
    )

    pages = all_pages(as_alice, "/api/v1/me/fhir/?_count=4")

    assert [len(resources(page, "Observation")) for page in pages] == [4, 4, 2]
    assert as_alice.get("/api/v1/me/fhir/?_count=0").status_code == 400
    assert as_alice.get("/api/v1/me/fhir/?_count=100000").status_code == 400
    assert "after" in as_alice.get("/api/v1/me/fhir/?after=yesterday").json()


@pytest.mark.django_db
def test_a_clinician_pages_through_a_linked_patients_record(alice, carol, as_carol):
    DiaryDay.objects.bulk_create(
        DiaryDay(patient=alice, date=dt.date(2026, 11, 1) + dt.timedelta(days=n), headache=False)
        for n in range(10)
    )

    pages = all_pages(as_carol, f"/api/v1/patients/{alice.pk}/fhir/?_count=5")

    assert [len(resources(page, "Observation")) for page in pages] == [5, 5]


def test_a_duration_band_and_an_unknown_duration_are_stated(alice, as_alice):
    factories.HeadacheDayFactory(
        patient=alice,
        date=dt.date(2026, 11, 19),
        duration_hours=None,
        duration_band="4_h_or_more",
    )
    factories.HeadacheDayFactory(
        patient=alice, date=dt.date(2026, 11, 20), duration_hours=None, duration_known=False
    )

    bundle = validated(as_alice.get("/api/v1/me/fhir/"))

    banded, unknown = sorted(resources(bundle, "Observation"), key=lambda o: o["effectiveDateTime"])
    item = "https://headache-diary.invalid/fhir/CodeSystem/diary-item"
    band = component(banded, item, "duration-band")
    assert band["valueCodeableConcept"]["coding"][0]["code"] == "4_h_or_more"
    absent = component(unknown, item, "duration")
    assert absent["dataAbsentReason"]["coding"][0]["code"] == "unknown"
