from __future__ import annotations

from datetime import date, timedelta

from diary.analytics.cycles import treatment_courses, treatment_cycles
from tests.analytics.diaries import diary, injections, repeat

FIRST = date(2025, 3, 3)


def test_each_injection_starts_a_cycle_that_ends_the_day_before_the_next():
    shots = injections(FIRST, FIRST + timedelta(weeks=13))
    days = diary(FIRST, repeat(".", 100))
    first, second = treatment_cycles(days=days, injections=shots, as_of=FIRST + timedelta(days=99))
    assert (first.end, first.length_days, first.complete) == (
        FIRST + timedelta(weeks=13, days=-1),
        91,
        True,
    )
    assert len(first.weeks) == 13
    # The running cycle ends today.
    assert (second.end, second.length_days, second.complete) == (
        FIRST + timedelta(days=99),
        9,
        False,
    )
    assert [w.counts.elapsed_days for w in second.weeks] == [7, 2]


def test_cycle_week_1_is_days_0_to_6_and_counts_rest_on_logged_days():
    # A flare in week 1, a quiet plateau, headaches back from week 10.
    pattern = "HHHHH--" + repeat(".", 7) + repeat("h......", 7) + repeat("HH.H.H-", 3)
    shots = injections(FIRST, FIRST + timedelta(weeks=12))
    days = diary(FIRST, pattern)
    cycle = treatment_cycles(days=days, injections=shots, as_of=date(2026, 1, 1))[0]
    week_1 = cycle.weeks[0].counts
    assert (week_1.start, week_1.end) == (FIRST, FIRST + timedelta(days=6))
    assert (week_1.logged_days, week_1.headache_days) == (5, 5)
    assert (cycle.plateau.start, cycle.plateau.end) == (
        FIRST + timedelta(days=14),
        FIRST + timedelta(days=62),
    )
    assert (cycle.plateau.logged_days, cycle.plateau.headache_days) == (49, 7)
    assert cycle.end_of_cycle.start == FIRST + timedelta(days=63)
    assert (cycle.end_of_cycle.logged_days, cycle.end_of_cycle.headache_days) == (18, 12)


def test_a_cycle_still_in_its_plateau_has_no_end_of_cycle_window():
    shots = injections(FIRST)
    cycle = treatment_cycles(days={}, injections=shots, as_of=FIRST + timedelta(days=40))[0]
    assert cycle.end_of_cycle is None
    assert cycle.plateau.elapsed_days == 27


def test_a_cycle_is_never_projected_past_its_planned_interval():
    # One injection and 24 weeks: one cycle, its last 12 weeks overdue, no "cycle 2".
    shots = injections(FIRST)
    (cycle,) = treatment_cycles(days={}, injections=shots, as_of=FIRST + timedelta(weeks=24))
    assert cycle.planned_end == FIRST + timedelta(days=83)
    assert cycle.response_window_closed
    assert cycle.overdue.start == FIRST + timedelta(days=84)
    # Due on day 84; on day 168, before any injection that day, 84 days have passed overdue.
    assert cycle.overdue.elapsed_days == 84


def test_the_response_window_is_days_7_to_the_planned_interval():
    shots = injections(FIRST, FIRST + timedelta(weeks=10), weeks=10)
    first, second = treatment_cycles(days={}, injections=shots, as_of=FIRST + timedelta(weeks=12))
    assert (first.response_window.start, first.response_window.end) == (
        FIRST + timedelta(days=7),
        FIRST + timedelta(days=69),
    )
    assert first.overdue is None
    # The running cycle's window runs to its planned end, not to today.
    assert second.response_window.end == FIRST + timedelta(weeks=20, days=-1)
    assert not second.response_window_closed


def test_an_early_injection_ends_the_window_the_day_before():
    shots = injections(FIRST, FIRST + timedelta(days=30))
    first, _ = treatment_cycles(days={}, injections=shots, as_of=FIRST + timedelta(days=40))
    assert first.response_window.end == FIRST + timedelta(days=29)
    assert first.response_window_closed


def test_a_pause_longer_than_twice_the_planned_interval_starts_a_new_course():
    restart = FIRST + timedelta(weeks=12 + 25)
    shots = injections(FIRST, FIRST + timedelta(weeks=12), restart, restart + timedelta(weeks=12))
    first, second = treatment_courses(injections=shots)
    assert (first.first_injection, first.first_index, first.last_index) == (FIRST, 0, 1)
    assert (second.number, second.first_injection, second.first_index) == (2, restart, 2)


def test_an_18_week_pause_stays_in_the_course_with_its_overdue_weeks_apart():
    shots = injections(FIRST, FIRST + timedelta(weeks=18))
    assert len(treatment_courses(injections=shots)) == 1
    first, _ = treatment_cycles(days={}, injections=shots, as_of=FIRST + timedelta(weeks=19))
    assert first.response_window.end == FIRST + timedelta(days=83)
    assert first.overdue.elapsed_days == 6 * 7


def test_the_end_of_a_late_cycle_stops_at_the_planned_interval_plus_the_grace_week():
    # One injection, then 24 weeks with no other: weeks 14-24 are overdue, not end of cycle.
    days = diary(FIRST, repeat("H", 168))
    cycle = treatment_cycles(
        days=days, injections=injections(FIRST), as_of=FIRST + timedelta(days=167)
    )[0]
    assert (cycle.end_of_cycle.start, cycle.end_of_cycle.end) == (
        FIRST + timedelta(days=63),
        FIRST + timedelta(days=90),
    )
    assert cycle.end_of_cycle.logged_days == 28


def test_a_running_cycle_is_not_overdue_on_its_due_date_and_one_day_overdue_the_day_after():
    due = FIRST + timedelta(weeks=12)
    on_due_date = treatment_cycles(days={}, injections=injections(FIRST), as_of=due)[0]
    assert on_due_date.overdue is None
    day_after = treatment_cycles(
        days={}, injections=injections(FIRST), as_of=due + timedelta(days=1)
    )[0]
    assert day_after.overdue.elapsed_days == 1
