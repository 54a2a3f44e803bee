"""Headaches of unknown duration are counted apart and never read as headache-free days.

clinical.md "Duration": an imported day with no duration is "counted apart, and never
headache-free". A rate over logged days that kept them in its denominator would count them as
headache-free, so every rate rests on the days a rule set can judge.
"""

from __future__ import annotations

from datetime import date, timedelta

from diary.analytics.baseline import episodic_months, window_figure
from diary.analytics.cycles import treatment_cycles
from diary.analytics.wear_off import wear_off_pattern
from diary.analytics.windows import count_days
from frontend.clinic.charts import cycle_profile_chart
from tests.analytics.diaries import diary, injections, repeat

OCTOBER = date(2026, 10, 1)


def october_imported_without_durations() -> dict:
    # 31 days logged: one known headache day, 15 headaches of unknown duration.
    return diary(OCTOBER, "H" + repeat("?.", 15))


def test_a_month_of_headaches_of_unknown_duration_has_no_headache_rate():
    counts = count_days(
        days=october_imported_without_durations(),
        start=OCTOBER,
        end=date(2026, 10, 31),
        as_of=date(2026, 11, 1),
    )
    assert (counts.logged_days, counts.duration_unknown_days, counts.judged_days) == (31, 15, 16)
    # 16 judged days of 31 are below the logging floor: no rate, not "1 headache day".
    assert counts.sufficient is False
    assert counts.headache_days_per_28 is None


def test_a_window_rate_rests_on_the_judged_days_only():
    start = date(2026, 3, 1)
    days = diary(start, repeat("H.", 11) + "??????")
    counts = count_days(
        days=days, start=start, end=start + timedelta(days=27), as_of=start + timedelta(days=27)
    )
    figure = window_figure(counts=counts, baseline_per_28=20.0)
    # 11 headache days in 22 judged days: 14 per 28, not 11 in 28.
    assert figure.headache_days_per_28 == 14.0


def test_headaches_of_unknown_duration_never_make_a_month_episodic():
    first = date(2026, 7, 6)
    days = diary(date(2026, 6, 8), repeat("H", 28 + 26))
    for month_start in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
        days.update(diary(month_start, "H" + repeat("?.", 15)))
    run = episodic_months(days=days, first_injection=first, as_of=date(2026, 11, 2))
    assert [m.start for m in run.months] == [
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
    ]
    assert run.episodic is False
    assert run.below_ehf_limit is False


def test_headaches_of_unknown_duration_do_not_dilute_the_end_of_cycle_rate():
    first = date(2026, 1, 5)
    plateau_and_end = repeat("h......", 9) + repeat("HHH?.?.", 3)
    days = diary(first, plateau_and_end * 3)
    cycles = treatment_cycles(
        days=days,
        injections=injections(*(first + timedelta(weeks=12 * n) for n in range(4))),
        as_of=first + timedelta(weeks=36),
    )
    pattern = wear_off_pattern(cycles=tuple(cycles))
    first_cycle = pattern.cycles[0]
    # Weeks 10-12: 21 days logged, 6 of unknown duration, 9 headache days of the 15 judged.
    assert (first_cycle.end_logged_days, first_cycle.end_headache_days) == (15, 9)
    assert first_cycle.end_rate == 0.6


def first_week_mark(pattern: str):
    first = date(2026, 1, 5)
    cycles = treatment_cycles(
        days=diary(first, pattern + repeat(".", 77)),
        injections=injections(first),
        as_of=first + timedelta(days=83),
    )
    return cycle_profile_chart(cycles=cycles).series[0].marks[0]


def test_the_clinic_cycle_chart_leaves_headaches_of_unknown_duration_out_of_the_share():
    # Week 1: 3 headache days, 2 of unknown duration, 2 headache-free: 3 of the 5 judged days,
    # drawn as high as the same week with those 2 days not logged at all.
    mark = first_week_mark("HHH??..")
    assert mark.title == "Cycle 1, week 1: 3 headache days of 7 logged, 2 of unknown duration"
    assert mark.y == first_week_mark("HHH--..").y
