"""The nightly scan's Celery side: chunks small enough to finish inside the visibility timeout."""

from __future__ import annotations

from django.conf import settings

from diary.reminders import services, tasks


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
