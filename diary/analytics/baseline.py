"""Baseline, response and the stopping rules.

- Baseline: the 28 days before the first injection, from the diary when it holds at least 20
  logged days there, else the clinician-entered recalled figure, marked as recalled. It is frozen
  once treatment starts (``baseline_freeze``) and always shown: payers have stopped paying once a
  patient improved, so the pre-treatment figure must stay visible.
- Response: percent change in headache days per 28 days against baseline (PREEMPT; IHS trial
  guidelines, Tassorelli et al., Cephalalgia 2018;38:815-832). Responders at >= 50 % (trials) and
  >= 30 % (NICE TA260; European Headache Federation 2018). Response is judged only from the end
  of cycle 2: among first-cycle non-responders, >= 50 % responders rose from 27 % after cycle 2
  to 48 % after cycle 5 (Front Neurol 2017;8:655). It is measured over the whole of the latest
  finished cycle, prorated per 28 logged days, rather than over its last 28 days: the last weeks
  are where wear-off shows, and wear-off has its own flag; judging response there would call a
  patient who improves for 9 weeks of 12 a non-responder.
- Non-response: < 30 % reduction after 2 cycles (NICE TA260).
- Episodic: < 15 headache days a month for 3 consecutive months in treatment (NICE TA260).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from django.utils import timezone

from diary.analytics.cycles import cycle_end_date
from diary.analytics.day_classes import RULE_SETS, DayClasses
from diary.analytics.timeline import Injection, PatientTimeline
from diary.analytics.windows import (
    WINDOW_DAYS,
    DayCounts,
    count_days,
    day_calendar,
    month_bounds,
    month_end,
    month_start,
    per_28,
)
from diary.models import TreatmentBaseline

RESPONDER_NICE_PERCENT = 30
RESPONDER_TRIAL_PERCENT = 50
CYCLES_BEFORE_JUDGING = 2
CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH = 15
EPISODIC_CONSECUTIVE_MONTHS = 3


@dataclass(frozen=True)
class Baseline:
    source: Literal["diary", "recalled", "none"]
    first_injection: date | None
    window_start: date | None
    window_end: date | None
    logged_days: int | None
    headache_days: int | None
    migraine_days: int | None
    moderate_severe_days: int | None
    headache_days_per_28: float | None
    sufficient: bool
    frozen: bool
    message: str


def baseline_window(*, first_injection: date) -> tuple[date, date]:
    return first_injection - timedelta(days=WINDOW_DAYS), first_injection - timedelta(days=1)


def diary_baseline_counts(*, days: Mapping[date, DayClasses], first_injection: date) -> DayCounts:
    start, end = baseline_window(first_injection=first_injection)
    return count_days(days=days, start=start, end=end, as_of=end, nominal_days=WINDOW_DAYS)


def treatment_baseline(*, timeline: PatientTimeline, rule: str) -> Baseline:
    first = timeline.first_injection
    if first is None:
        return Baseline(
            source="none",
            first_injection=None,
            window_start=None,
            window_end=None,
            logged_days=None,
            headache_days=None,
            migraine_days=None,
            moderate_severe_days=None,
            headache_days_per_28=None,
            sufficient=False,
            frozen=False,
            message="No injection is recorded yet: the baseline is the 28 days before the first.",
        )
    start, end = baseline_window(first_injection=first)
    frozen = timeline.frozen_baseline
    if frozen is not None and frozen.first_injection_date == first and rule in frozen.counts:
        counts = frozen.counts[rule]
        return Baseline(
            source="diary",
            first_injection=first,
            window_start=frozen.window_start,
            window_end=frozen.window_end,
            logged_days=frozen.logged_days,
            headache_days=counts["headache_days"],
            migraine_days=counts["migraine_days"],
            moderate_severe_days=counts["moderate_severe_days"],
            headache_days_per_28=per_28(
                count=counts["headache_days"], logged_days=frozen.logged_days
            ),
            sufficient=True,
            frozen=True,
            message=f"From the diary, frozen on {frozen.frozen_at.date().isoformat()}.",
        )
    diary = diary_baseline_counts(days=timeline.day_classes(rule=rule), first_injection=first)
    if diary.sufficient:
        return Baseline(
            source="diary",
            first_injection=first,
            window_start=start,
            window_end=end,
            logged_days=diary.logged_days,
            headache_days=diary.headache_days,
            migraine_days=diary.migraine_days,
            moderate_severe_days=diary.moderate_severe_days,
            headache_days_per_28=diary.headache_days_per_28,
            sufficient=True,
            frozen=False,
            message="From the diary; frozen at the next analysis run.",
        )
    recalled = timeline.recalled_baseline_headache_days
    if recalled is not None:
        return Baseline(
            source="recalled",
            first_injection=first,
            window_start=start,
            window_end=end,
            logged_days=None,
            headache_days=recalled,
            migraine_days=None,
            moderate_severe_days=None,
            headache_days_per_28=float(recalled),
            sufficient=True,
            frozen=False,
            message=(
                f"Recalled by the patient and entered by a clinician: the diary holds only "
                f"{diary.logged_days} of the 28 days before the first injection."
            ),
        )
    return Baseline(
        source="diary",
        first_injection=first,
        window_start=start,
        window_end=end,
        logged_days=diary.logged_days,
        headache_days=diary.headache_days,
        migraine_days=diary.migraine_days,
        moderate_severe_days=diary.moderate_severe_days,
        headache_days_per_28=None,
        sufficient=False,
        frozen=False,
        message=(
            f"Insufficient: the diary holds {diary.logged_days} of the 28 days before the first "
            f"injection and no recalled figure was entered."
        ),
    )


def baseline_to_freeze(*, timeline: PatientTimeline) -> TreatmentBaseline | None:
    """The diary baseline to store now for every rule set, unsaved; None when nothing changes.

    Frozen once treatment has started, and refrozen only when the first injection date changes
    (a session recorded late or corrected); an insufficient diary baseline is not frozen, so a
    recalled figure entered later still counts. The caller sets the patient and saves it.
    """
    first = timeline.first_injection
    frozen = timeline.frozen_baseline
    if first is None or (frozen is not None and frozen.first_injection_date == first):
        return None
    counts = {
        rule: diary_baseline_counts(days=timeline.day_classes(rule=rule), first_injection=first)
        for rule in RULE_SETS
    }
    logged_days = next(iter(counts.values())).logged_days
    if not next(iter(counts.values())).sufficient:
        return None
    start, end = baseline_window(first_injection=first)
    return TreatmentBaseline(
        first_injection_date=first,
        window_start=start,
        window_end=end,
        logged_days=logged_days,
        counts={
            rule: {
                "headache_days": c.headache_days,
                "migraine_days": c.migraine_days,
                "moderate_severe_days": c.moderate_severe_days,
                "acute_medication_days": c.acute_medication_days,
            }
            for rule, c in counts.items()
        },
        frozen_at=timezone.now(),
    )


# Response -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreatmentResponse:
    assessable: bool
    message: str
    cycles_completed: int
    assessed_after_cycle: int | None
    window_start: date | None
    window_end: date | None
    logged_days: int | None
    headache_days: int | None
    baseline_headache_days_per_28: float | None
    headache_days_per_28: float | None
    percent_change: float | None
    responder_30: bool | None
    responder_50: bool | None


def completed_cycles(*, injections: Sequence[Injection], as_of: date) -> int:
    number = 0
    while True:
        end = cycle_end_date(injections=injections, number=number + 1)
        if end is None or end >= as_of:
            return number
        number += 1


def treatment_response(
    *,
    days: Mapping[date, DayClasses],
    injections: Sequence[Injection],
    baseline: Baseline,
    as_of: date,
) -> TreatmentResponse:
    done = completed_cycles(injections=injections, as_of=as_of)

    def not_assessable(message: str, **found) -> TreatmentResponse:
        values = {
            "assessed_after_cycle": None,
            "window_start": None,
            "window_end": None,
            "logged_days": None,
            "headache_days": None,
            "headache_days_per_28": None,
        } | found
        return TreatmentResponse(
            assessable=False,
            message=message,
            cycles_completed=done,
            baseline_headache_days_per_28=baseline.headache_days_per_28,
            percent_change=None,
            responder_30=None,
            responder_50=None,
            **values,
        )

    if done < CYCLES_BEFORE_JUDGING:
        end_2 = cycle_end_date(injections=injections, number=CYCLES_BEFORE_JUDGING)
        when = f" (on {end_2.isoformat()})" if end_2 else ""
        return not_assessable(
            f"Not yet assessable: response is judged after the end of cycle 2{when}, "
            f"not before (NICE TA260; EHF 2018)."
        )
    end = cycle_end_date(injections=injections, number=done)
    start = injections[done - 1].date if done <= len(injections) else None
    assert end is not None
    if start is None:
        # The cycle was projected: no injection recorded since; judge its planned length.
        start = end - timedelta(weeks=injections[-1].planned_interval_weeks) + timedelta(days=1)
    counts = count_days(days=days, start=start, end=end, as_of=as_of)
    found = {
        "assessed_after_cycle": done,
        "window_start": start,
        "window_end": end,
        "logged_days": counts.logged_days,
        "headache_days": counts.headache_days,
        "headache_days_per_28": counts.headache_days_per_28,
    }
    if not baseline.sufficient or not baseline.headache_days_per_28:
        return not_assessable(
            "Not assessable: there is no sufficient baseline (diary or recalled) to compare with.",
            **found,
        )
    if not counts.sufficient:
        return not_assessable(
            f"Not assessable: only {counts.logged_days} of the {counts.elapsed_days} days of "
            f"cycle {done} were logged (20 of every 28 needed).",
            **found,
        )
    current = counts.headache_days * WINDOW_DAYS / counts.logged_days
    change = (current - baseline.headache_days_per_28) / baseline.headache_days_per_28 * 100
    reduction = -change
    return TreatmentResponse(
        assessable=True,
        message=(
            f"After cycle {done}: {abs(round(change))} % "
            f"{'fewer' if change <= 0 else 'more'} headache days per 28 days than at baseline."
        ),
        cycles_completed=done,
        baseline_headache_days_per_28=baseline.headache_days_per_28,
        percent_change=round(change, 1),
        responder_30=reduction >= RESPONDER_NICE_PERCENT,
        responder_50=reduction >= RESPONDER_TRIAL_PERCENT,
        **found,
    )


def is_non_responder(*, response: TreatmentResponse) -> bool:
    """NICE TA260: stop after 2 cycles with less than 30 % reduction."""
    return response.assessable and response.responder_30 is False


# Episodic ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodicRun:
    episodic: bool
    months: tuple[DayCounts, ...]


def is_episodic_month(month: DayCounts) -> bool:
    """< 15 headache days, prorated over logged days; an under-logged month says nothing."""
    if not month.sufficient:
        return False
    prorated = month.headache_days * month.nominal_days / month.logged_days
    return prorated < CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH


def episodic_months(
    *, days: Mapping[date, DayClasses], first_injection: date | None, as_of: date
) -> EpisodicRun:
    """The last 3 finished calendar months wholly in treatment, and whether all were episodic."""
    if first_injection is None:
        return EpisodicRun(episodic=False, months=())
    last_finished = month_start(as_of) - timedelta(days=1)
    first_full = month_start(first_injection)
    if first_full < first_injection:
        first_full = month_end(first_injection) + timedelta(days=1)
    finished = [
        (start, end)
        for start, end in month_bounds(date_from=first_full, date_to=last_finished)
        if end <= last_finished
    ][-EPISODIC_CONSECUTIVE_MONTHS:]
    days = day_calendar(days)
    months = [
        count_days(days=days, start=start, end=end, as_of=last_finished) for start, end in finished
    ]
    episodic = len(months) == EPISODIC_CONSECUTIVE_MONTHS and all(map(is_episodic_month, months))
    return EpisodicRun(episodic=episodic, months=tuple(months))
