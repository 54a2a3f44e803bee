"""The wear-off detector, on hand-written cycles and on small slices of the synthetic cohort."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bench.cohort import SyntheticPatient, stable_cycles_cohort, synthetic_patient
from diary.analytics.cycles import treatment_cycles
from diary.analytics.day_classes import DayClasses
from diary.analytics.wear_off import (
    MIN_RISE,
    WearOffPattern,
    adds_evidence,
    closed_cycle_nights,
    wear_off_evidence,
    wear_off_pattern,
)
from diary.analytics.windows import day_calendar
from tests.analytics.diaries import diary, injections, repeat

FIRST = date(2025, 1, 6)

FLARE = "HHHH..."
QUIET = "......."
PLATEAU = repeat("H......", 7)  # weeks 3-9 at 1 headache day a week
WORN_OFF = repeat("HHHHH..", 3)  # weeks 10-12 at 5 a week
STEADY_END = repeat("H......", 3)
HIGH_ALL_CYCLE = repeat("HHHHH.H", 12)
CYCLE = FLARE + QUIET + PLATEAU + WORN_OFF
STEADY = QUIET * 2 + PLATEAU + STEADY_END


def pattern_of(cycles: list[str], *, weeks: int = 12, as_of: date | None = None) -> WearOffPattern:
    """Cycles given back to back, the last one closed by an injection on the as-of date."""
    shots: list[date] = []
    days: dict[date, DayClasses] = {}
    start = FIRST
    for pattern in cycles:
        shots.append(start)
        days |= diary(start, pattern)
        start += timedelta(days=len(pattern.replace(" ", "")))
    # The day after the diary: the last cycle is then over, its next injection recorded.
    shots.append(start)
    as_of = as_of or start
    found = treatment_cycles(
        days=days,
        injections=tuple(i for i in injections(*shots, weeks=weeks) if i.date <= as_of),
        as_of=as_of,
    )
    return wear_off_pattern(cycles=found)


def patient_pattern(patient: SyntheticPatient, night: date | None = None) -> WearOffPattern:
    night = night or patient.as_of
    given = tuple(i for i in patient.injections if i.date <= night)
    cycles = treatment_cycles(days=day_calendar(patient.days), injections=given, as_of=night)
    return wear_off_pattern(cycles=cycles)


def test_it_finds_headaches_back_at_the_end_of_every_cycle():
    result = pattern_of([CYCLE] * 3)
    assert result.established
    assert result.wear_off_cycles == (1, 2, 3)
    assert result.assessed_cycle_numbers == (1, 2, 3)
    first = result.cycles[0]
    assert (first.plateau_logged_days, first.plateau_headache_days) == (49, 7)
    assert (first.end_logged_days, first.end_headache_days) == (21, 15)
    assert first.p_value < 0.001
    assert result.message.startswith("Wear-off pattern: headache days +57 % of logged days")
    assert "over 3 assessed cycles (1, 2, 3)" in result.message


def test_it_does_not_fire_on_headaches_frequent_all_cycle_long():
    result = pattern_of([HIGH_ALL_CYCLE] * 4)
    assert not result.established
    assert result.wear_off_cycles == ()


def test_it_does_not_fire_on_the_post_injection_flare():
    result = pattern_of([repeat("HHHHHHH", 2) + PLATEAU + STEADY_END] * 4)
    assert not result.established
    # The fifth cycle has just begun.
    assert {c.verdict for c in result.cycles[:4]} == {"no_wear_off"}


def test_one_cycle_is_not_yet_a_pattern():
    result = pattern_of([QUIET * 2 + PLATEAU + WORN_OFF])
    assert result.wear_off_cycles == (1,)
    assert not result.established
    assert "Not yet a pattern" in result.message


def test_it_still_fires_with_some_missing_days():
    holey_end = "HH-HH.-" + "HHH-H.." + "H-HHH.-"
    holey_plateau = repeat("H..-...", 7)
    result = pattern_of([FLARE + QUIET + holey_plateau + holey_end] * 3)
    assert result.established


def test_too_few_logged_days_give_no_verdict():
    sparse_plateau = repeat("H-----.", 7)
    result = pattern_of([FLARE + QUIET + sparse_plateau + WORN_OFF] * 3)
    assert {c.verdict for c in result.cycles} == {"insufficient_data"}
    assert not result.established


def test_a_small_rise_is_below_the_minimum_effect_even_in_a_long_diary():
    # 1 headache day a week on the plateau, 1 in 10 days more at the end: below MIN_RISE.
    result = pattern_of([QUIET * 2 + repeat("HH.....", 7) + repeat("HH.....", 2) + "HHH...."] * 6)
    assert result.pooled_risk_difference < MIN_RISE
    assert not result.established


# Item 13: overdue weeks and pauses ----------------------------------------------------------


def test_overdue_weeks_are_not_read_as_wear_off():
    # Stable for 13 weeks (the planned 12 and the grace week), then injected 4 weeks later
    # still, with headaches back nearly every day meanwhile.
    late = STEADY + "H......" + repeat("HHHHHH.", 4)
    result = pattern_of([late] * 4)
    assert not result.established
    first = result.cycles[0]
    assert first.end_weeks == "10-13"
    assert first.overdue_days == 28
    assert "28 overdue days after week 13 left out" in first.reason


def test_a_pause_is_not_read_as_wear_off():
    # Two 26-week pauses between steady cycles: the toxin long gone, headaches back.
    paused = STEADY + "H......" + repeat("HHHHH..", 13)
    result = pattern_of([STEADY, paused, STEADY, paused])
    assert not result.established
    assert [c.overdue_days for c in result.cycles[:4]] == [0, 91, 0, 91]


# Item 14: serial dependence, many cycles, nightly re-testing ---------------------------------


def test_stable_cycles_with_correlated_days_rarely_fire_alone():
    patients = stable_cycles_cohort(seed=14, patients=40, rho=0.5)
    verdicts = [
        cycle.verdict
        for patient in patients
        for cycle in patient_pattern(patient).cycles
        if cycle.verdict != "insufficient_data" and not patient.cycles[cycle.cycle - 1].overdue
    ]
    assert len(verdicts) >= 150
    assert verdicts.count("wear_off") / len(verdicts) <= 0.05


def test_stable_patients_with_correlated_days_are_not_flagged_over_many_cycles():
    patients = stable_cycles_cohort(seed=15, patients=40, rho=0.5)
    flagged = [
        patient.pid
        for patient in patients
        if any(patient_pattern(patient, night).established for night in patient.nights())
    ]
    assert len(flagged) <= 2


def test_rescanning_every_night_gives_the_same_answer_until_a_cycle_closes():
    patient = synthetic_patient(
        random.Random(16), pid="nightly", kind="wear_off", rise=0.4, cycle_count=4
    )
    closing = set(closed_cycle_nights(injections=patient.injections, as_of=patient.as_of))
    previous = None
    for night in patient.nights():
        result = patient_pattern(patient, night)
        answer = (result.established, result.assessed_cycle_numbers, result.pooled_risk_difference)
        if previous is not None and night not in closing:
            assert answer == previous, night
        previous = answer


def test_a_dismissed_flag_has_evidence_only_a_new_cycle_adds_to():
    three = wear_off_evidence(pattern_of([CYCLE] * 3))
    same_cycles_later = wear_off_evidence(
        pattern_of([CYCLE] * 3 + [CYCLE[:40]], as_of=FIRST + timedelta(days=84 * 3 + 39))
    )
    four = wear_off_evidence(pattern_of([CYCLE] * 4))
    assert same_cycles_later["assessed_cycles"] == [1, 2, 3]
    assert not adds_evidence(evidence=same_cycles_later, dismissed=three)
    assert adds_evidence(evidence=four, dismissed=three)


# Item 15: uneven logging ---------------------------------------------------------------------


def test_bad_days_logged_more_often_as_logging_tires_do_not_make_wear_off():
    rng = random.Random(15)
    patients = [
        synthetic_patient(
            rng,
            pid=f"tired-{n}",
            kind="flat_mid",
            interval="12",
            cycle_count=6,
            completeness=0.6,
            bad_day_ratio=2.5,
            fatigue=0.35,
        )
        for n in range(30)
    ]
    flagged = [p.pid for p in patients if patient_pattern(p).established]
    assert len(flagged) <= 1


def test_fewer_days_logged_at_the_end_take_off_the_rise_they_alone_explain():
    # Every day logged on the plateau, 1 in 3 good days at the end: the logged share rises.
    tired_end = repeat("H-.---H", 3)
    result = pattern_of([QUIET * 2 + repeat("HH.....", 7) + tired_end] * 3)
    first = result.cycles[0]
    assert first.logging_correction > 0
    assert first.risk_difference < first.end_rate - first.plateau_rate
    assert "taken off for fewer days logged at the end" in first.reason


# Item 16: late onset, short intervals, medium rises -------------------------------------------


def test_wear_off_from_week_11_is_caught():
    # Weeks 3-10 at 1 headache day a week, weeks 11-12 at 3: a medium, late rise.
    late_onset = QUIET * 2 + PLATEAU + "H......" + repeat("HHH....", 2)
    result = pattern_of([late_onset] * 5)
    assert result.established


def test_wear_off_on_10_week_intervals_is_caught():
    # Headaches back from week 9 on a 10-week interval, 2 days a week more: weeks 9-10 against
    # weeks 3-8.
    ten_weeks = QUIET * 2 + repeat("HH.....", 6) + repeat("HHHH...", 2)
    result = pattern_of([ten_weeks] * 4, weeks=10)
    assert result.established
    assert result.cycles[0].end_weeks == "9-10"
    assert result.cycles[0].plateau_weeks == "3-8"


def test_acute_medication_days_are_shown_beside_headache_days():
    treated_end = repeat("TTTTT..", 3)
    result = pattern_of([FLARE + QUIET + PLATEAU + treated_end] * 3)
    assert result.pooled_acute_medication_rise > 0.5
    assert "acute-medication days +71 %" in result.message


def test_near_daily_patients_are_never_flagged_on_any_night():
    rng = random.Random(17)
    patients = [synthetic_patient(rng, pid=f"daily-{n}", kind="near_daily") for n in range(20)]
    for patient in patients:
        nights = closed_cycle_nights(injections=patient.injections, as_of=patient.as_of)
        assert not any(patient_pattern(patient, night).established for night in nights)


def test_a_cycle_cut_short_before_its_end_window_says_so():
    result = pattern_of([QUIET * 2 + repeat("H......", 6), CYCLE, CYCLE])
    first = result.cycles[0]
    assert first.verdict == "insufficient_data"
    assert first.reason == "The next injection came before week 10: no end window."


def test_a_near_daily_patient_is_not_flagged_on_the_cycles_that_dipped_below_the_line():
    # 48 of 49 plateau days with headache in two cycles, 35 of 49 in three (a near-daily
    # patient's plateau dips that far by chance with multi-day attacks), every end window daily.
    near_daily = QUIET * 2 + "HHHHHH." + repeat("HHHHHHH", 6) + repeat("HHHHHHH", 3)
    dipped = QUIET * 2 + repeat("HHHHH..", 7) + repeat("HHHHHHH", 3)
    result = pattern_of([near_daily, dipped, near_daily, dipped, dipped])
    assert not result.established
    assert result.near_daily
    assert result.assessed_cycle_numbers == (1, 2, 3, 4, 5)
    assert result.message.startswith(
        "No room for a rise to show: headache on 82 % of logged days in the plateaus"
    )
