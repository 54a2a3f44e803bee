from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from diary.demo import DEMO_CLINICIAN_EMAIL, DEMO_PATIENT_EMAIL, seed_demo
from diary.models import (
    Clinic,
    ClinicianProfile,
    ClinicMember,
    DiaryDay,
    InjectionSession,
    PatientProfile,
    ReviewFlag,
    User,
)


def test_create_clinician_takes_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "a-long-clinic-password")

    call_command("create_clinician", "--email", "dr.who@clinic.example.org", "--noinput")

    user = User.objects.get(email="dr.who@clinic.example.org")
    assert user.role == "clinician"
    assert user.check_password("a-long-clinic-password")


def test_create_clinician_with_a_clinic_creates_it_once_and_adds_each_member(db, monkeypatch):
    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "a-long-clinic-password")

    call_command(
        "create_clinician", "--email", "dr.who@clinic.example.org", "--clinic", "Leeds", "--noinput"
    )
    call_command(
        "create_clinician",
        "--email",
        "nurse.nora@clinic.example.org",
        "--clinic",
        "Leeds",
        "--role",
        "nurse",
        "--noinput",
    )

    clinic = Clinic.objects.get(name="Leeds")
    assert sorted((m.clinician.user.email, m.role) for m in clinic.members.all()) == [
        ("dr.who@clinic.example.org", "clinician"),
        ("nurse.nora@clinic.example.org", "nurse"),
    ]


def test_create_clinician_without_a_clinic_gets_a_clinic_of_their_own(db, monkeypatch):
    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "a-long-clinic-password")

    call_command("create_clinician", "--email", "dr.who@clinic.example.org", "--noinput")
    call_command("create_clinician", "--email", "dr.no@clinic.example.org", "--noinput")

    who = ClinicMember.objects.get(clinician__user__email="dr.who@clinic.example.org")
    no = ClinicMember.objects.get(clinician__user__email="dr.no@clinic.example.org")
    assert who.clinic != no.clinic
    assert (who.role, who.clinic.members.count()) == ("clinician", 1)


def test_create_clinician_refuses_an_unknown_role(db, monkeypatch):
    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "a-long-clinic-password")

    with pytest.raises(CommandError, match="role"):
        call_command(
            "create_clinician", "--email", "x@clinic.example.org", "--role", "surgeon", "--noinput"
        )
    assert not ClinicianProfile.objects.exists()


def test_create_clinician_without_a_password_fails_clearly(db, monkeypatch):
    monkeypatch.delenv("DJANGO_CLINICIAN_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="DJANGO_CLINICIAN_PASSWORD"):
        call_command("create_clinician", "--email", "dr.who@clinic.example.org", "--noinput")


def test_create_clinician_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "password")

    with pytest.raises(CommandError):
        call_command("create_clinician", "--email", "dr.who@clinic.example.org", "--noinput")
    assert not ClinicianProfile.objects.exists()


def test_create_clinician_refuses_a_taken_email(alice, monkeypatch):
    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "a-long-clinic-password")

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_clinician", "--email", "alice@example.org", "--noinput")


def test_seed_demo_makes_a_linked_patient_with_a_year_and_four_cycles(db):
    seed_demo(today=dt.date(2026, 11, 24))

    patient = PatientProfile.objects.get(user__email=DEMO_PATIENT_EMAIL)
    clinician = ClinicianProfile.objects.get(user__email=DEMO_CLINICIAN_EMAIL)
    days = DiaryDay.objects.filter(patient=patient)
    assert 320 <= days.count() <= 365
    assert days.order_by("date").first().date >= dt.date(2025, 11, 24)
    assert InjectionSession.objects.filter(patient=patient).count() == 4
    assert patient.care_links.active().filter(clinician=clinician).exists()


def test_seed_demo_headaches_come_back_in_weeks_10_to_12(db):
    seed_demo(today=dt.date(2026, 11, 24))
    patient = PatientProfile.objects.get(user__email=DEMO_PATIENT_EMAIL)

    plateau = end = plateau_logged = end_logged = 0
    injections = list(patient.injection_sessions.values_list("date", flat=True))
    for day in patient.diary_days.all():
        started = [injected for injected in injections if injected <= day.date]
        if not started:
            continue
        week = (day.date - started[-1]).days // 7 + 1
        if 3 <= week <= 9:
            plateau_logged += 1
            plateau += day.headache
        elif week >= 10:
            end_logged += 1
            end += day.headache
    assert end / end_logged > 2 * plateau / plateau_logged


def test_seed_demo_is_idempotent(db):
    seed_demo(today=dt.date(2026, 11, 24))
    count = DiaryDay.objects.count()

    call_command("seed_demo")

    assert DiaryDay.objects.count() == count
    assert User.objects.filter(email=DEMO_PATIENT_EMAIL).count() == 1


def test_the_seeded_demo_patient_is_flagged_for_wear_off_for_the_demo_clinician(db):
    call_command("seed_demo")

    flags = ReviewFlag.objects.filter(patient__user__email=DEMO_PATIENT_EMAIL, status="open")
    assert "wear_off" in set(flags.values_list("kind", flat=True))
    wear_off = flags.get(kind="wear_off")
    assert len(wear_off.evidence["wear_off_cycles"]) >= 2
