"""The data migration that marks headaches stored without a duration (issue 16 item 9)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from diary.models import DiaryDay
from tests.migrations import migrated_back_to

BEFORE = ("diary", "0009_single_member_clinics")
AFTER = ("diary", "0010_duration_bands_day_versions_first_run")


def test_stored_headaches_without_a_duration_become_duration_unknown(transactional_db):
    with migrated_back_to(BEFORE) as migrator:
        apps = migrator.loader.project_state([BEFORE]).apps
        user = apps.get_model("diary", "User").objects.create(email="old@example.org")
        patient = apps.get_model("diary", "PatientProfile").objects.create(user=user)
        DiaryDay = apps.get_model("diary", "DiaryDay")
        for day, headache, hours in ((1, True, None), (2, True, 5), (3, False, None)):
            DiaryDay.objects.create(
                patient=patient,
                date=dt.date(2026, 11, day),
                headache=headache,
                duration_hours=hours,
                peak_severity=2 if headache else 0,
            )

        migrator.loader.build_graph()
        migrator.migrate([AFTER])

        after = migrator.loader.project_state([AFTER]).apps.get_model("diary", "DiaryDay")
        known = dict(after.objects.order_by("date").values_list("date__day", "duration_known"))
        assert known == {1: False, 2: True, 3: True}


def test_a_day_written_by_raw_sql_without_the_new_columns_gets_their_defaults(alice):
    # The bench loads days with COPY naming only the columns it knows.
    now = timezone.now()
    values = {
        "patient_id": alice.pk,
        "date": dt.date(2026, 11, 2),
        "headache": True,
        "duration_hours": 5,
        "peak_severity": 2,
        **dict.fromkeys(DiaryDay.FEATURES, False),
        "disability": 0,
        "notes": "",
        "revision": 1,
        "created_at": now,
        "updated_at": now,
    }
    columns, placeholders = ", ".join(values), ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DiaryDay._meta.db_table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            list(values.values()),
        )

    day = DiaryDay.objects.get(patient=alice)
    assert (day.duration_band, day.duration_known, day.menstruation) == ("", True, None)
