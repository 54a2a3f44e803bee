"""Baseline, response and the NICE stopping rules (clinical.md, "Counts and windows")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from diary.analytics.baseline import (
    baseline_to_freeze,
    cycle_responses,
    episodic_months,
    is_non_responder,
    medication_note,
    treatment_baseline,
    treatment_response,
)
from diary.analytics.cycles import treatment_cycles
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


def judge(line: ClassifiedTimeline):
    days = line.day_classes(rule="x")
    cycles = treatment_cycles(days=days, injections=line.injections, as_of=line.as_of)
    baseline = treatment_baseline(timeline=line, rule="preempt_4h")
    return treatment_response(cycles=cycles, injections=line.injections, baseline=baseline)


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
    as_of = FIRST + 2 * TWELVE_WEEKS - timedelta(days=2)
    response = judge(timeline(repeat("H", 28), repeat(".", 168), as_of=as_of))
    assert response.status == "not_yet_assessable"
    assert response.message.startswith("Not yet assessable")
    assert "cycle 2" in response.message
    assert response.responder_30 is None
    assert not is_non_responder(response=response)


# Cycle 2's window is its days 7-83: 7 days of flare, then 21 missing and 56 logged days, so
# each headache day is half a headache day per 28 logged days. The baseline is 20 per 28.
BASELINE_20 = repeat("H", 20) + repeat(".", 8)
FLARE = repeat("H", 7)


def window_with(headache_days: int) -> str:
    return repeat("-", 21) + repeat("H", headache_days) + repeat(".", 56 - headache_days)


@pytest.mark.parametrize(
    ("headache_days", "percent_change", "responder_30", "responder_50"),
    [
        (20, -50.0, True, True),  # 20 -> 10 per 28
        (28, -30.0, True, False),  # 20 -> 14
        (30, -25.0, False, False),  # 20 -> 15
    ],
)
def test_response_after_cycle_2_is_the_change_in_headache_days_per_28_over_days_7_to_83(
    headache_days, percent_change, responder_30, responder_50
):
    as_of = FIRST + 2 * TWELVE_WEEKS
    cycle_2 = FLARE + window_with(headache_days)
    response = judge(timeline(BASELINE_20, repeat(".", 84) + cycle_2, as_of=as_of))
    assert response.assessable
    assert response.assessed_after_cycle == 2
    assert (response.window_start, response.window_end) == (
        FIRST + TWELVE_WEEKS + timedelta(days=7),
        as_of - timedelta(days=1),
    )
    assert (response.window_days, response.logged_days) == (77, 56)
    assert (response.percent_change, response.responder_30, response.responder_50) == (
        percent_change,
        responder_30,
        responder_50,
    )
    assert is_non_responder(response=response) is (not responder_30)


def test_wear_off_at_the_end_of_cycle_2_does_not_make_a_responder_a_non_responder():
    as_of = FIRST + 2 * TWELVE_WEEKS
    cycle = repeat("h......", 9) + repeat("HHHHH..", 3)  # 8 + 15 headache days in days 7-83
    response = judge(timeline(BASELINE_20, cycle * 2, as_of=as_of))
    assert response.headache_days_per_28 == 8.4
    assert response.responder_50


def test_response_is_not_assessable_on_a_thinly_logged_cycle_2():
    as_of = FIRST + 2 * TWELVE_WEEKS
    cycle_2 = repeat("-", 30) + repeat(".", 54)
    response = judge(timeline(repeat("H", 28), repeat(".", 84) + cycle_2, as_of=as_of))
    assert response.status == "not_assessable"
    assert response.message == (
        "Not assessable: only 54 of the 77 days of cycle 2's response window (days 7 to 83) "
        "were logged (20 of every 28 days needed, 55 here)."
    )
    assert not is_non_responder(response=response)


def test_one_injection_followed_by_24_weeks_is_not_judged_after_cycle_2():
    as_of = FIRST + 2 * TWELVE_WEEKS
    line = timeline(BASELINE_20, repeat("H", 168), as_of=as_of, shots=1)
    response = judge(line)
    assert response.status == "not_yet_assessable"
    assert response.assessed_after_cycle is None
    assert "injection 2 of the course, not recorded yet" in response.message
    assert not is_non_responder(response=response)


def cycle_2_line(cycle_2: str, *, third_after: timedelta) -> ClassifiedTimeline:
    second = FIRST + TWELVE_WEEKS
    third = second + third_after
    return ClassifiedTimeline(
        days=diary(BEFORE, BASELINE_20) | diary(FIRST, repeat(".", 84) + cycle_2),
        injections=injections(FIRST, second, third),
        as_of=third + timedelta(days=3),
    )


def test_a_late_third_injection_does_not_stretch_cycle_2_into_its_overdue_weeks():
    # -35 % over days 7-83, then two overdue weeks of daily headache before a 14-week injection.
    cycle_2 = repeat(".", 7) + window_with(26) + repeat("H", 14)
    response = judge(cycle_2_line(cycle_2, third_after=timedelta(weeks=14)))
    assert (response.assessed_after_cycle, response.percent_change) == (2, -35.0)
    assert response.responder_30
    assert (response.overdue_days, response.overdue_headache_days) == (14, 14)
    assert "14 days after the planned interval" in response.message


def test_a_week_1_needle_flare_does_not_flip_a_responder():
    cycle_2 = FLARE + window_with(26)
    response = judge(cycle_2_line(cycle_2, third_after=TWELVE_WEEKS))
    assert (response.percent_change, response.status) == (-35.0, "responder")


def test_the_last_28_days_of_cycle_2_are_shown_beside_the_window():
    # PREEMPT's endpoint: days 56-83, here 14 headache days of 28 (14 per 28, -30 %).
    cycle_2 = FLARE + window_with(26)[:49] + repeat("H.", 14)
    response = judge(cycle_2_line(cycle_2, third_after=TWELVE_WEEKS))
    assert response.last_28_days.start == FIRST + TWELVE_WEEKS + timedelta(days=56)
    assert response.last_28_days.percent_change == -30.0
    assert "Last 28 days of the cycle (PREEMPT's endpoint): -30 %" in response.message


def one_day_cycle_2() -> ClassifiedTimeline:
    second = FIRST + TWELVE_WEEKS
    return ClassifiedTimeline(
        days=diary(BEFORE, BASELINE_20) | diary(FIRST, repeat(".", 90)),
        injections=injections(FIRST, second, second + timedelta(days=1)),
        as_of=second + timedelta(days=3),
    )


def test_a_one_day_cycle_is_not_assessable_and_says_why():
    line = one_day_cycle_2()
    cycles = treatment_cycles(
        days=line.day_classes(rule="x"), injections=line.injections, as_of=line.as_of
    )
    one_day = cycle_responses(cycles=cycles, timeline=line, rule="preempt_4h")[1]
    assert not one_day.assessable and one_day.percent_change is None
    assert one_day.reason == (
        "Not assessable: cycle 2 lasted 1 day, so cycle 2's response window (days 7 to 83) "
        "is empty."
    )


def test_a_one_day_cycle_does_not_count_toward_the_cycles_before_judging():
    response = judge(one_day_cycle_2())
    # Cycle 3 is the second cycle of treatment: the verdict waits for its window.
    assert response.status == "not_yet_assessable"
    assert response.percent_change is None and response.responder_30 is None
    assert response.message.endswith(f"its window ends on {FIRST + 2 * TWELVE_WEEKS:%Y-%m-%d}.")


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


# Baseline integrity and treatment courses (clinical.md) -----------------------------------

NOW = datetime(2025, 3, 3, 22, 0, tzinfo=UTC)


def freeze(line: ClassifiedTimeline, created_on=None):
    return baseline_to_freeze(timeline=line, created_on=created_on or {}, now=NOW)


def test_a_recalled_baseline_is_frozen_with_the_course_and_later_edits_do_not_change_it():
    line = timeline(repeat("-", 28), as_of=FIRST, recalled=22)
    (frozen,) = freeze(line)
    assert (frozen.source, frozen.recalled_headache_days) == ("recalled", 22)
    assert not frozen.entered_after_treatment_began
    edited = ClassifiedTimeline(
        days={},
        injections=line.injections,
        as_of=FIRST + TWELVE_WEEKS,
        recalled=10,
        frozen=[frozen],
    )
    assert treatment_baseline(timeline=edited, rule="preempt_4h").headache_days_per_28 == 22.0
    assert freeze(edited) == []


def test_a_recalled_figure_entered_after_the_course_began_is_marked_so():
    nothing = freeze(timeline(repeat("-", 28), as_of=FIRST))
    assert [b.source for b in nothing] == ["none"]
    later = ClassifiedTimeline(
        days={},
        injections=injections(FIRST),
        as_of=FIRST + timedelta(days=30),
        recalled=20,
        frozen=nothing,
    )
    (frozen,) = freeze(later)
    assert (frozen.source, frozen.entered_after_treatment_began) == ("recalled", True)
    baseline = treatment_baseline(
        timeline=ClassifiedTimeline(
            days={}, injections=later.injections, as_of=later.as_of, frozen=[frozen]
        ),
        rule="preempt_4h",
    )
    assert "Entered after treatment began." in baseline.message


def test_diary_days_typed_in_after_the_first_injection_make_a_retrospective_baseline():
    line = timeline(repeat("H.", 14), as_of=FIRST + timedelta(weeks=3))
    typed_late = {BEFORE + timedelta(days=n): FIRST + timedelta(weeks=3) for n in range(28)}
    (frozen,) = freeze(line, typed_late)
    assert (frozen.source, frozen.retrospective) == ("diary", True)
    shown = treatment_baseline(
        timeline=ClassifiedTimeline(
            days=line.day_classes(rule="x"),
            injections=line.injections,
            as_of=line.as_of,
            frozen=[frozen],
        ),
        rule="preempt_4h",
    )
    assert shown.retrospective
    assert "Retrospective" in shown.message


def test_diary_days_logged_before_the_first_injection_make_a_prospective_baseline():
    line = timeline(repeat("H.", 14), as_of=FIRST)
    logged = {BEFORE + timedelta(days=n): BEFORE + timedelta(days=n) for n in range(28)}
    (frozen,) = freeze(line, logged)
    assert not frozen.retrospective


def test_a_restart_after_a_long_pause_is_a_new_course_with_its_own_baseline():
    restart = FIRST + TWELVE_WEEKS + timedelta(weeks=30)
    days = diary(BEFORE, BASELINE_20) | diary(restart - timedelta(days=28), repeat("H", 28))
    first_course = freeze(timeline(BASELINE_20, as_of=FIRST, shots=1))
    line = ClassifiedTimeline(
        days=days,
        injections=injections(FIRST, FIRST + TWELVE_WEEKS, restart),
        as_of=restart,
        frozen=first_course,
    )
    (second_course,) = freeze(line)
    assert second_course.first_injection_date == restart
    both = ClassifiedTimeline(
        days=days, injections=line.injections, as_of=restart, frozen=[*first_course, second_course]
    )
    baseline = treatment_baseline(timeline=both, rule="preempt_4h")
    assert (baseline.course, baseline.headache_days_per_28) == (2, 28.0)


def test_recording_an_earlier_course_never_discards_a_frozen_baseline():
    (frozen,) = freeze(timeline(BASELINE_20, as_of=FIRST, shots=1))
    earlier = FIRST - timedelta(weeks=60)
    line = ClassifiedTimeline(
        days=diary(BEFORE, BASELINE_20),
        injections=injections(earlier, FIRST),
        as_of=FIRST + timedelta(days=3),
        frozen=[frozen],
    )
    assert [b.first_injection_date for b in freeze(line)] == [earlier]
    assert treatment_baseline(timeline=line, rule="preempt_4h").frozen


def test_the_frozen_baseline_keeps_its_acute_medication_days_and_overuse_status():
    line = timeline(repeat("T", 12) + repeat(".", 16), as_of=FIRST)
    (frozen,) = freeze(line)
    assert (frozen.acute_medication_days, frozen.acute_medication_days_by_class) == (
        12,
        {"triptan": 12},
    )
    assert frozen.overuse_status == "at_risk"
    shown = treatment_baseline(
        timeline=ClassifiedTimeline(
            days={}, injections=line.injections, as_of=FIRST, frozen=[frozen]
        ),
        rule="preempt_4h",
    )
    assert "Acute medication on 12 of its 28 logged days (triptan 12)." in shown.message
    assert "Medication overuse (ICHD-3 8.2) then: at risk." in shown.message


def test_each_courses_cycles_are_judged_against_their_own_baseline():
    restart = FIRST + TWELVE_WEEKS + timedelta(weeks=30)
    line = ClassifiedTimeline(
        days=diary(BEFORE, BASELINE_20) | diary(restart - timedelta(days=28), repeat("H", 28)),
        injections=injections(FIRST, FIRST + TWELVE_WEEKS, restart),
        as_of=restart + timedelta(days=3),
    )
    cycles = treatment_cycles(
        days=line.day_classes(rule="x"), injections=line.injections, as_of=line.as_of
    )
    responses = cycle_responses(cycles=cycles, timeline=line, rule="preempt_4h")
    assert [(r.cycle, r.cycle_in_course, r.baseline_per_28) for r in responses] == [
        (1, 1, 20.0),
        (2, 2, 20.0),
        (3, 1, 28.0),
    ]


def test_a_running_cycle_is_not_yet_assessable_and_does_not_blame_the_patient():
    as_of = FIRST + timedelta(days=34)
    line = timeline(BASELINE_20, repeat(".", 35), as_of=as_of, shots=1)
    cycles = treatment_cycles(
        days=line.day_classes(rule="x"), injections=line.injections, as_of=as_of
    )
    (running,) = cycle_responses(cycles=cycles, timeline=line, rule="preempt_4h")
    assert not running.window_closed and not running.assessable
    assert running.reason == (
        "Not yet assessable: cycle 1's response window (days 7 to 83) runs until "
        "25 May 2025; 28 of its days so far logged."
    )


def test_headaches_of_unknown_duration_are_named_when_a_window_is_not_assessable():
    as_of = FIRST + 2 * TWELVE_WEEKS
    cycle_2 = repeat(".", 7) + repeat("?", 30) + repeat(".", 47)
    line = timeline(repeat("H", 28), repeat(".", 84) + cycle_2, as_of=as_of)
    response = judge(line)
    assert response.status == "not_assessable"
    assert response.message == (
        "Not assessable: only 77 of the 77 days of cycle 2's response window (days 7 to 83) "
        "were logged, 30 of them headaches of unknown duration, which count for neither "
        "(20 of every 28 days needed, 55 here)."
    )


def test_a_recalled_baseline_over_an_unlogged_window_says_nothing_of_its_medication():
    assert medication_note(days=0, by_class={}, logged_days=0, status="not_enough_data") == ""
    assert medication_note(days=3, by_class={"triptan": 3}, logged_days=26, status="none") == (
        "Acute medication on 3 of its 26 logged days (triptan 3). "
        "Medication overuse (ICHD-3 8.2) then: none."
    )
