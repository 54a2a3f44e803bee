"""Baseline, response and the NICE stopping rules (clinical.md, "Counts and windows")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diary.analytics.baseline import (
    episodic_months,
    is_non_responder,
    treatment_baseline,
    treatment_response,
)
from tests.analytics.diaries import ClassifiedTimeline, diary, injections, repeat

FIRST = date(2025, 3, 3)
BEFORE = FIRST - timedelta(days=28)
TWELVE_WEEKS = timedelta(weeks=12)


def timeline(pattern_before: str, pattern_after: str = "", *, as_of: date, recalled=None, shots=3):
    days = diary(BEFORE, pattern_before) | diary(FIRST, pattern_after)
    dates = [FIRST + TWELVE_WEEKS * n for n in range(shots)]
    return ClassifiedTimeline(
        days=days,
        injections=injections(*[d for d in dates if d <= as_of]),
        as_of=as_of,
        recalled=recalled,
    )


def test_the_baseline_is_the_28_days_before_the_first_injection():
    line = timeline(repeat("HH.", 9) + "H", as_of=FIRST)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    assert baseline.source == "diary"
    assert (baseline.window_start, baseline.window_end) == (BEFORE, FIRST - timedelta(days=1))
    assert (baseline.logged_days, baseline.headache_days) == (28, 19)
    assert baseline.headache_days_per_28 == 19.0


def test_a_recalled_baseline_is_used_and_marked_when_the_diary_is_too_thin():
    line = timeline(repeat("-", 20) + repeat("H", 8), as_of=FIRST, recalled=22)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    assert baseline.source == "recalled"
    assert baseline.headache_days_per_28 == 22.0
    assert "Recalled" in baseline.message


def test_a_thin_diary_without_a_recalled_figure_gives_an_insufficient_baseline():
    line = timeline(repeat("-", 20) + repeat("H", 8), as_of=FIRST)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    assert not baseline.sufficient
    assert baseline.headache_days_per_28 is None


def test_response_is_not_yet_assessable_before_the_end_of_cycle_2():
    as_of = FIRST + 2 * TWELVE_WEEKS - timedelta(days=1)
    line = timeline(repeat("H", 28), repeat(".", 168), as_of=as_of)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    response = treatment_response(
        days=line.day_classes(rule="x"), injections=line.injections, baseline=baseline, as_of=as_of
    )
    assert not response.assessable
    assert response.message.startswith("Not yet assessable")
    assert "cycle 2" in response.message
    assert response.responder_30 is None
    assert not is_non_responder(response=response)


@pytest.mark.parametrize(
    ("cycle_2", "percent_change", "responder_30", "responder_50"),
    [
        (repeat("H", 30) + repeat(".", 54), -50.0, True, True),  # 20 -> 10 per 28
        (repeat("H", 42) + repeat(".", 42), -30.0, True, False),  # 20 -> 14
        (repeat("H", 45) + repeat(".", 39), -25.0, False, False),  # 20 -> 15
    ],
)
def test_response_after_cycle_2_is_the_change_in_headache_days_per_28_over_cycle_2(
    cycle_2, percent_change, responder_30, responder_50
):
    as_of = FIRST + 2 * TWELVE_WEEKS
    line = timeline(repeat("H", 20) + repeat(".", 8), repeat(".", 84) + cycle_2, as_of=as_of)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    response = treatment_response(
        days=line.day_classes(rule="x"), injections=line.injections, baseline=baseline, as_of=as_of
    )
    assert response.assessable
    assert response.assessed_after_cycle == 2
    assert (response.window_start, response.window_end) == (
        FIRST + TWELVE_WEEKS,
        as_of - timedelta(days=1),
    )
    assert (response.percent_change, response.responder_30, response.responder_50) == (
        percent_change,
        responder_30,
        responder_50,
    )
    assert is_non_responder(response=response) is (not responder_30)


def test_wear_off_at_the_end_of_cycle_2_does_not_make_a_responder_a_non_responder():
    as_of = FIRST + 2 * TWELVE_WEEKS
    cycle = repeat("h......", 9) + repeat("HHHHH..", 3)  # 9 + 15 headache days in 84
    line = timeline(repeat("H", 20) + repeat(".", 8), cycle * 2, as_of=as_of)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    response = treatment_response(
        days=line.day_classes(rule="x"), injections=line.injections, baseline=baseline, as_of=as_of
    )
    assert response.headache_days_per_28 == 8.0
    assert response.responder_50


def test_response_is_not_assessable_on_a_thinly_logged_cycle_2():
    as_of = FIRST + 2 * TWELVE_WEEKS
    cycle_2 = repeat("-", 30) + repeat(".", 54)
    line = timeline(repeat("H", 28), repeat(".", 84) + cycle_2, as_of=as_of)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    response = treatment_response(
        days=line.day_classes(rule="x"), injections=line.injections, baseline=baseline, as_of=as_of
    )
    assert not response.assessable
    assert "only 54 of the 84 days of cycle 2" in response.message
    assert not is_non_responder(response=response)


def test_three_episodic_months_in_treatment_meet_the_stopping_rule():
    # From 3 March: the rest of March, then April, May and June at about 8 headache days.
    line_days = diary(FIRST, repeat("H...", 31))
    run = episodic_months(days=line_days, first_injection=FIRST, as_of=date(2025, 7, 2))
    assert [m.start for m in run.months] == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]
    assert run.episodic


def test_a_chronic_month_breaks_the_episodic_run():
    line_days = diary(FIRST, repeat("H...", 20) + repeat("HH.", 15))
    run = episodic_months(days=line_days, first_injection=FIRST, as_of=date(2025, 7, 2))
    assert not run.episodic


def test_an_under_logged_month_is_not_called_episodic():
    line_days = diary(FIRST, repeat("H...", 20) + repeat("-", 10) + repeat("H...", 12))
    run = episodic_months(days=line_days, first_injection=FIRST, as_of=date(2025, 7, 2))
    assert not run.episodic
