"""The wear-off detector, on hand-written cycles and on a synthetic cohort."""

from __future__ import annotations

from datetime import date, timedelta

from scipy.stats import fisher_exact

from diary.analytics.cycles import treatment_cycles
from diary.analytics.wear_off import one_sided_fisher_p, wear_off_pattern
from tests.analytics.cohort import synthetic_cohort
from tests.analytics.diaries import diary, injections, repeat

FIRST = date(2025, 1, 6)

FLARE = "HHHH..."
QUIET = "......."
PLATEAU = repeat("H......", 7)  # weeks 3-9 at 1 headache day a week
WORN_OFF = repeat("HHHHH..", 3)  # weeks 10-12 at 5 a week
HIGH_ALL_CYCLE = repeat("HHHHH.H", 12)


def pattern_of(cycles: list[str]):
    shots = []
    days = {}
    start = FIRST
    for pattern in cycles:
        shots.append(start)
        days |= diary(start, pattern)
        start += timedelta(days=len(pattern.replace(" ", "")))
    found = treatment_cycles(
        days=days, injections=injections(*shots), as_of=start - timedelta(days=1)
    )
    return wear_off_pattern(cycles=found)


def test_it_finds_headaches_back_at_the_end_of_every_cycle():
    result = pattern_of([FLARE + QUIET + PLATEAU + WORN_OFF] * 3)
    assert result.established
    assert result.wear_off_cycles == (1, 2, 3)
    first = result.cycles[0]
    assert (first.plateau_logged_days, first.plateau_headache_days) == (49, 7)
    assert (first.end_logged_days, first.end_headache_days) == (21, 15)
    assert first.p_value < 0.001


def test_it_does_not_fire_on_headaches_frequent_all_cycle_long():
    result = pattern_of([HIGH_ALL_CYCLE] * 4)
    assert not result.established
    assert result.wear_off_cycles == ()


def test_it_does_not_fire_on_the_post_injection_flare():
    result = pattern_of([repeat("HHHHHHH", 2) + PLATEAU + repeat("H......", 3)] * 4)
    assert not result.established
    assert {c.verdict for c in result.cycles} == {"no_wear_off"}


def test_one_cycle_is_not_yet_a_pattern():
    result = pattern_of(
        [QUIET * 2 + PLATEAU + WORN_OFF] + [QUIET * 2 + PLATEAU + repeat("H......", 3)] * 3
    )
    assert result.wear_off_cycles == (1,)
    assert not result.established


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
    # 1 headache day a week on the plateau, 2 a week at the end: a rise of 14 points.
    result = pattern_of([QUIET * 2 + PLATEAU + repeat("HH.....", 3)] * 6)
    assert not result.established


def test_the_detector_is_sensitive_and_specific_on_a_synthetic_cohort():
    cohort = synthetic_cohort(seed=20260101, per_kind=100)
    true_positive = false_negative = true_negative = false_positive = 0
    for patient in cohort:
        cycles = treatment_cycles(
            days=patient.days, injections=patient.injections, as_of=patient.as_of
        )
        found = wear_off_pattern(cycles=cycles).established
        if patient.wear_off:
            true_positive += found
            false_negative += not found
        else:
            false_positive += found
            true_negative += not found
    sensitivity = true_positive / (true_positive + false_negative)
    specificity = true_negative / (true_negative + false_positive)
    print(
        f"\nWear-off detector on {len(cohort)} synthetic patients "
        f"({true_positive + false_negative} with wear-off): "
        f"sensitivity {sensitivity:.3f}, specificity {specificity:.3f}"
    )
    assert sensitivity >= 0.9
    assert specificity >= 0.95


def test_the_exact_test_gives_scipys_fisher_exact_p_value_for_every_table():
    tables = [
        (a, end - a, c, plateau - c)
        for end in (0, 1, 2, 5, 7, 14, 21)
        for a in range(end + 1)
        for plateau in (0, 1, 21, 35, 49, 196)
        for c in sorted({0, 1, plateau // 4, plateau // 2, plateau - 1, plateau})
        if 0 <= c <= plateau
    ]
    for a, b, c, d in tables:
        _, expected = fisher_exact([[a, b], [c, d]], alternative="greater")
        assert one_sided_fisher_p(a, b, c, d) == float(expected), (a, b, c, d)
