"""The whole analysis of one patient from one read, and the trends payload built from it.

``patient_analysis`` is shared by the trends API and the nightly scan, so both always say the
same thing. ``diary.timelines.patient_trends`` reads the patient once and builds the payload
here, in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from diary.analytics.baseline import (
    Baseline,
    CycleResponse,
    EpisodicRun,
    TreatmentResponse,
    cycle_responses,
    episodic_months,
    is_episodic_month,
    is_non_responder,
    treatment_baseline,
    treatment_response,
)
from diary.analytics.cycles import TreatmentCycle, overdue_days, treatment_cycles
from diary.analytics.day_classes import DayClasses, rule_set
from diary.analytics.menstrual import MenstrualMigraine
from diary.analytics.overuse import (
    MIXED,
    MIXED_THRESHOLD_DAYS,
    THRESHOLD_DAYS,
    MedicationOveruse,
    medication_overuse,
)
from diary.analytics.patient_words import (
    menstrual_hint,
    menstrual_words,
    overuse_words,
    response_words,
)
from diary.analytics.timeline import PatientTimeline
from diary.analytics.verdicts import GuidelineVerdict, guideline_verdicts
from diary.analytics.wear_off import WearOffPattern, wear_off_pattern
from diary.analytics.windows import (
    WINDOW_DAYS,
    DayCounts,
    calendar_months,
    consecutive_windows,
    day_calendar,
    month_label,
)

DEFAULT_RANGE_DAYS = 365


@dataclass(frozen=True)
class PatientAnalysis:
    rule: str
    as_of: date
    days: Mapping[date, DayClasses]
    baseline: Baseline
    cycles: tuple[TreatmentCycle, ...]
    response: TreatmentResponse
    verdicts: tuple[GuidelineVerdict, ...]
    wear_off: WearOffPattern
    episodic: EpisodicRun
    timeline: PatientTimeline = field(repr=False, compare=False)

    @cached_property
    def overuse(self) -> MedicationOveruse:
        """Medication overuse on ``as_of`` (``overuse.overuse_window``), when first asked for."""
        return medication_overuse(days=self.days, as_of=self.as_of)

    @cached_property
    def cycle_responses(self) -> tuple[CycleResponse, ...]:
        """Every given cycle judged over its response window, for the per-cycle tables; counted
        when first asked for, since the nightly scan reads only the judged cycle."""
        return cycle_responses(cycles=self.cycles, timeline=self.timeline, rule=self.rule)


def patient_analysis(*, timeline: PatientTimeline, rule: str) -> PatientAnalysis:
    rule_set(rule)  # an unknown rule fails here, before any counting
    days = day_calendar(timeline.day_classes(rule=rule))
    baseline = treatment_baseline(timeline=timeline, rule=rule)
    cycles = tuple(
        treatment_cycles(days=days, injections=timeline.injections, as_of=timeline.as_of)
    )
    response = treatment_response(cycles=cycles, injections=timeline.injections, baseline=baseline)
    # The stopping rules read the months of the current course.
    episodic = episodic_months(
        days=days, first_injection=baseline.first_injection, as_of=timeline.as_of
    )
    return PatientAnalysis(
        rule=rule,
        as_of=timeline.as_of,
        days=days,
        baseline=baseline,
        cycles=cycles,
        response=response,
        verdicts=guideline_verdicts(response=response, episodic=episodic),
        wear_off=wear_off_pattern(cycles=cycles),
        episodic=episodic,
        timeline=timeline,
    )


def default_date_from(*, timeline: PatientTimeline, date_to: date) -> date:
    """From the baseline window when treatment has started, else the year before ``date_to``."""
    if timeline.first_injection is not None:
        return min(timeline.first_injection - timedelta(days=WINDOW_DAYS), date_to)
    return date_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)


# Payload --------------------------------------------------------------------------------------


def counts_json(counts: DayCounts) -> dict[str, Any]:
    return {
        "start": counts.start,
        "end": counts.end,
        "elapsed_days": counts.elapsed_days,
        "logged_days": counts.logged_days,
        "missing_days": counts.missing_days,
        "sufficient": counts.sufficient,
        "headache_days": counts.headache_days,
        "migraine_days": counts.migraine_days,
        "moderate_severe_days": counts.moderate_severe_days,
        "acute_medication_days": counts.acute_medication_days,
        "acute_medication_days_by_class": counts.acute_medication_days_by_class,
        # Headaches of unknown duration, counted apart: the headache-day count may be short.
        "duration_unknown_days": counts.duration_unknown_days,
        "headache_days_per_28": counts.headache_days_per_28,
        "headache_day_rate": (
            round(counts.headache_days / counts.judged_days, 3) if counts.judged_days else None
        ),
    }


def cycle_response_json(response: CycleResponse) -> dict[str, Any]:
    """A cycle's response window (days 7 to the planned interval) and its overdue days."""
    payload = asdict(response)
    payload["assessable"] = response.assessable
    payload["overdue_weeks"] = response.overdue_weeks
    return payload


