"""Day classes, one row per guideline case (clinical.md, "Day classes")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from diary.analytics.day_classes import (
    DURATION_BAND_MIN_HOURS,
    RULE_SETS,
    DayClasses,
    DayFacts,
    classify_day,
    day_facts,
    rule_set,
)
from diary.analytics.windows import count_days
from diary.models import DurationBand

MIGRAINE_FEATURES = frozenset({"unilateral", "pulsating", "nausea"})


def facts(**kwargs) -> DayFacts:
    values = {
        "headache": True,
        "duration_hours": None,
        "peak_severity": 0,
        "features": (),
        "medication_classes": (),
    } | kwargs
    return day_facts(**values)


# (case, facts, rule, headache_day, migraine_day, moderate_severe_day)
CASES = [
    ("no headache", facts(headache=False), "preempt_4h", False, False, False),
    (
        "severity 0 with headache false",
        facts(headache=False, peak_severity=0, duration_hours=0),
        "preempt_4h",
        False,
        False,
        False,
    ),
    (
        "headache of exactly 4 h",
        facts(duration_hours=4, peak_severity=1),
        "preempt_4h",
        True,
        False,
        False,
    ),
    (
        "headache of 3.5 h untreated",
        facts(duration_hours=3.5, peak_severity=2),
        "preempt_4h",
        False,
        False,
        False,
    ),
    (
        "headache of 3.5 h untreated, trial rule",
        facts(duration_hours=3.5, peak_severity=2),
        "trial_30min",
        True,
        False,
        True,
    ),
    (
        "headache of 20 min untreated, trial rule",
        facts(duration_hours=Decimal("0.33"), peak_severity=2),
        "trial_30min",
        False,
        False,
        False,
    ),
    (
        "headache of 30 min, trial rule",
        facts(duration_hours=0.5, peak_severity=1),
        "trial_30min",
        True,
        False,
        False,
    ),
    (
        "headache with unknown duration, untreated",
        facts(peak_severity=3),
        "preempt_4h",
        False,
        False,
        False,
    ),
    (
        "headache under 4 h treated with a triptan",
        facts(duration_hours=1, peak_severity=2, medication_classes=["triptan"]),
        "preempt_4h",
        True,
        True,
        True,
    ),
    (
        "headache under 4 h treated with paracetamol",
        facts(duration_hours=1, peak_severity=1, medication_classes=["simple_analgesic"]),
        "preempt_4h",
        True,
        False,
        False,
    ),
    (
        "a day with an ergot",
        facts(duration_hours=2, peak_severity=1, medication_classes=["ergot"]),
        "preempt_4h",
        True,
        True,
        False,
    ),
    (
        "aura alone, no headache",
        facts(headache=False, features=["aura"]),
        "preempt_4h",
        False,
        True,
        False,
    ),
    (
        "ICHD-3 C and D: unilateral, pulsating, nausea",
        facts(duration_hours=6, peak_severity=1, features=MIGRAINE_FEATURES),
        "preempt_4h",
        True,
        True,
        False,
    ),
    (
        "ICHD-3 C by severity: unilateral and moderate, with photophobia and phonophobia",
        facts(
            duration_hours=6, peak_severity=2, features=["unilateral", "photophobia", "phonophobia"]
        ),
        "preempt_4h",
        True,
        True,
        True,
    ),
    (
        "photophobia without phonophobia is not criterion D",
        facts(duration_hours=6, peak_severity=3, features=["unilateral", "photophobia"]),
        "preempt_4h",
        True,
        False,
        True,
    ),
    (
        "one pain feature is not criterion C",
        facts(duration_hours=6, peak_severity=1, features=["unilateral", "nausea"]),
        "preempt_4h",
        True,
        False,
        False,
    ),
    (
        "migraine features on a headache too short to count",
        facts(duration_hours=2, peak_severity=3, features=MIGRAINE_FEATURES),
        "preempt_4h",
        False,
        False,
        False,
    ),
    (
        "severe headache of 5 h",
        facts(duration_hours=5, peak_severity=3),
        "preempt_4h",
        True,
        False,
        True,
    ),
    (
        "a gepant treats the headache but is not migraine-specific evidence",
        facts(duration_hours=1, peak_severity=2, medication_classes=["gepant"]),
        "preempt_4h",
        True,
        False,
        True,
    ),
    (
        "medicine without headache is no headache day",
        facts(headache=False, medication_classes=["simple_analgesic"]),
        "preempt_4h",
        False,
        False,
        False,
    ),
    (
        "band 4 h or more, severe, with migraine features",
        facts(duration_band="4_h_or_more", peak_severity=3, features=MIGRAINE_FEATURES),
        "preempt_4h",
        True,
        True,
        True,
    ),
    (
        "band 30 min to 4 h is short of PREEMPT's 4 h",
        facts(duration_band="30_min_to_4_h", peak_severity=3),
        "preempt_4h",
        False,
        False,
        False,
    ),
    (
        "band 30 min to 4 h meets the trial rule's 30 min",
        facts(duration_band="30_min_to_4_h", peak_severity=3),
        "trial_30min",
        True,
        False,
        True,
    ),
    (
        "band 4 h or more meets the trial rule",
        facts(duration_band="4_h_or_more", peak_severity=1),
        "trial_30min",
        True,
        False,
        False,
    ),
    (
        "band under 30 min meets no rule untreated",
        facts(duration_band="under_30_min", peak_severity=2),
        "trial_30min",
        False,
        False,
        False,
    ),
    (
        "band under 30 min treated with a triptan",
        facts(duration_band="under_30_min", peak_severity=2, medication_classes=["triptan"]),
        "preempt_4h",
        True,
        True,
        True,
    ),
]


@pytest.mark.parametrize(
    ("day", "rule", "headache_day", "migraine_day", "moderate_severe_day"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_day_classes_follow_the_guideline(
    day, rule, headache_day, migraine_day, moderate_severe_day
):
    classes = classify_day(day, rule=rule)
    assert classes.headache_day is headache_day
    assert classes.migraine_day is migraine_day
    assert classes.moderate_severe_day is moderate_severe_day


def test_acute_medication_classes_are_listed_by_class():
    day = facts(duration_hours=2, medication_classes=["triptan", "simple_analgesic", "triptan"])
    assert classify_day(day).acute_medication_classes == ("simple_analgesic", "triptan")


def test_the_default_rule_is_preempt_4h():
    day = facts(duration_hours=3, peak_severity=2)
    assert classify_day(day) == classify_day(day, rule="preempt_4h")


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="Unknown headache-day rule"):
        rule_set("one_hour")


def test_a_missing_day_is_not_counted_as_headache_free():
    headache = DayClasses(True, True, True, ())
    days = {date(2026, 3, 1): headache, date(2026, 3, 3): headache}  # 2 March is missing
    counts = count_days(
        days=days, start=date(2026, 3, 1), end=date(2026, 3, 3), as_of=date(2026, 3, 3)
    )
    assert (counts.logged_days, counts.missing_days, counts.headache_days) == (2, 1, 2)


def test_the_duration_bands_are_cut_at_the_rule_sets_thresholds():
    edges = set(DURATION_BAND_MIN_HOURS.values()) - {Decimal(0)}

    assert edges == {rules.min_duration_hours for rules in RULE_SETS.values()}
    assert set(DURATION_BAND_MIN_HOURS) == set(DurationBand.values)


def test_an_untreated_headache_of_unknown_duration_is_counted_apart_under_every_rule():
    day = facts(peak_severity=3)

    for rule in RULE_SETS:
        classes = classify_day(day, rule=rule)
        assert (classes.headache_day, classes.duration_unknown) == (False, True)


def test_a_treated_headache_of_unknown_duration_is_a_headache_day_not_unknown():
    classes = classify_day(facts(peak_severity=2, medication_classes=["simple_analgesic"]))

    assert (classes.headache_day, classes.duration_unknown) == (True, False)


def test_a_headache_free_day_is_never_of_unknown_duration():
    assert classify_day(facts(headache=False)).duration_unknown is False


def test_a_known_duration_is_never_unknown_even_when_short():
    assert classify_day(facts(duration_hours=0, peak_severity=1)).duration_unknown is False


def test_an_unknown_band_is_refused():
    with pytest.raises(ValueError, match="duration band"):
        facts(duration_band="all day", peak_severity=1)


def test_counts_carry_the_headaches_of_unknown_duration_apart():
    days = {
        date(2026, 11, 2): classify_day(facts(duration_band="4_h_or_more", peak_severity=2)),
        date(2026, 11, 3): classify_day(facts(peak_severity=3)),
        date(2026, 11, 4): classify_day(facts(peak_severity=1)),
        date(2026, 11, 5): classify_day(facts(headache=False)),
    }

    counts = count_days(
        days=days, start=date(2026, 11, 1), end=date(2026, 11, 28), as_of=date(2026, 11, 28)
    )

    assert (counts.logged_days, counts.headache_days, counts.duration_unknown_days) == (4, 1, 2)
