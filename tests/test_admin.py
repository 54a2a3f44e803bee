"""Support staff's edits in the admin reach the patient's trends and the next scan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client

from diary.models import AccessEvent, CareLink, DiaryDay, PatientProfile
from tests import factories
from tests.clinic.conftest import totp_code

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = factories.UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    factories.force_login_with_second_factor(client, staff)
    return client


@pytest.fixture
def logged_day(alice) -> DiaryDay:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        return factories.DiaryDayFactory(patient=alice, date=date(2026, 5, 30))


def data_changed_at(patient: PatientProfile) -> datetime:
    patient.refresh_from_db()
    return patient.data_changed_at


def test_deleting_a_day_in_the_admin_marks_the_patient_changed(staff_client, alice, logged_day):
    with time_machine.travel(NOW, tick=False):
        response = staff_client.post(
            f"/admin/diary/diaryday/{logged_day.pk}/delete/", {"post": "yes"}
        )

    assert response.status_code == 302
    assert not DiaryDay.objects.filter(pk=logged_day.pk).exists()
    assert data_changed_at(alice) == NOW


def test_deleting_days_in_bulk_in_the_admin_marks_their_patients_changed(
    staff_client, alice, logged_day
):
    with time_machine.travel(NOW, tick=False):
        staff_client.post(
            "/admin/diary/diaryday/",
            {"action": "delete_selected", "_selected_action": [logged_day.pk], "post": "yes"},
        )

    assert not DiaryDay.objects.filter(pk=logged_day.pk).exists()
    assert data_changed_at(alice) == NOW


def test_correcting_a_day_in_the_admin_marks_the_patient_changed(staff_client, alice, logged_day):
    with time_machine.travel(NOW, tick=False):
        response = staff_client.post(
            f"/admin/diary/diaryday/{logged_day.pk}/change/",
            {
                "patient": alice.pk,
                "date": "2026-05-30",
                "headache": "on",
                "duration_hours": "6",
                "peak_severity": "3",
                "disability": "2",
                "notes": "Corrected by support at the patient's request",
                "revision": logged_day.revision,
                "created_at_0": "2026-05-31",
                "created_at_1": "12:00:00",
                "updated_at_0": "2026-05-31",
                "updated_at_1": "12:00:00",
                "intakes-TOTAL_FORMS": "0",
                "intakes-INITIAL_FORMS": "0",
                "intakes-MIN_NUM_FORMS": "0",
                "intakes-MAX_NUM_FORMS": "1000",
            },
        )

    assert response.status_code == 302
    assert DiaryDay.objects.get(pk=logged_day.pk).peak_severity == 3
    assert data_changed_at(alice) == NOW


# The admin is behind the same sign-in rules, audited, and cannot link (issue 15, item 7) -------


@pytest.fixture
def staff(db):
    user = factories.UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=user, type="totp", data=factories.totp_data())
    return user


def admin_password_step(client: Client, password: str = factories.PASSWORD):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "staff@example.org", "password": password}
    )


def test_the_admin_asks_for_the_second_factor_after_the_password(staff):
    client = Client()

    response = admin_password_step(client)

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
    assert client.get("/admin/").status_code == 302
    response = client.post("/admin/login/", {"code": totp_code(), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_refuses_a_session_signed_in_with_the_password_only(staff):
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_sign_in_is_rate_limited_per_account(staff):
    client = Client()
    for attempt in range(5):
        admin_password_step(client, f"wrong-{attempt}")

    response = admin_password_step(client)

    assert "Too many failed sign-ins" in response.content.decode()
    assert 'name="code"' not in response.content.decode()


def test_an_admin_view_of_a_patients_day_is_in_the_patients_access_log(
    staff_client, alice, logged_day
):
    staff_client.get(f"/admin/diary/diaryday/{logged_day.pk}/change/")
    staff_client.get("/admin/diary/diaryday/")

    assert sorted(AccessEvent.objects.filter(patient=alice).values_list("resource", flat=True)) == [
        "GET /admin/diary/diaryday/",
        f"GET /admin/diary/diaryday/{logged_day.pk}/change/",
    ]
    assert AccessEvent.objects.filter(actor_email="staff@example.org").count() == 2


def test_the_admin_cannot_link_a_clinician_to_a_patient(staff_client, alice, dave):
    response = staff_client.post(
        "/admin/diary/carelink/add/",
        {"patient": alice.pk, "clinician": dave.pk, "status": "active"},
    )

    assert response.status_code == 403
    assert not CareLink.objects.filter(clinician=dave).exists()
