"""Demo data: a patient with a year of diary and four cycles that wear off in weeks 10-12."""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from diary import paradigms, services
from diary.models import (
    ClinicianProfile,
    DiaryDay,
    Medication,
    MedicationIntake,
    PatientProfile,
    SideEffectReport,
    User,
)

DEMO_PATIENT_EMAIL = "demo.patient@example.org"
DEMO_CLINICIAN_EMAIL = "demo.clinician@example.org"
DEMO_PASSWORD = "demo-diary-2026"  # noqa: S105 - a published demo account, local use only
DEMO_TIMEZONE = "Europe/London"
# When a diligent patient fills in the day: the evening, in their own zone. The demo's days are
# written in one bulk insert; stamped with that moment they would all read as typed in after
# the first injection, and the baseline as a retrospective diary.
LOGGED_AT = time(21, 0)
DIARY_DAYS = 365
CYCLES = 4
CYCLE_DAYS = 84
# The first injection falls so that the fourth cycle is in its last week today.
FIRST_INJECTION_DAYS_AGO = 330
MISSING_DAY_CHANCE = 0.05


@dataclass(frozen=True)
class DemoAccounts:
    patient: PatientProfile
    clinician: ClinicianProfile
    created: bool


def _user(email: str, display_name: str, timezone: str) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": display_name, "timezone": timezone}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, created


def headache_chance(*, cycle_day: int | None) -> float:
    """How likely a headache is on a day, by where it falls in the treatment cycle."""
    if cycle_day is None:
        return 0.65  # chronic migraine before treatment: about 18 of 28 days
    week = cycle_day // 7 + 1
    if week == 1:
        return 0.5 if cycle_day <= 3 else 0.4  # post-injection flare from the needles
    if week == 2:
        return 0.35
    if week <= 9:
        return 0.22
    return 0.7  # wear-off in weeks 10-12


def _diary_rows(
    *, patient: PatientProfile, today: date, injections: list[date], rng: random.Random
) -> tuple[list[DiaryDay], list[tuple[date, str]]]:
    triptan = Medication.objects.get(name="Sumatriptan", owner=None)
    paracetamol = Medication.objects.get(name="Paracetamol (acetaminophen)", owner=None)
    days: list[DiaryDay] = []
    intakes: list[tuple[date, str]] = []
    zone = zoneinfo.ZoneInfo(DEMO_TIMEZONE)
    now = timezone.now()
    for offset in range(DIARY_DAYS, 0, -1):
        day = today - timedelta(days=offset)
        if rng.random() < MISSING_DAY_CHANCE:
            continue
        logged = min(datetime.combine(day, LOGGED_AT, tzinfo=zone), now)
        started = [injected for injected in injections if injected <= day]
        cycle_day = (day - started[-1]).days if started else None
        if rng.random() >= headache_chance(cycle_day=cycle_day):
            days.append(
                DiaryDay(
                    patient=patient, date=day, headache=False, created_at=logged, updated_at=logged
                )
            )
            continue
        severity = rng.choices([1, 2, 3], weights=[3, 5, 2])[0]
        migrainous = severity >= 2 and rng.random() < 0.8
        days.append(
            DiaryDay(
                patient=patient,
                date=day,
                headache=True,
                duration_hours=Decimal(rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 16, 24])),
                peak_severity=severity,
                unilateral=migrainous and rng.random() < 0.7,
                pulsating=migrainous,
                aggravated_by_activity=migrainous and rng.random() < 0.6,
                nausea=migrainous and rng.random() < 0.6,
                photophobia=migrainous,
                phonophobia=migrainous and rng.random() < 0.8,
                aura=rng.random() < 0.05,
                disability=min(3, severity + rng.choice([-1, 0, 0, 1]) if severity > 1 else 1),
                notes="",
                created_at=logged,
                updated_at=logged,
            )
        )
        if severity >= 2 and rng.random() < 0.6:
            intakes.append((day, triptan.name))
        elif rng.random() < 0.5:
            intakes.append((day, paracetamol.name))
    return days, intakes


@transaction.atomic
def seed_demo(*, today: date, seed: int = 2026) -> DemoAccounts:
    patient_user, patient_created = _user(DEMO_PATIENT_EMAIL, "Demo Patient", DEMO_TIMEZONE)
    clinician_user, _ = _user(DEMO_CLINICIAN_EMAIL, "Dr Demo Clinician", DEMO_TIMEZONE)
    patient = services.patient_profile_create(user=patient_user)
    # A year of diary and its sessions are already there: the first run would ask for them again.
    if not patient.onboarded:
        patient.onboarded = True
        patient.save(update_fields=["onboarded"])
    clinician, _ = ClinicianProfile.objects.get_or_create(
        user=clinician_user, defaults={"clinic": "Demo headache clinic"}
    )
    if not patient.care_links.active().filter(clinician=clinician).exists():
        _, code = services.care_link_create(patient=patient)
        services.care_link_redeem(clinician=clinician, code=code)

    if patient.diary_days.exists():
        return DemoAccounts(patient=patient, clinician=clinician, created=False)

    rng = random.Random(seed)
    injections = [
        today - timedelta(days=FIRST_INJECTION_DAYS_AGO - cycle * CYCLE_DAYS)
        for cycle in range(CYCLES)
    ]
    sessions = [
        services.injection_session_record(
            patient=patient,
            recorded_by=clinician_user,
            injected_on=injected_on,
            total_units=paradigms.PREEMPT_TOTAL_UNITS,
            paradigm="preempt",
            sites=[],
            injector="Dr Demo Clinician",
            lot=f"C{rng.randint(1000, 9999)}",
            planned_interval_weeks=paradigms.STANDARD_INTERVAL_WEEKS,
        )
        for injected_on in injections
    ]
    # The injections run oldest first.
    first_session = sessions[0]
    SideEffectReport.objects.create(
        session=first_session,
        kind="neck_pain",
        onset_date=first_session.date + timedelta(days=3),
        severity=1,
        notes="Stiff neck for a week.",
        reported_by=patient_user,
    )

    days, intakes = _diary_rows(patient=patient, today=today, injections=injections, rng=rng)
    DiaryDay.objects.bulk_create(days)
    saved = dict(patient.diary_days.values_list("date", "id"))
    medications = dict(Medication.objects.filter(owner=None).values_list("name", "id"))
    MedicationIntake.objects.bulk_create(
        MedicationIntake(
            diary_day_id=saved[day],
            patient=patient,
            medication_id=medications[name],
            doses=1,
        )
        for day, name in intakes
    )
    services.patient_data_changed(patient=patient)
    return DemoAccounts(patient=patient, clinician=clinician, created=patient_created)
