"""The nightly scan: flags opened once, with evidence, for the patients who need review."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diary import models, services
from diary import scan as scan_module
from diary.scan import patient_ids_due_for_scan, scan_patient, scan_patients
from diary.timelines import ConnectionBusy, PackedDiaryRead, _packed_diaries_sql
from tests import factories
from tests.analytics.records import inject, log_days
from tests.conftest import client_for
from tests.reminders.test_concurrency import run_at_once

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def demo_cycle(rng: random.Random) -> str:
    """12 weeks: a flare in week 1, a plateau near 25 %, about 70 % in weeks 10-12."""
    days = []
    for offset in range(84):
        if offset < 7:
            rate = 0.5
        elif offset < 63:
            rate = 0.25
        else:
            rate = 0.7
        if rng.random() < 0.04:
            days.append("-")
        else:
            days.append("T" if rng.random() < rate else ".")
    return "".join(days)


def demo_patient() -> models.PatientProfile:
    """Like ``seed_demo``: a year of diary, four 12-week cycles, headaches back in weeks 10-12."""
    patient = factories.PatientFactory()
    rng = random.Random(2026)
    start = TODAY - timedelta(days=364)
    first = start + timedelta(days=28)
    baseline = "".join("H" if rng.random() < 0.72 else "." for _ in range(28))
    log_days(patient, start, baseline + "".join(demo_cycle(rng) for _ in range(4)))
    inject(patient, *(first + timedelta(weeks=12 * n) for n in range(4)))
    return patient


def test_the_demo_patient_gets_one_wear_off_flag_and_a_rescan_does_not_duplicate_it():
    patient = demo_patient()

    flags = scan_patient(patient=patient, today=TODAY)

    wear_off = [flag for flag in flags if flag.kind == models.FlagKind.WEAR_OFF]
    assert len(wear_off) == 1
    evidence = wear_off[0].evidence
    assert len(evidence["wear_off_cycles"]) >= 2
    first_cycle = evidence["cycles"][0]
    assert first_cycle["plateau_logged_days"] >= 21
    assert first_cycle["end_rate"] > first_cycle["plateau_rate"]
    assert first_cycle["p_value"] is not None
    # A responder whose headaches come back at the end of each cycle: nothing else to review.
    assert {flag.kind for flag in flags} == {models.FlagKind.WEAR_OFF}

    scan_patient(patient=patient, today=TODAY + timedelta(days=1))
    assert models.ReviewFlag.objects.filter(patient=patient, kind="wear_off").count() == 1


def test_a_rescan_refreshes_the_evidence_of_the_flag_under_review():
    patient = demo_patient()
    scan_patient(patient=patient, today=TODAY)

    scan_patient(patient=patient, today=TODAY + timedelta(days=1))

    flag = models.ReviewFlag.objects.get(patient=patient, kind="wear_off")
    assert flag.evidence["as_of"] == (TODAY + timedelta(days=1)).isoformat()


def test_a_dismissed_wear_off_flag_comes_back_only_when_a_new_cycle_adds_evidence():
    patient = demo_patient()
    flag = scan_patient(patient=patient, today=TODAY)[0]
    flag.status = models.FlagStatus.DISMISSED
    flag.save(update_fields=["status"])

    # The same three cycles, night after night, while the fourth is still running.
    for night in range(1, 6):
        assert scan_patient(patient=patient, today=TODAY + timedelta(days=night)) == []
    assert models.ReviewFlag.objects.filter(patient=patient, kind="wear_off").count() == 1

    # Day 90 of the fourth cycle: its end window closes and adds a cycle to the evidence.
    flags = scan_patient(patient=patient, today=TODAY + timedelta(days=6))
    assert [f.kind for f in flags] == [models.FlagKind.WEAR_OFF]
    assert flags[0].evidence["assessed_cycles"] == [1, 2, 3, 4]


def close(flag: models.ReviewFlag, status: str = models.FlagStatus.RESOLVED) -> None:
    flag.status = status
    flag.save(update_fields=["status"])


def kinds_flagged(patient: models.PatientProfile, today: date) -> list[str]:
    return [flag.kind for flag in scan_patient(patient=patient, today=today)]


def flag_found(patient: models.PatientProfile, kind: str) -> models.ReviewFlag:
    return next(flag for flag in scan_patient(patient=patient, today=TODAY) if flag.kind == kind)


def triptans_on_12_days_a_month_since_january() -> models.PatientProfile:
    patient = factories.PatientFactory()
    for month in range(1, 6):
        log_days(patient, date(2026, month, 1), "T." * 12)
    return patient


def non_responder_after_two_cycles() -> models.PatientProfile:
    patient = factories.PatientFactory()
    first = TODAY - timedelta(weeks=24)
    log_days(patient, first - timedelta(days=28), "HHHH...H" * 40)
    inject(patient, first, first + timedelta(weeks=12), first + timedelta(weeks=24))
    return patient


def test_a_resolved_non_response_flag_comes_back_only_when_a_later_cycle_is_judged():
    patient = non_responder_after_two_cycles()
    flag = flag_found(patient, "non_response")
    assert flag.evidence["after_cycle"] == 2
    close(flag)

    # Cycle 3 running: the same verdict after cycle 2, night after night.
    for night in (1, 30, 70):
        kinds = kinds_flagged(patient, TODAY + timedelta(days=night))
        assert "non_response" not in kinds

    # Cycle 3's window has closed: a new judgement, a new flag.
    kinds = kinds_flagged(patient, TODAY + timedelta(weeks=12))
    assert "non_response" in kinds
    new = models.ReviewFlag.objects.get(patient=patient, kind="non_response", status="open")
    assert new.evidence["after_cycle"] == 3


def test_a_resolved_adherence_flag_is_asked_again_only_after_a_new_28_day_window():
    patient = factories.PatientFactory()
    first = TODAY - timedelta(weeks=6)
    log_days(patient, first - timedelta(days=28), "H" * 28 + "." * 14)
    inject(patient, first)
    flag = flag_found(patient, "low_adherence")
    close(flag)

    for night in (1, 14, 27):
        kinds = kinds_flagged(patient, TODAY + timedelta(days=night))
        assert "low_adherence" not in kinds
    kinds = kinds_flagged(patient, TODAY + timedelta(days=28))
    assert "low_adherence" in kinds


def test_a_dismissed_overuse_flag_comes_back_only_with_a_later_month_over_the_limit():
    patient = triptans_on_12_days_a_month_since_january()
    flag = flag_found(patient, "medication_overuse")
    close(flag, models.FlagStatus.DISMISSED)

    kinds = kinds_flagged(patient, TODAY + timedelta(days=1))
    assert "medication_overuse" not in kinds

    log_days(patient, date(2026, 6, 1), "T." * 12)
    kinds = kinds_flagged(patient, date(2026, 7, 2))
    assert "medication_overuse" in kinds


def test_a_flag_whose_condition_no_longer_holds_says_so_beside_its_evidence():
    patient = triptans_on_12_days_a_month_since_january()
    flag = flag_found(patient, "medication_overuse")
    # May corrected: the triptans were taken on 4 days only.
    models.MedicationIntake.objects.filter(
        diary_day__patient=patient, diary_day__date__gte=date(2026, 5, 9)
    ).delete()

    scan_patient(patient=patient, today=TODAY + timedelta(days=1))

    flag.refresh_from_db()
    assert flag.status == models.FlagStatus.OPEN
    said = flag.evidence["no_longer_met"]
    assert said["as_of"] == NOW.date().isoformat()
    assert said["summary"].startswith("No ICHD-3 8.2 threshold met")
    assert flag.evidence["months_over_threshold"] == 4  # what was found stays


def test_a_flag_no_longer_met_is_not_rewritten_every_night():
    patient = factories.PatientFactory()
    flag = services.review_flag_open(
        patient=patient, kind="low_adherence", evidence={"summary": "5 of the last 28 days"}
    )
    scan_patient(patient=patient, today=TODAY)
    flag.refresh_from_db()
    first = flag.evidence["no_longer_met"]
    assert first["summary"] == "0 of the last 28 days logged; not in treatment."
    stamp = flag.updated_at

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        scan_patient(patient=patient, today=TODAY + timedelta(days=1))
    flag.refresh_from_db()
    assert flag.evidence["no_longer_met"] == first
    assert flag.updated_at == stamp


def test_one_scan_flags_each_patient_who_needs_review_and_no_one_else():
    wearing_off = [demo_patient(), demo_patient()]
    steady = factories.PatientFactory()
    log_days(steady, TODAY - timedelta(days=60), "." * 60)

    summary = scan_patients(today=TODAY)

    flagged = set(models.ReviewFlag.objects.values_list("patient_id", flat=True))
    assert flagged == {patient.pk for patient in wearing_off}
    assert summary.scanned == 3
    assert summary.flags == {"wear_off": 2}


def a_clinic() -> list[models.PatientProfile]:
    """Patients with something to flag, one with nothing, and one with no diary at all."""
    non_responder = factories.PatientFactory()
    first = TODAY - timedelta(weeks=24)
    log_days(non_responder, first - timedelta(days=28), "HHHH...H" * 22 + "HHHH")
    inject(non_responder, first, first + timedelta(weeks=12))
    overusing = factories.PatientFactory()
    log_days(overusing, date(2026, 2, 1), ("T." * 12 + "." * 7) * 4 + "T." * 6)
    steady = factories.PatientFactory()
    log_days(steady, TODAY - timedelta(days=60), "." * 60)
    no_diary = factories.PatientFactory()
    return [demo_patient(), non_responder, overusing, steady, no_diary, demo_patient()]


def scan_outcome() -> tuple[list, list]:
    flags = models.ReviewFlag.objects.order_by("patient_id", "kind")
    baselines = models.TreatmentBaseline.objects.order_by("patient_id", "first_injection_date")
    return (
        list(flags.values_list("patient_id", "kind", "evidence")),
        list(baselines.values_list("patient_id", "source", "logged_days", "counts")),
    )


def test_a_scan_in_chunks_finds_what_scanning_each_patient_alone_finds(monkeypatch):
    patients = a_clinic()
    for patient in patients:
        scan_patient(patient=patient, today=TODAY)
    alone = scan_outcome()
    models.ReviewFlag.objects.all().delete()
    models.TreatmentBaseline.objects.all().delete()
    # Chunks of two: each chunk's diaries read while the one before is analysed.
    monkeypatch.setattr(scan_module, "SCAN_CHUNK_SIZE", 2)

    summary = scan_patients(today=TODAY)

    assert summary.scanned == len(patients) and summary.failed == ()
    assert scan_outcome() == alone
    assert {kind for _, kind, _ in alone[0]} >= {"wear_off", "non_response", "medication_overuse"}


def test_a_scan_analysed_in_processes_finds_what_a_scan_in_one_process_finds(monkeypatch):
    patients = a_clinic()
    monkeypatch.setattr(scan_module, "SCAN_CHUNK_SIZE", 2)
    scan_patients(today=TODAY)
    in_one_process = scan_outcome()
    models.ReviewFlag.objects.all().delete()
    models.TreatmentBaseline.objects.all().delete()

    summary = scan_patients(today=TODAY, workers=2)

    assert summary.scanned == len(patients) and summary.failed == ()
    assert scan_outcome() == in_one_process
    scanned = set(models.PatientProfile.objects.values_list("last_scanned_at", flat=True))
    assert scanned == {NOW}


def test_a_scan_of_a_chunk_or_fewer_patients_starts_no_analysis_process(monkeypatch):
    patients = a_clinic()

    def no_processes(**kwargs):
        raise AssertionError("analysis processes started")

    monkeypatch.setattr(scan_module, "ProcessPoolExecutor", no_processes)

    summary = scan_patients(patient_ids=[patient.pk for patient in patients], workers=4)

    assert summary.scanned == len(patients)


def count_patients() -> int:
    return models.PatientProfile.objects.count()


def test_an_analysis_process_never_queries_over_the_connection_it_inherits():
    demo_patient()
    # Forked with the connection open, as the scan forks mid-read.
    assert models.PatientProfile.objects.count() == 1
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=scan_module._analysis_process_start,
    )
    with pool, pytest.raises(RuntimeError, match="no database"):
        pool.submit(count_patients).result()
    # The scan's own connection is untouched.
    assert models.PatientProfile.objects.count() == 1


def test_an_analysis_process_yields_the_cpu_to_the_scan_and_its_database():
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=scan_module._analysis_process_start,
    )
    with pool:
        niceness = pool.submit(os.nice, 0).result()
    assert niceness == os.nice(0) + scan_module.ANALYSIS_NICENESS


@pytest.mark.parametrize("workers", [1, 2], ids=["analysed here", "in analysis processes"])
def test_a_patient_whose_analysis_fails_is_left_for_the_next_scan_and_the_others_are_scanned(
    monkeypatch, workers
):
    patients = a_clinic()
    failing = patients[2]
    # The only diary of its length in the clinic.
    failing_days = models.DiaryDay.objects.filter(patient=failing, date__lte=TODAY).count()
    analyse = scan_module.patient_analysis

    def fails_for_one(*, timeline, rule):
        if len(timeline.diary) == failing_days:
            raise ValueError("bad data")
        return analyse(timeline=timeline, rule=rule)

    monkeypatch.setattr(scan_module, "patient_analysis", fails_for_one)
    monkeypatch.setattr(scan_module, "SCAN_CHUNK_SIZE", 2)

    summary = scan_patients(today=TODAY, workers=workers)

    assert summary.failed == (failing.pk,)
    assert summary.scanned == len(patients) - 1
    scanned = dict(models.PatientProfile.objects.values_list("pk", "last_scanned_at"))
    assert scanned.pop(failing.pk) is None
    assert set(scanned.values()) == {NOW}
    assert not models.ReviewFlag.objects.filter(patient=failing).exists()


def test_no_query_runs_while_a_chunks_diaries_are_being_read():
    patient = demo_patient()
    with PackedDiaryRead([patient.pk]) as read:
        with pytest.raises(ConnectionBusy):
            models.PatientProfile.objects.count()
        rows = read.rows()
    assert [patient_id for patient_id, _, _ in rows] == [patient.pk]
    assert len(rows[0][1]) == models.DiaryDay.objects.filter(patient=patient).count()
    # The connection is free again.
    assert models.PatientProfile.objects.count() == 1


def test_a_read_left_unfinished_frees_the_connection():
    patient = demo_patient()
    with pytest.raises(ZeroDivisionError), PackedDiaryRead([patient.pk]):
        _ = 1 / 0
    assert models.PatientProfile.objects.count() == 1


def test_a_scan_freezes_the_baseline_and_marks_the_patient_scanned():
    patient = demo_patient()
    scan_patient(patient=patient, today=TODAY)
    patient.refresh_from_db()
    assert patient.last_scanned_at == NOW
    frozen = models.TreatmentBaseline.objects.get(patient=patient)
    assert frozen.logged_days == 28
    assert set(frozen.counts) == {"preempt_4h", "trial_30min"}


def test_the_frozen_baseline_survives_later_edits_to_the_days_before_treatment():
    patient = demo_patient()
    scan_patient(patient=patient, today=TODAY)
    before = models.TreatmentBaseline.objects.get(patient=patient).counts
    models.DiaryDay.objects.filter(patient=patient, date__lt=TODAY - timedelta(days=336)).update(
        headache=False, duration_hours=None, peak_severity=0
    )
    scan_patient(patient=patient, today=TODAY)
    assert models.TreatmentBaseline.objects.get(patient=patient).counts == before


def test_a_non_responder_after_two_cycles_is_flagged():
    patient = factories.PatientFactory()
    first = TODAY - timedelta(weeks=24)
    log_days(patient, first - timedelta(days=28), "HHHH...H" * 22 + "HHHH")
    inject(patient, first, first + timedelta(weeks=12))
    kinds = {flag.kind for flag in scan_patient(patient=patient, today=TODAY)}
    assert models.FlagKind.NON_RESPONSE in kinds
    flag = models.ReviewFlag.objects.get(patient=patient, kind="non_response")
    assert flag.evidence["after_cycle"] == 2
    assert flag.evidence["percent_change"] > -30


def test_three_episodic_months_are_flagged():
    patient = factories.PatientFactory()
    first = date(2026, 1, 12)
    log_days(patient, first - timedelta(days=28), "H" * 28 + "H....." * 24)
    inject(patient, first, first + timedelta(weeks=12))
    flags = scan_patient(patient=patient, today=TODAY)
    episodic = [flag for flag in flags if flag.kind == models.FlagKind.EPISODIC]
    assert len(episodic) == 1
    assert [m["month"] for m in episodic[0].evidence["months"]] == ["2026-03", "2026-04", "2026-05"]


def test_triptans_on_10_days_a_month_for_4_months_are_flagged_as_overuse():
    patient = factories.PatientFactory()
    start = date(2026, 2, 1)
    log_days(patient, start, ("T." * 12 + "." * 7) * 4 + "T." * 6)
    kinds = {flag.kind for flag in scan_patient(patient=patient, today=TODAY)}
    assert models.FlagKind.MEDICATION_OVERUSE in kinds


def test_a_patient_in_treatment_logging_few_days_is_flagged_for_adherence():
    patient = factories.PatientFactory()
    first = TODAY - timedelta(weeks=6)
    log_days(patient, first - timedelta(days=28), "H" * 28 + "." * 14 + ".-" * 14)
    inject(patient, first)
    flags = scan_patient(patient=patient, today=TODAY)
    low = [flag for flag in flags if flag.kind == models.FlagKind.LOW_ADHERENCE]
    assert len(low) == 1
    assert low[0].evidence["logged_days"] < 20


def test_a_flag_whose_condition_no_longer_holds_is_left_alone():
    patient = factories.PatientFactory()
    flag = services.review_flag_open(patient=patient, kind="wear_off", evidence={"cycles": []})
    assert scan_patient(patient=patient, today=TODAY) == []
    flag.refresh_from_db()
    assert flag.status == models.FlagStatus.OPEN


def scan_queries(patient: models.PatientProfile) -> int:
    with CaptureQueriesContext(connection) as queries:
        scan_patient(patient=patient, today=TODAY)
    return len(queries)


def test_a_scan_reads_in_a_constant_number_of_queries():
    one_year = demo_patient()
    three_years = demo_patient()
    rng = random.Random(3)
    log_days(three_years, TODAY - timedelta(days=364 * 3), "".join(demo_cycle(rng) * 8)[:728])
    # Freezing the baseline, one flag opened: the same count whatever the diary's length.
    assert scan_queries(one_year) == scan_queries(three_years) <= 16


def planner_settings() -> dict[str, str]:
    with connection.cursor() as cursor:
        names = list(scan_module.CHUNK_PLANNER_SETTINGS)
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [names])
        return dict(cursor.fetchall())


@pytest.mark.postgres
def test_a_scan_plans_its_lookups_as_index_reads_and_leaves_the_connection_as_it_was(
    monkeypatch,
):
    # The first scan of a clinic outruns the statistics of the tables it fills: PostgreSQL
    # would plan each chunk's lookups for a table's worth of rows (sequential, parallel).
    patient = demo_patient()
    before = planner_settings()
    during = []
    injections = scan_module._injections

    def injections_noting_the_settings(**kwargs):
        during.append(planner_settings())
        return injections(**kwargs)

    monkeypatch.setattr(scan_module, "_injections", injections_noting_the_settings)
    scan_patient(patient=patient, today=TODAY)

    assert during == [scan_module.CHUNK_PLANNER_SETTINGS]
    assert planner_settings() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_scans_racing_to_open_the_same_flags_leave_one_each(monkeypatch):
    wearing_off = [demo_patient() for _ in range(3)]
    # Baselines frozen and the first flags gone: what is left to race for is the new flags.
    scan_patients(today=TODAY)
    models.ReviewFlag.objects.all().delete()
    # Both scans have read the flags under review (none) before either opens any.
    both_read = threading.Barrier(2)
    refresh = services._flag_evidence_refresh

    def refresh_when_both_have_read(**kwargs):
        both_read.wait(timeout=30)
        refresh(**kwargs)

    monkeypatch.setattr(services, "_flag_evidence_refresh", refresh_when_both_have_read)

    summaries = run_at_once(lambda: scan_patients(today=TODAY), 2)

    assert [summary.failed for summary in summaries] == [(), ()]
    under_review = models.ReviewFlag.objects.filter(status=models.FlagStatus.OPEN)
    assert sorted(under_review.values_list("patient_id", "kind")) == sorted(
        (patient.pk, "wear_off") for patient in wearing_off
    )


def scanned_yesterday(*patients: models.PatientProfile) -> None:
    models.PatientProfile.objects.filter(pk__in=[p.pk for p in patients]).update(
        data_changed_at=NOW - timedelta(days=2), last_scanned_at=NOW - timedelta(days=1)
    )


def test_patients_never_scanned_or_with_new_data_are_due():
    never, quiet, new_entry, new_injection = (factories.PatientFactory() for _ in range(4))
    scanned_yesterday(quiet, new_entry, new_injection)
    client_for(new_entry.user).put(f"/api/v1/diary/{TODAY}/", {"headache": False}, format="json")
    services.patient_data_changed(patient=new_injection)

    due = patient_ids_due_for_scan()

    assert set(due) == {never.pk, new_entry.pk, new_injection.pk}
    assert set(patient_ids_due_for_scan(since_all=True)) == {
        never.pk,
        quiet.pk,
        new_entry.pk,
        new_injection.pk,
    }


def test_a_deleted_diary_day_makes_the_patient_due():
    patient = factories.PatientFactory()
    factories.DiaryDayFactory(patient=patient, date=TODAY)
    scanned_yesterday(patient)

    client_for(patient.user).delete(f"/api/v1/diary/{TODAY}/")

    assert patient_ids_due_for_scan() == [patient.pk]


def test_patients_not_scanned_for_a_week_are_due_again():
    patient = factories.PatientFactory()
    models.PatientProfile.objects.filter(pk=patient.pk).update(
        data_changed_at=NOW - timedelta(days=30), last_scanned_at=NOW - timedelta(days=8)
    )
    assert patient_ids_due_for_scan() == [patient.pk]


def test_the_command_scans_patients_with_new_data_and_prints_a_summary():
    patient = demo_patient()
    out = StringIO()
    call_command("scan_patients", stdout=out)
    assert "Scanned 1 patient(s)" in out.getvalue()
    assert "wear_off: 1" in out.getvalue()
    patient.refresh_from_db()
    assert patient.last_scanned_at == timezone.now()

    out = StringIO()
    call_command("scan_patients", stdout=out)
    assert "Scanned 0 patient(s)" in out.getvalue()

    out = StringIO()
    call_command("scan_patients", "--all", stdout=out)
    assert "Scanned 1 patient(s)" in out.getvalue()
    assert models.ReviewFlag.objects.filter(patient=patient, kind="wear_off").count() == 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_command_analyses_in_the_processes_asked_for(workers):
    demo_patient()
    out = StringIO()
    call_command("scan_patients", "--all", f"--workers={workers}", stdout=out)
    assert "Scanned 1 patient(s). Flags under review: wear_off: 1." in out.getvalue()


def test_the_command_refuses_fewer_than_one_analysis_process():
    with pytest.raises(CommandError, match="--workers must be 1 or more"):
        call_command("scan_patients", "--workers=0")


def test_a_scan_by_hand_analyses_in_one_process_per_core_up_to_a_few(monkeypatch):
    monkeypatch.setattr(scan_module.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert scan_module.default_scan_workers() == scan_module.MAX_DEFAULT_SCAN_WORKERS
    monkeypatch.setattr(scan_module.os, "sched_getaffinity", lambda pid: {0})
    assert scan_module.default_scan_workers() == 1


def test_a_database_other_than_postgresql_or_sqlite_is_refused_plainly():
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL or SQLite"):
        _packed_diaries_sql(vendor="mysql", patients=1)
