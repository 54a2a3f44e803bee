"""Packed diaries as the database hands them over: any day order, days past the as-of date."""

from __future__ import annotations

from datetime import date

from diary.analytics.timeline import DiaryUnpacker
from diary.analytics.windows import count_days

MAY_1 = date(2026, 5, 1)
MAY_2 = date(2026, 5, 2)
MAY_3 = date(2026, 5, 3)
# Shapes: "CODE DURATION CLASSES"; code 1 is a headache, 0 a headache-free day.
FOUR_HOUR_HEADACHE_WITH_TRIPTAN = "1 4 triptan"
HEADACHE_FREE = "0  "


def may_counts(*, ordinals: list[int], shapes: str, as_of: date):
    diary = DiaryUnpacker().diary(ordinals=ordinals, shapes=shapes, as_of=as_of)
    days = diary.day_calendar(rule="preempt_4h")
    return days, count_days(days=days, start=MAY_1, end=MAY_3, as_of=as_of)


def test_days_packed_out_of_date_order_are_read_in_date_order():
    days, counts = may_counts(
        ordinals=[MAY_3.toordinal(), MAY_1.toordinal(), MAY_2.toordinal()],
        shapes=f"{HEADACHE_FREE},{FOUR_HOUR_HEADACHE_WITH_TRIPTAN},{HEADACHE_FREE}",
        as_of=MAY_3,
    )

    assert list(days) == [MAY_1, MAY_2, MAY_3]
    assert days[MAY_1].headache_day and days[MAY_1].migraine_day
    assert not days[MAY_3].headache_day
    assert (counts.logged_days, counts.headache_days) == (3, 1)
    assert counts.acute_medication_days_by_class == {"triptan": 1}


def test_days_after_the_as_of_date_are_left_out():
    days, counts = may_counts(
        ordinals=[MAY_3.toordinal(), MAY_1.toordinal()],
        shapes=f"{FOUR_HOUR_HEADACHE_WITH_TRIPTAN},{HEADACHE_FREE}",
        as_of=MAY_2,
    )

    assert list(days) == [MAY_1]
    assert (counts.logged_days, counts.headache_days) == (1, 0)


def test_a_diary_with_no_days_counts_nothing():
    days, counts = may_counts(ordinals=[], shapes="", as_of=MAY_3)

    assert len(days) == 0
    assert counts.logged_days == 0
