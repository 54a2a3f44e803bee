"""The nightly scan: analyse one patient and open review flags for a clinician.

Used by ``python manage.py scan_patients`` and the scheduled Celery job. Each patient is read
once (``timeline.patient_timeline``, a constant number of queries) and patients are scanned one
at a time, so the whole clinic's diaries are never in memory together.

Flags opened (through ``services.review_flag_open``, which never opens a second flag of a kind
still under review, and refreshes its evidence instead):

- ``wear_off``: the end-of-cycle wear-off pattern is established (``wear_off.py``).
- ``medication_overuse``: an ICHD-3 8.2 threshold met for more than 3 months (``overuse.py``).
- ``non_response``: < 30 % fewer headache days per 28 days after 2 cycles (NICE TA260).
- ``episodic``: < 15 headache days a month for 3 consecutive months in treatment (NICE TA260).
- ``low_adherence``: in treatment (an injection in the last 26 weeks: two standard 12-week
  intervals and two weeks' grace) and fewer than 20 of the 28 days ending yesterday logged.
  Today is left out because the nightly scan runs before most patients log the day.

A flag whose condition no longer holds is left as it is: closing it is the clinician's call.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from diary.analytics.baseline import baseline_freeze, is_non_responder
from diary.analytics.overuse import medication_overuse
from diary.analytics.timeline import PatientTimeline, patient_timeline
from diary.analytics.trends import PatientAnalysis, patient_analysis
from diary.analytics.windows import MIN_LOGGED_DAYS_PER_28, WINDOW_DAYS, DayCounts, count_days
from diary.models import DiaryDay, FlagKind, PatientProfile, ReviewFlag
from diary.services import review_flag_open

IN_TREATMENT_WEEKS = 26
# Patients with no new data are still rescanned this often: some findings change with time
# alone (a patient who stops logging writes nothing; cycle 2 ends without a new entry).
RESCAN_AFTER = timedelta(days=7)


def _counts_evidence(counts: DayCounts) -> dict[str, Any]:
    return {
        "start": counts.start.isoformat(),
        "end": counts.end.isoformat(),
        "logged_days": counts.logged_days,
        "headache_days": counts.headache_days,
        "headache_days_per_28": counts.headache_days_per_28,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def is_in_treatment(*, timeline: PatientTimeline, today: date) -> bool:
    if not timeline.injections:
        return False
    return timeline.injections[-1].date >= today - timedelta(weeks=IN_TREATMENT_WEEKS)


def adherence_window(*, analysis: PatientAnalysis, today: date) -> DayCounts:
    end = today - timedelta(days=1)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    return count_days(days=analysis.days, start=start, end=end, as_of=end)


def scan_findings(
    *, timeline: PatientTimeline, analysis: PatientAnalysis, today: date
) -> dict[str, dict[str, Any]]:
    """The flags the analysis calls for, by kind, each with evidence a clinician can read."""
    findings: dict[str, dict[str, Any]] = {}
    rule = {"rule": analysis.rule, "as_of": today.isoformat()}

    wear_off = analysis.wear_off
    if wear_off.established:
        findings[FlagKind.WEAR_OFF] = {
            **rule,
            "summary": wear_off.message,
            "wear_off_cycles": list(wear_off.wear_off_cycles),
            "rising_cycles": list(wear_off.rising_cycles),
            "pooled_p_value": wear_off.pooled_p_value,
            "pooled_risk_difference": wear_off.pooled_risk_difference,
            "cycles": [
                {
                    "cycle": c.cycle,
                    "start": c.start.isoformat(),
                    "end": c.end.isoformat(),
                    "plateau_weeks": "3-9",
                    "plateau_logged_days": c.plateau_logged_days,
                    "plateau_headache_days": c.plateau_headache_days,
                    "end_of_cycle_from_week": 10,
                    "end_logged_days": c.end_logged_days,
                    "end_headache_days": c.end_headache_days,
                    "plateau_rate": c.plateau_rate,
                    "end_rate": c.end_rate,
                    "p_value": c.p_value,
                    "verdict": c.verdict,
                    "reason": c.reason,
                }
                for c in wear_off.cycles
            ],
            "method": wear_off.parameters,
        }

    overuse = medication_overuse(
        days=analysis.days, date_from=today - timedelta(days=150), as_of=today
    )
    if overuse.status == "overuse":
        findings[FlagKind.MEDICATION_OVERUSE] = {
            **rule,
            "summary": overuse.message,
            "consecutive_months_over_threshold": overuse.classes,
            "months": [
                {
                    "month": m.start.strftime("%Y-%m"),
                    "logged_days": m.logged_days,
                    "days_by_class": m.days_by_class,
                    "over_threshold": list(m.over_threshold),
                }
                for m in overuse.months
            ],
        }

    response = analysis.response
    if is_non_responder(response=response):
        findings[FlagKind.NON_RESPONSE] = {
            **rule,
            "summary": response.message,
            "baseline_source": analysis.baseline.source,
            "baseline_headache_days_per_28": response.baseline_headache_days_per_28,
            "after_cycle": response.assessed_after_cycle,
            "window_start": _iso(response.window_start),
            "window_end": _iso(response.window_end),
            "logged_days": response.logged_days,
            "headache_days": response.headache_days,
            "headache_days_per_28": response.headache_days_per_28,
            "percent_change": response.percent_change,
            "threshold_percent_reduction": 30,
        }

    if analysis.episodic.episodic:
        findings[FlagKind.EPISODIC] = {
            **rule,
            "summary": "Fewer than 15 headache days a month for 3 consecutive months.",
            "months": [
                {"month": m.start.strftime("%Y-%m"), **_counts_evidence(m)}
                for m in analysis.episodic.months
            ],
        }

    if is_in_treatment(timeline=timeline, today=today):
        recent = adherence_window(analysis=analysis, today=today)
        if recent.logged_days < MIN_LOGGED_DAYS_PER_28:
            findings[FlagKind.LOW_ADHERENCE] = {
                **rule,
                "summary": (
                    f"{recent.logged_days} of the last 28 days logged "
                    f"({MIN_LOGGED_DAYS_PER_28} needed for counts to be read)."
                ),
                "window_start": recent.start.isoformat(),
                "window_end": recent.end.isoformat(),
                "logged_days": recent.logged_days,
                "last_injection": timeline.injections[-1].date.isoformat(),
            }
    return findings


def scan_patient(*, patient: PatientProfile, today: date) -> list[ReviewFlag]:
    """Analyse the patient as of ``today``, open the flags found, and mark the patient scanned."""
    # Data written while the scan runs is newer than this mark, so the next scan sees it.
    started = timezone.now()
    timeline = patient_timeline(patient=patient, as_of=today)
    frozen = baseline_freeze(patient=patient, timeline=timeline)
    if frozen is not timeline.frozen_baseline:
        timeline = replace(timeline, frozen_baseline=frozen)
    analysis = patient_analysis(timeline=timeline, rule=patient.headache_day_rule)
    findings = scan_findings(timeline=timeline, analysis=analysis, today=today)
    flags = [
        review_flag_open(patient=patient, kind=kind, evidence=evidence)
        for kind, evidence in findings.items()
    ]
    PatientProfile.objects.filter(pk=patient.pk).update(last_scanned_at=started)
    patient.last_scanned_at = started
    return flags


def patient_ids_due_for_scan(*, since_all: bool = False) -> list[int]:
    """Patients with new data since their last scan, never scanned, or not scanned for a week."""
    patients = PatientProfile.objects.order_by("pk")
    if not since_all:
        new_entries = DiaryDay.objects.filter(
            patient=OuterRef("pk"), updated_at__gt=OuterRef("last_scanned_at")
        )
        patients = patients.filter(
            Q(last_scanned_at__isnull=True)
            | Q(data_changed_at__gt=F("last_scanned_at"))
            | Q(last_scanned_at__lt=timezone.now() - RESCAN_AFTER)
            | Exists(new_entries)
        )
    return list(patients.values_list("pk", flat=True))