def response_json(analysis: PatientAnalysis) -> dict[str, Any]:
    payload = asdict(analysis.response)
    del payload["judged"]  # the judged cycle's figures are the response's own
    payload["verdicts"] = [asdict(verdict) for verdict in analysis.verdicts]
    response = analysis.response
    payload["patient_message"] = response_words(
        assessable=response.assessable,
        cycles_completed=response.cycles_completed,
        percent_change=response.percent_change,
        stop_when_well=any(v.status == "stop_when_well" for v in analysis.verdicts),
        overdue=overdue_days(analysis.cycles) > 0,
    )
    return payload


def cycle_json(cycle: TreatmentCycle, response: CycleResponse) -> dict[str, Any]:
    return {
        "number": cycle.number,
        "start": cycle.start,
        "end": cycle.end,
        "next_injection": cycle.next_injection,
        "complete": cycle.complete,
        "length_days": cycle.length_days,
        "length_weeks": round(cycle.length_days / 7, 1),
        "planned_interval_weeks": cycle.planned_interval_weeks,
        "weeks": [{"week": w.week, **counts_json(w.counts)} for w in cycle.weeks],
        "plateau": counts_json(cycle.plateau),
        "end_of_cycle": counts_json(cycle.end_of_cycle) if cycle.end_of_cycle else None,
        "planned_end": cycle.planned_end,
        "response_window": cycle_response_json(response),
    }


def menstrual_json(found: MenstrualMigraine) -> dict[str, Any]:
    payload = asdict(found)
    payload["patient_message"] = menstrual_words(found.status)
    payload["patient_hint"] = menstrual_hint(
        cycles_with_attack=found.cycles_with_attack, cycles_assessed=found.cycles_assessed
    )
    return payload


def overuse_json(overuse: MedicationOveruse) -> dict[str, Any]:
    return {
        "status": overuse.status,
        "message": overuse.message,
        "patient_message": overuse_words(overuse.status),
        "months_over_threshold": overuse.months_over_threshold,
        "consecutive_months_over_threshold": overuse.classes,
        "thresholds_days_per_month": {**THRESHOLD_DAYS, MIXED: MIXED_THRESHOLD_DAYS},
        "months": [
            {
                "month": month_label(m.start),
                **asdict(m),
                "over_threshold": [*m.over_threshold],
                "enough_data": m.enough_data,
            }
            for m in overuse.months
        ],
    }


def wear_off_json(pattern: WearOffPattern) -> dict[str, Any]:
    payload = asdict(pattern)
    payload["wear_off_cycles"] = list(pattern.wear_off_cycles)
    payload["rising_cycles"] = list(pattern.rising_cycles)
    return payload


def trends_payload(*, timeline: PatientTimeline, date_from: date, rule: str) -> dict[str, Any]:
    analysis = patient_analysis(timeline=timeline, rule=rule)
    date_to = timeline.as_of
    days = analysis.days
    anchor = timeline.first_injection or date_to - timedelta(days=WINDOW_DAYS - 1)
    windows = consecutive_windows(days=days, anchor=anchor, date_from=date_from, date_to=date_to)
    months = calendar_months(days=days, date_from=date_from, date_to=date_to)
    overuse = analysis.overuse
    return {
        "rule": rule,
        "from": date_from,
        "to": date_to,
        "baseline": asdict(analysis.baseline),
        "windows": [
            {
                # 0 is the first 28 days of treatment, -1 the baseline window.
                "index": (w.start - anchor).days // WINDOW_DAYS,
                "complete": w.end <= date_to,
                **counts_json(w),
            }
            for w in windows
        ],
        "months": [
            {
                "month": month_label(m.start),
                "complete": m.end <= date_to,
                "episodic": is_episodic_month(m) if m.end <= date_to else None,
                **counts_json(m),
            }
            for m in months
        ],
        "cycles": [
            cycle_json(c, r)
            for c, r in zip(analysis.cycles, analysis.cycle_responses, strict=True)
            if c.end >= date_from
        ],
        "response": response_json(analysis),
        "medication_overuse": overuse_json(overuse),
        "wear_off": wear_off_json(analysis.wear_off),
        "stopping_rules": {
            "non_response": is_non_responder(response=analysis.response),
            "episodic_3_months": analysis.episodic.episodic,
            "below_ehf_limit_3_months": analysis.episodic.below_ehf_limit,
            "episodic_months": [month_label(m.start) for m in analysis.episodic.months],
        },
    }
