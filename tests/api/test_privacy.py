from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from diary import services
from diary.api.trends import trends_cache_key
from diary.models import DiaryDay, PatientProfile, TreatmentBaseline, User
from diary.reminders.models import OutgoingMessage
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


def test_a_clinician_whose_link_was_revoked_no_longer_learns_the_patients_name(
    alice, carol, as_alice, as_carol
):
    link_id = as_carol.get("/api/v1/care-links/").json()[0]["id"]
    assert as_alice.delete(f"/api/v1/care-links/{link_id}/").status_code == 204
    alice.user.display_name = "Alice Newname"
    alice.user.email = "alice.newname@example.org"
    alice.user.save()

    response = as_carol.get("/api/v1/care-links/")

    [link] = response.json()
    assert link["status"] == "revoked"
    assert link["patient"] is None
    assert b"Newname" not in response.content
    assert b"alice" not in response.content.lower()


def test_a_clinician_with_a_live_link_sees_the_patients_name(alice, carol, as_carol):
    [link] = as_carol.get("/api/v1/care-links/").json()

    assert link["patient"] == {
        "id": alice.pk,
        "display_name": "Alice",
        "email": "alice@example.org",
    }


def test_patients_see_who_read_their_diary_but_not_from_which_ip_address(
    alice, carol, as_alice, as_carol
):
    as_carol.get(f"/api/v1/patients/{alice.pk}/diary/", REMOTE_ADDR="203.0.113.77")

    response = as_alice.get("/api/v1/me/access-log/")

    [event] = response.json()
    assert event["actor_email"] == "carol@clinic.example.org"
    assert "ip_address" not in event
    assert b"203.0.113.77" not in response.content
    assert b"203.0.113.77" not in as_alice.get("/api/v1/me/export/").content


def sign_in_with_the_app(email: str) -> str:
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def sessions_text() -> str:
    return json.dumps([session.get_decoded() for session in Session.objects.all()]).lower()


def test_erasing_an_account_deletes_its_sessions_and_app_tokens(alice, bob):
    phone = sign_in_with_the_app("alice@example.org")
    laptop = Client()
    laptop.force_login(alice.user)
    sign_in_with_the_app("bob@example.org")
    assert "alice@example.org" in sessions_text()

    response = Client().delete(
        "/api/v1/me/",
        {"password": factories.PASSWORD},
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=phone,
    )

    assert response.status_code == 204
    assert "alice@example.org" not in sessions_text()
    assert str(alice.user.pk) not in [
        s.get_decoded().get("_auth_user_id") for s in Session.objects.all()
    ]
    assert "bob@example.org" in sessions_text()


@time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False)
def test_erasing_an_account_drops_its_cached_trends(alice, bob, as_alice, as_bob):
    factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 11, 20))
    as_alice.get("/api/v1/trends/")
    as_bob.get("/api/v1/trends/")
    alice.refresh_from_db()
    bob.refresh_from_db()
    today = dt.date(2026, 11, 24)
    alices = trends_cache_key(patient=alice, date_from=None, date_to=today, rule="preempt_4h")
    bobs = trends_cache_key(patient=bob, date_from=None, date_to=today, rule="preempt_4h")
    assert cache.get(alices) is not None

    as_alice.delete("/api/v1/me/", {"password": factories.PASSWORD}, format="json")

    assert cache.get(alices) is None
    assert cache.get(bobs) is not None


def test_erasing_an_account_keeps_admin_actions_but_not_whose_they_were(alice, bob):
    staff = factories.UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    day = factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 11, 1))
    for obj in (alice.user, alice, day, bob.user):
        LogEntry.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=f"{obj} of alice@example.org" if obj != bob.user else str(obj),
            action_flag=CHANGE,
            change_message="Changed display name for alice@example.org.",
        )

    services.account_erase(user=alice.user)

    entries = list(LogEntry.objects.order_by("pk").values_list("object_repr", "change_message"))
    assert len(entries) == 4
    assert "alice" not in json.dumps(entries[:3]).lower()
    assert entries[3][0] == str(bob.user)


@time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_export_holds_imports_calendar_feed_reminders_and_baseline(alice, as_alice):
    upload = SimpleUploadedFile(
        "diary.csv", b"date,headache,severity,hours\n2026-11-01,yes,2,5\n", content_type="text/csv"
    )
    as_alice.post("/api/v1/me/imports/", {"file": upload}, format="multipart")
    as_alice.post("/api/v1/me/calendar-feed/")
    TreatmentBaseline.objects.create(
        patient=alice,
        first_injection_date=dt.date(2026, 10, 1),
        window_start=dt.date(2026, 9, 3),
        window_end=dt.date(2026, 9, 30),
        logged_days=28,
        counts={"preempt_4h": {"headache_days": 18, "migraine_days": 12}},
    )
    OutgoingMessage.objects.create(
        user=alice.user,
        kind="diary_reminder",
        key="2026-11-23",
        channel="email",
        created_at=dt.datetime(2026, 11, 23, 20, 0, tzinfo=dt.UTC),
        expires_at=dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC),
    )

    data = as_alice.get("/api/v1/me/export/").json()

    [diary_import] = data["imports"]
    assert diary_import["file_name"] == "diary.csv"
    assert diary_import["days"][0]["date"] == "2026-11-01"
    assert data["calendar_feed"]["created_at"].startswith("2026-11-24")
    assert "next_slot_at" in data["reminders"]
    assert [m["key"] for m in data["reminders"]["messages"]] == ["2026-11-23"]
    assert data["treatment_baseline"]["first_injection_date"] == "2026-10-01"
    assert "recalled_baseline_source" in data


def test_the_export_holds_every_treatment_courses_baseline(alice, as_alice):
    for first_injection, headache_days in ((dt.date(2024, 3, 4), 20), (dt.date(2026, 2, 2), 17)):
        TreatmentBaseline.objects.create(
            patient=alice,
            first_injection_date=first_injection,
            window_start=first_injection - dt.timedelta(days=28),
            window_end=first_injection - dt.timedelta(days=1),
            logged_days=28,
            counts={"preempt_4h": {"headache_days": headache_days}},
        )

    data = as_alice.get("/api/v1/me/export/").json()

    assert [b["first_injection_date"] for b in data["treatment_baselines"]] == [
        "2024-03-04",
        "2026-02-02",
    ]
    assert data["treatment_baseline"]["first_injection_date"] == "2024-03-04"


def test_the_export_holds_corrected_and_voided_injection_records(alice, carol, as_alice):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 9, 7))
    services.injection_session_update(
        session=session, changed_by=carol.user, changes={"lot": "C4821"}, sites=None
    )
    services.injection_session_void(
        session=session, voided_by=carol.user, reason="Entered for the wrong patient"
    )

    data = as_alice.get("/api/v1/me/export/").json()

    assert data["injections"] == []
    [voided] = data["voided_injections"]
    assert voided["void_reason"] == "Entered for the wrong patient"
    changes = [v["change"] for v in data["injection_versions"] if v["session_id"] == session.pk]
    assert changes[-1] == "voided"
    assert len(changes) >= 2
