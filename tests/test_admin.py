"""Support staff's edits in the admin reach the patient's trends and the next scan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from diary.models import DiaryDay, PatientProfile
from tests import factories

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
