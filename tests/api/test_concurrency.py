"""Phones retry: the same day PUT many times at once must leave one row and no errors."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from diary.models import DiaryDay, MedicationIntake
from tests import factories
from tests.conftest import client_for

DAY = (dt.date.today() - dt.timedelta(days=2)).isoformat()
BODY = {
    "headache": True,
    "duration_hours": 8,
    "peak_severity": 2,
    "features": {"pulsating": True, "nausea": True},
    "medications": [{"medication": "Rizatriptan", "doses": 1}],
}


def put_in_own_connection(user, day: str, body: dict) -> int:
    try:
        return client_for(user).put(f"/api/v1/diary/{day}/", body, format="json").status_code
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_puts_at_once_give_one_row_and_no_server_error():
    patient = factories.PatientFactory(user__timezone="UTC")

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda _: put_in_own_connection(patient.user, DAY, BODY), range(20))
        )

    assert all(status in (200, 201) for status in statuses), statuses
    assert statuses.count(201) == 1
    assert DiaryDay.objects.filter(patient=patient).count() == 1
    assert MedicationIntake.objects.filter(diary_day__patient=patient).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_replayed_offline_queue_leaves_each_day_once_with_the_latest_content():
    patient = factories.PatientFactory(user__timezone="UTC")
    start = dt.date.today() - dt.timedelta(days=40)
    days = [(start + dt.timedelta(days=n)).isoformat() for n in range(30)]
    first = [(day, {"headache": False}) for day in days]
    latest = [(day, {**BODY, "notes": f"final {day}"}) for day in days]
    # The old queue replays out of order, then the newest versions arrive.
    for day, body in reversed(first):
        put_in_own_connection(patient.user, day, body)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda item: put_in_own_connection(patient.user, *item), latest))

    assert set(statuses) == {200}
    saved = DiaryDay.objects.filter(patient=patient)
    assert saved.count() == 30
    assert {day.notes for day in saved} == {f"final {day}" for day in days}
