"""The nightly scan's Celery side: bounded chunks, each scanning its patients once per night."""

from __future__ import annotations

from django.conf import settings

from diary import tasks
from diary.models import PatientProfile
from diary.reminders import services
from tests import factories


def test_patient_ids_are_split_into_bounded_chunks_covering_each_once():
    chunks = list(services.id_chunks(range(1, 121), size=50))
    assert [len(chunk) for chunk in chunks] == [50, 50, 20]
    assert [i for chunk in chunks for i in chunk] == list(range(1, 121))
    assert list(services.id_chunks([], size=50)) == []


def test_a_chunk_is_killed_long_before_redis_would_hand_it_to_another_worker():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert tasks.scan_patients_chunk.time_limit < visibility / 2
    assert tasks.scan_patients_chunk.soft_time_limit < tasks.scan_patients_chunk.time_limit


def test_each_night_is_claimed_once(db):
    assert services.scheduled_run_claim(job="nightly_scan", period="2026-06-01")
    assert not services.scheduled_run_claim(job="nightly_scan", period="2026-06-01")
    assert services.scheduled_run_claim(job="nightly_scan", period="2026-06-02")


def test_a_chunk_scans_each_of_its_patients(db):
    patients = [factories.PatientFactory() for _ in range(3)]
    other = factories.PatientFactory()
    ids = [patient.pk for patient in patients]
    assert tasks.scan_patients_chunk.run(ids) == 3
    assert tasks.scan_patients_chunk.run(ids) == 3  # a redelivered chunk is harmless
    scanned = PatientProfile.objects.filter(last_scanned_at__isnull=False)
    assert set(scanned.values_list("pk", flat=True)) == set(ids)
    assert other.pk not in ids
