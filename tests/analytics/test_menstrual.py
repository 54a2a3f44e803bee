"""Menstrual migraine, ICHD-3 A1.1 (issue 17 item 11)."""

from __future__ import annotations

from datetime import date, timedelta

from diary.analytics.day_classes import classify_day, day_facts
from diary.analytics.menstrual import menstrual_migraine, menstruation_onsets

MIGRAINE = classify_day(
    day_facts(
        headache=True,
        duration_hours=8,
        peak_severity=3,
        features=["unilateral", "pulsating", "nausea"],
        medication_classes=[],
    )
)
FREE = classify_day(
    day_facts(
        headache=False, duration_hours=None, peak_severity=0, features=[], medication_classes=[]
    )
)
AS_OF = date(2026, 6, 30)
ONSETS = [date(2026, 1, 10), date(2026, 2, 7), date(2026, 3, 7), date(2026, 4, 4)]


def diary(*, attacks_on: set[date], first=date(2026, 1, 1), last=AS_OF, missing=frozenset()):
    days = {}
    day = first
    while day <= last:
        if day not in missing:
            days[day] = MIGRAINE if day in attacks_on else FREE
        day += timedelta(days=1)
    return days


def periods(onsets=ONSETS, length=4):
    return [onset + timedelta(days=offset) for onset in onsets for offset in range(length)]


def test_day_1_is_the_first_day_of_each_run_of_ticked_days():
    assert menstruation_onsets(periods()) == ONSETS


def test_migraine_on_day_1_in_every_cycle_and_never_else_is_pure_menstrual_migraine():
    result = menstrual_migraine(
        menstruation_days=periods(), days=diary(attacks_on=set(ONSETS)), as_of=AS_OF
    )

    assert result.status == "pure_menstrual"
    assert (result.cycles_assessed, result.cycles_with_attack) == (4, 4)


def test_attacks_at_other_times_too_make_it_menstrually_related():
    attacks = set(ONSETS) | {date(2026, 1, 25), date(2026, 3, 20)}

    result = menstrual_migraine(
        menstruation_days=periods(), days=diary(attacks_on=attacks), as_of=AS_OF
    )

    assert result.status == "menstrually_related"
    assert result.attacks_outside_windows == 2


def test_day_minus_2_and_day_plus_3_are_in_the_window_and_day_plus_4_is_not():
    inside = {ONSETS[0] - timedelta(days=2), ONSETS[1] + timedelta(days=2), ONSETS[2]}
    outside = {ONSETS[3] + timedelta(days=3)}

    result = menstrual_migraine(
        menstruation_days=periods(), days=diary(attacks_on=inside | outside), as_of=AS_OF
    )

    assert [window.attack for window in result.cycles] == [True, True, True, False]


def test_two_attacked_cycles_of_four_fall_short_of_two_in_three():
    result = menstrual_migraine(
        menstruation_days=periods(), days=diary(attacks_on=set(ONSETS[:2])), as_of=AS_OF
    )

    assert result.status == "not_met"


def test_a_window_with_missing_days_and_no_attack_is_not_counted_as_no_attack():
    missing = {ONSETS[2] + timedelta(days=1)}

    result = menstrual_migraine(
        menstruation_days=periods(ONSETS[:3]),
        days=diary(attacks_on=set(ONSETS[:2]), missing=missing),
        as_of=AS_OF,
    )

    assert result.cycles[2].attack is None
    assert result.status == "not_assessable"
    assert "2 of the 3" in result.message


def test_fewer_than_three_cycles_are_not_assessable_however_clear():
    result = menstrual_migraine(
        menstruation_days=periods(ONSETS[:2]), days=diary(attacks_on=set(ONSETS)), as_of=AS_OF
    )

    assert result.status == "not_assessable"


def test_a_patient_who_never_ticks_menstruation_has_no_verdict():
    assert (
        menstrual_migraine(menstruation_days=[], days=diary(attacks_on=set()), as_of=AS_OF) is None
    )
