from __future__ import annotations

from datetime import date

from diary.analytics.windows import calendar_months, consecutive_windows, count_days
from tests.analytics.diaries import diary, repeat

START = date(2026, 1, 5)


def test_a_window_with_20_logged_days_is_sufficient():
    days = diary(START, repeat("H..-", 7))
    window = count_days(days=days, start=START, end=date(2026, 2, 1), as_of=date(2026, 3, 1))
    assert window.logged_days == 21
    assert window.sufficient


def test_a_window_with_19_logged_days_is_insufficient():
    days = diary(START, "HHHHHHHHHH" + "........." + "-" * 9)
    window = count_days(days=days, start=START, end=date(2026, 2, 1), as_of=date(2026, 3, 1))
    assert (window.logged_days, window.missing_days, window.headache_days) == (19, 9, 10)
    assert not window.sufficient
    assert window.headache_days_per_28 is None


def test_headache_days_per_28_are_prorated_over_logged_days():
    # 10 headache days in 21 logged days: missing days are not assumed headache-free.
    days = diary(START, "HHHHHHHHHH" + "..........." + "-------")
    window = count_days(days=days, start=START, end=date(2026, 2, 1), as_of=date(2026, 3, 1))
    assert window.headache_days == 10
    assert window.headache_days_per_28 == 13.3


def test_windows_are_consecutive_28_day_blocks_aligned_on_the_first_injection():
    days = diary(date(2025, 12, 8), repeat("H.", 14) + repeat(".", 28) + repeat("H", 10))
    windows = consecutive_windows(
        days=days, anchor=START, date_from=date(2025, 12, 8), date_to=date(2026, 2, 11)
    )
    assert [(w.start, w.end) for w in windows] == [
        (date(2025, 12, 8), date(2026, 1, 4)),
        (date(2026, 1, 5), date(2026, 2, 1)),
        (date(2026, 2, 2), date(2026, 3, 1)),
    ]
    assert [w.headache_days for w in windows] == [14, 0, 10]
    # The running window counts only the days that have passed and says it rests on 10 of them.
    assert (windows[2].elapsed_days, windows[2].logged_days, windows[2].sufficient) == (
        10,
        10,
        False,
    )


def test_calendar_months_count_each_class_with_its_logged_days():
    days = diary(date(2026, 2, 1), repeat("T.", 5) + repeat("S", 3) + repeat("-", 20))
    (february,) = calendar_months(days=days, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert february.logged_days == 13
    assert february.headache_days == 8
    assert february.migraine_days == 5
    assert february.acute_medication_days_by_class == {"simple_analgesic": 3, "triptan": 5}
    assert not february.sufficient


def test_a_31_day_month_needs_23_logged_days():
    days = diary(date(2026, 1, 1), repeat(".", 22))
    (january,) = calendar_months(days=days, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    assert not january.sufficient
    days = diary(date(2026, 1, 1), repeat(".", 23))
    (january,) = calendar_months(days=days, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    assert january.sufficient
