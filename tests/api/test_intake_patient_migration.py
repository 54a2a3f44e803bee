"""Each medicine intake names its day's patient (migration 0018), on every way it is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from diary import models
from tests import factories
from tests.conftest import client_for
from tests.migrations import migrated_back_to

BEFORE = ("diary", "0017_database_defaults_for_clinic_columns")
AFTER = ("diary", "0018_intake_patient")


def test_stored_intakes_get_the_patient_of_their_day(transactional_db):
    with migrated_back_to(BEFORE) as migrator:
        apps = migrator.loader.project_state([BEFORE]).apps
        medicine = apps.get_model("diary", "Medication").objects.create(
            name="Migration test triptan", medication_class="triptan"
        )
        patients = []
        for email in ("one@example.org", "two@example.org"):
            user = apps.get_model("diary", "User").objects.create(email=email)
            patient = apps.get_model("diary", "PatientProfile").objects.create(user=user)
            day = apps.get_model("diary", "DiaryDay").objects.create(
                patient=patient,
                date=dt.date(2026, 11, 1),
                headache=True,
                peak_severity=2,
                duration_hours=5,
            )
            apps.get_model("diary", "MedicationIntake").objects.create(
                diary_day=day, medication=medicine, doses=1
            )
            patients.append(patient.pk)

        migrator.loader.build_graph()
        migrator.migrate([AFTER])

        after = migrator.loader.project_state([AFTER]).apps.get_model("diary", "MedicationIntake")
        stored = after.objects.order_by("id").values_list("patient_id", "diary_day__patient_id")
        assert [patient for patient, _ in stored] == patients
        assert all(patient == day_patient for patient, day_patient in stored)


def intakes_match_their_days() -> bool:
    return not models.MedicationIntake.objects.exclude(
        patient_id=F("diary_day__patient_id")
    ).exists()


@pytest.mark.django_db
def test_a_day_logged_through_the_api_names_its_patient_on_each_intake():
    patient = factories.PatientFactory()
    factories.medication("Sumatriptan")
    response = client_for(patient.user).put(
        "/api/v1/diary/2026-11-01/",
        {
            "headache": True,
            "peak_severity": 2,
            "duration_band": "4_h_or_more",
            "medications": [{"medication": "Sumatriptan", "doses": 1}],
        },
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    assert models.MedicationIntake.objects.filter(patient=patient).count() == 1
    assert intakes_match_their_days()


@pytest.mark.django_db
def test_an_intake_saved_without_its_patient_takes_the_days():
    day = factories.HeadacheDayFactory(date=dt.date(2026, 11, 1))
    intake = models.MedicationIntake.objects.create(
        diary_day=day, medication=factories.medication("Ibuprofen")
    )
    assert intake.patient_id == day.patient_id
