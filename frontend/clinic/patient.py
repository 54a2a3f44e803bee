"""The patient view's content: the treatment review plus its charts and history tables."""

from __future__ import annotations

from datetime import date, timedelta

from diary import selectors
from diary.analytics.overuse import OveruseMonth, overuse_limits_text, overuse_months
from diary.analytics.relief import relief_summary
from diary.analytics.wear_off import end_window_last_day
from diary.analytics.windows import WINDOW_DAYS, consecutive_windows, month_start
from diary.models import (
    FlagDecision,
    FlagKind,
    FlagStatus,
    InjectionSession,
    MedicationClass,
    PatientProfile,
)
from diary.paradigms import MIN_INTERVAL_WEEKS, STANDARD_INTERVAL_WEEKS
from diary.report_charts import cycle_chart_weeks
from diary.reports import TreatmentReview, cycle_table_footnote, treatment_review
from frontend.clinic import charts
from frontend.clinic.evidence import no_longer_met_text, reading_text

HISTORY_DAYS = 365
MEDICATION_MONTHS = 12


def class_label(name: str) -> str:
    if name in MedicationClass.values:
        return MedicationClass(name).label.lower()
    return name.replace("_", " ")


def chart_window_start(*, review: TreatmentReview) -> date:
    first = review.baseline.first_injection
    if first is not None:
        return first - timedelta(days=WINDOW_DAYS)
    return review.as_of - timedelta(days=HISTORY_DAYS - 1)


def injection_rows(sessions: tuple[InjectionSession, ...]) -> list[dict]:
    rows = []
    for session in reversed(sessions):
        sites = sorted(session.sites.all(), key=lambda s: (s.muscle, s.side))
        rows.append(
            {
                "session": session,
                "sites": [
                    {
                        "muscle": site.get_muscle_display(),
                        "side": site.side,
                        "units": site.units,
                        "points": site.points,
                    }
                    for site in sites
                ],
                "points": sum(site.points for site in sites),
                "side_effects": list(session.side_effects.all()),
                "versions": list(selectors.injection_history(session=session)),
            }
        )
    return rows


def patient_page(*, patient: PatientProfile) -> dict:
    review = treatment_review(patient=patient)
    analysis = review.analysis
    start = chart_window_start(review=review)
    first = review.baseline.first_injection
    windows = consecutive_windows(
        days=analysis.days,
        anchor=first or review.as_of - timedelta(days=WINDOW_DAYS - 1),
        date_from=start,
        date_to=review.as_of,
    )
    injected = [session.date for session in review.sessions]
    medication_from = month_start(review.as_of)
    for _ in range(MEDICATION_MONTHS - 1):
        medication_from = month_start(medication_from - timedelta(days=1))
    # The chart and table show a year; the status is everyone's (``review.overuse``).
    medication_months = overuse_months(
        days=analysis.days, date_from=medication_from, as_of=review.as_of
    )
    max_weeks = max((len(c.weeks) for c in analysis.cycles), default=0)
    return {
        "patient": patient,
        "review": review,
        "windows": windows,
        "per_28_chart": charts.per_28_chart(
            windows=windows, baseline=review.baseline.headache_days_per_28, injections=injected
        ),
        "cycle_chart": charts.cycle_profile_chart(cycles=analysis.cycles),
        "cycle_weeks": [
            {
                "week": week,
                "cells": [
                    c.weeks[week - 1].counts if week <= len(c.weeks) else None
                    for c in analysis.cycles
                ],
            }
            for week in range(1, max_weeks + 1)
        ],
        "heat_map": charts.heat_map(days=analysis.days, as_of=review.as_of, injections=injected),
        "medication": review.overuse,
        "overuse_limits": overuse_limits_text(),
        "cycle_windows": cycle_chart_weeks(cycles=analysis.cycles).caption,
        "medication_chart": charts.medication_chart(months=medication_months),
        "medication_rows": [
            {
                "month": month,
                "by_class": [
                    f"{class_label(name)}: {days}" for name, days in month.days_by_class.items()
                ],
                "over": [class_label(name) for name in month.over_threshold],
                "judged": overuse_month_text(month),
            }
            for month in medication_months
        ],
        # "Did it help?" as the patient answered it, over the year the medication table shows.
        "relief": relief_summary(
            selectors.intake_relief_answers(
                patient=patient, date_from=medication_from, date_to=review.as_of
            )
        )["by_medication"],
        "injections": injection_rows(review.sessions),
        "cycle_rows": [
            {
                "outcome": c,
                "wear_off_reading": reading_text(c.wear_off.reason) if c.wear_off else "",
            }
            for c in review.cycles
        ],
        "cycle_table_note": cycle_table_footnote(),
        # When each cycle's wear-off end window closes, for the review queue's running cycles.
        "end_windows_close": {
            c.start: end_window_last_day(
                start=c.start, planned_interval_weeks=c.planned_interval_weeks
            )
            for c in analysis.cycles
        },
        "flags": [
            (flag, no_longer_met_text(flag.evidence))
            for flag in patient.flags.select_related("reviewed_by").order_by("-created_at")
        ],
    }


def overuse_month_text(month: OveruseMonth) -> str:
    """The month's overuse column: the classes over a limit, "no", or "not enough data" when
    too few days were logged to tell (clinical.md: never "no overuse")."""
    if month.over_threshold:
        return ", ".join(class_label(name) for name in month.over_threshold)
    return "no" if month.enough_data else "not enough data"


def suggested_interval(*, patient: PatientProfile) -> int:
    """The shortest interval after a wear-off flag resolved by shortening it, else the standard."""
    latest = (
        patient.flags.filter(kind=FlagKind.WEAR_OFF, status=FlagStatus.RESOLVED)
        .order_by("-reviewed_at")
        .first()
    )
    if latest is not None and latest.decision == FlagDecision.SHORTEN_INTERVAL:
        return MIN_INTERVAL_WEEKS
    return STANDARD_INTERVAL_WEEKS
