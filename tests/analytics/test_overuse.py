"""Medication overuse after ICHD-3 8.2 (clinical.md, "Medication overuse")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diary.analytics.overuse import (
    THRESHOLD_DAYS,
    medication_overuse,
    overuse_limits_text,
    overuse_month,
    overuse_window,
    window_overuse_status,
)
from tests.analytics.diaries import diary, repeat

MARCH = date(2026, 3, 1)


def march(pattern: str):
    return overuse_month(
        days=diary(MARCH, pattern), start=MARCH, end=date(2026, 3, 31), as_of=date(2026, 4, 30)
    )


@pytest.mark.parametrize(
    ("case", "pattern", "over_threshold"),
    [
        ("triptan on 10 days", repeat("T", 10) + repeat(".", 21), ("triptan",)),
        ("triptan on 9 days", repeat("T", 9) + repeat(".", 22), ()),
        ("simple analgesic on 14 days", repeat("S", 14) + repeat(".", 17), ()),
        ("simple analgesic on 15 days", repeat("S", 15) + repeat(".", 16), ("simple_analgesic",)),
        ("opioid on 10 days", repeat("O", 10) + repeat(".", 21), ("opioid",)),
        (
            "5 triptan and 5 simple-analgesic days",
            repeat("TS", 5) + repeat(".", 21),
            ("mixed_classes",),
        ),
        ("gepant on 20 days: not in ICHD-3 8.2", repeat("G", 20) + repeat(".", 11), ()),
        ("5 triptan and 5 gepant days", repeat("TG", 5) + repeat(".", 21), ()),
    ],
)
def test_monthly_thresholds_follow_ichd3_8_2(case, pattern, over_threshold):
    assert march(pattern).over_threshold == over_threshold


def test_days_with_intake_count_once_per_class_whatever_the_doses():
    month = march(repeat("T", 3) + repeat("-", 28))
    assert month.days_by_class == {"triptan": 3}
    assert month.logged_days == 3


def overuse_over(months: list[str], *, as_of: date):
    days = {}
    start = date(2025, 12, 1)
    for pattern in months:
        days |= diary(start, pattern)
        start = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return medication_overuse(days=days, as_of=as_of)


def test_three_months_over_a_threshold_is_at_risk():
    result = overuse_over(
        [
            repeat(".", 31),
            repeat("T", 12) + repeat(".", 19),
            repeat("T", 12) + repeat(".", 16),
            repeat("T", 12) + repeat(".", 19),
        ],
        as_of=date(2026, 3, 31),
    )
    assert result.status == "at_risk"
    assert result.classes == {"triptan": 3}


def test_more_than_three_months_over_a_threshold_is_overuse():
    result = overuse_over(
        [
            repeat("T", 12) + repeat(".", 19),
            repeat("T", 12) + repeat(".", 19),
            repeat("T", 12) + repeat(".", 16),
            repeat("T", 12) + repeat(".", 19),
        ],
        as_of=date(2026, 3, 31),
    )
    assert result.status == "overuse"
    assert result.classes == {"triptan": 4}


def test_the_running_month_below_threshold_does_not_break_the_run():
    result = overuse_over(
        [
            repeat("T", 12) + repeat(".", 19),
            repeat("T", 12) + repeat(".", 19),
            repeat("T", 12) + repeat(".", 16),
            repeat("T", 12) + repeat(".", 19),
            repeat("T", 4),
        ],
        as_of=date(2026, 4, 4),
    )
    assert result.status == "overuse"


def test_no_threshold_met_is_none():
    result = overuse_over([repeat("S", 14) + repeat(".", 17)], as_of=date(2025, 12, 31))
    assert result.status == "none"


def test_months_of_overuse_count_whichever_class_crosses_in_each_month():
    # Triptans on 12 days, then 5 triptan and 5 simple-analgesic days (8.2.6), alternating.
    triptan, mixed = repeat("T", 12) + repeat(".", 16), repeat("TS", 5) + repeat(".", 18)
    result = overuse_over(
        [triptan + "...", mixed + "...", triptan, mixed + "..."], as_of=date(2026, 3, 31)
    )
    assert result.status == "overuse"
    assert result.months_over_threshold == 4
    assert result.classes == {"mixed_classes": 1}


def test_a_thinly_logged_month_is_not_enough_data_never_no_overuse():
    april = date(2026, 4, 1)
    result = medication_overuse(days=diary(april, repeat(".", 14)), as_of=date(2026, 5, 1))
    assert result.status == "not_enough_data"
    assert result.message == (
        "Not enough data for medication overuse: 14 of the 30 days of April 2026 logged "
        "(20 of every 28 days needed)."
    )


def test_a_thin_month_over_a_threshold_still_counts():
    april = date(2026, 4, 1)
    result = medication_overuse(days=diary(april, repeat("T", 12)), as_of=date(2026, 5, 1))
    assert result.status == "at_risk"


def test_every_caller_reads_the_running_month_and_the_four_before_it():
    assert overuse_window(as_of=date(2026, 6, 17)) == (date(2026, 2, 1), date(2026, 6, 17))
    result = medication_overuse(days={}, as_of=date(2026, 6, 17))
    assert [m.start.month for m in result.months] == [2, 3, 4, 5, 6]


def test_the_limits_sentence_follows_the_thresholds(monkeypatch):
    monkeypatch.setitem(THRESHOLD_DAYS, "triptan", 8)
    assert "8 days a month for triptans; " in overuse_limits_text()
    assert march(repeat("T", 8) + repeat(".", 23)).over_threshold == ("triptan",)


def test_a_well_logged_window_across_two_months_is_judged_on_its_own_days():
    # A baseline from 20 January to 16 February, the diary begun on 20 January: January holds
    # only 12 logged days, yet the window's 28 days are all logged.
    start = date(2026, 1, 20)
    end = start + timedelta(days=27)
    assert window_overuse_status(days=diary(start, "." * 28), start=start, end=end) == "none"
    triptans = diary(start, "T.." * 9 + "T")
    assert window_overuse_status(days=triptans, start=start, end=end) == "at_risk"
    assert window_overuse_status(days=diary(start, "." * 12), start=start, end=end) == (
        "not_enough_data"
    )
