"""The chunk task against the real analytics scan (skips until diary/analytics/scan.py lands)."""

from __future__ import annotations

import pytest

from diary.models import PatientProfile
from diary.reminders import tasks
from tests import factories

pytest.importorskip("diary.analytics.scan")


def test_a_chunk_scans_each_of_its_patients(db):
    patients = [factories.PatientFactory() for _ in range(3)]
    other = factories.PatientFactory()
    ids = [patient.pk for patient in patients]
    assert tasks.scan_patients_chunk.run(ids) == 3
    assert tasks.scan_patients_chunk.run(ids) == 3  # a redelivered chunk is harmless
    scanned = PatientProfile.objects.filter(last_scanned_at__isnull=False)
    assert set(scanned.values_list("pk", flat=True)) == set(ids)
    assert other.pk not in ids
