"""Diaries stored through the factories, written one character a day like ``diaries.py``."""

from __future__ import annotations

from datetime import date, timedelta

from diary import models
from tests import factories

MEDICINES = {"T": "Sumatriptan", "S": "Ibuprofen", "O": "Codeine"}


def log_days(patient: models.PatientProfile, start: date, pattern: str) -> list[models.DiaryDay]:
    """``.`` headache-free, ``H`` migraine of 6 h, ``T``/``S``/``O`` the same treated with
    sumatriptan, ibuprofen or codeine, ``-`` missing; spaces ignored. One bulk insert."""
    built = []
    medicines = []
    for offset, kind in enumerate(pattern.replace(" ", "")):
        if kind == "-":
            continue
        factory = factories.DiaryDayFactory if kind == "." else factories.HeadacheDayFactory
        built.append(factory.build(patient=patient, date=start + timedelta(days=offset)))
        medicines.append(MEDICINES.get(kind))
    days = models.DiaryDay.objects.bulk_create(built)
    by_name = {name: factories.medication(name) for name in set(filter(None, medicines))}
    models.MedicationIntake.objects.bulk_create(
        models.MedicationIntake(diary_day=day, patient=patient, medication=by_name[name], doses=1)
        for day, name in zip(days, medicines, strict=True)
        if name
    )
    return days


def inject(patient: models.PatientProfile, *dates: date) -> None:
    for day in dates:
        factories.InjectionSessionFactory(patient=patient, date=day)
