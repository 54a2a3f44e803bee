from __future__ import annotations

import datetime as dt

import time_machine

from diary.models import DiaryDay, PatientProfile, User
from tests import factories


@time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_export_holds_the_patients_diary_injections_and_links(alice, carol, as_alice):
    as_alice.put("/api/v1/diary/2026-11-23/", {"headache": False}, format="json")
    factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 11, 2))

    response = as_alice.get("/api/v1/me/export/")

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "alice@example.org"
    assert [day["date"] for day in data["diary"]] == ["2026-11-23"]
    assert data["injections"][0]["total_units"] == 155
    assert data["care_links"][0]["clinician"]["email"] == "carol@clinic.example.org"
    assert {"flags", "access_log", "own_medications", "push_subscriptions"} <= set(data)


def test_the_export_holds_nothing_of_other_patients(alice, bob, as_alice):
    factories.DiaryDayFactory(patient=bob, date=dt.date(2026, 11, 1))

    assert as_alice.get("/api/v1/me/export/").json()["diary"] == []


def test_deleting_the_account_needs_the_password(as_alice, alice):
    response = as_alice.delete("/api/v1/me/", {"password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    assert PatientProfile.objects.filter(pk=alice.pk).exists()


def test_deleting_the_account_erases_the_diary(as_alice, alice, carol, as_carol):
    factories.DiaryDayFactory(patient=alice, date=dt.date(2026, 11, 1))
    patient_id = alice.pk

    response = as_alice.delete("/api/v1/me/", {"password": factories.PASSWORD}, format="json")

    assert response.status_code == 204
    assert not User.objects.filter(email="alice@example.org").exists()
    assert not DiaryDay.objects.exists()
    assert as_carol.get(f"/api/v1/patients/{patient_id}/diary/").status_code == 404
    assert as_carol.get("/api/v1/patients/").json() == []
