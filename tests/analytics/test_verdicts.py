"""Each guideline's verdict side by side (clinical.md, "Judging response: windows and when")."""

from __future__ import annotations

from diary.analytics import baseline as rules
from tests.analytics.diaries import (
    course_analysis,
    repeat,
)


def cycle(headache_days: int, *, migraine: bool = True) -> str:
    """A 12-week cycle: a quiet first week, then days 7-83 with 21 missing and 56 logged days,
    so each headache day is half a day per 28 (``H`` migraine, ``h`` mild headache)."""
    kind = "H" if migraine else "h"
    return (
        repeat(".", 7) + repeat("-", 21) + repeat(kind, headache_days) + "." * (56 - headache_days)
    )


def verdicts(*cycles: str, as_of_days: int = 3):
    analysis = course_analysis(*cycles, as_of_days=as_of_days)
    return {verdict.guideline: verdict for verdict in analysis.verdicts}


def test_there_is_one_verdict_per_guideline():
    assert list(verdicts(cycle(26), cycle(26))) == [
        "nice_ta260",
        "ehf_2018",
        "ahs_2021",
        "ihs_2025",
    ]


def test_a_nice_non_responder_is_told_ehf_allows_a_third_cycle_and_late_responders_exist():
    nice = verdicts(cycle(32), cycle(32))["nice_ta260"]  # 16 per 28: -20 %
    assert nice.status == "non_responder"
    assert nice.text.startswith("NICE TA260: Stop (non-response): 20 % fewer headache days")
    assert "a third cycle is allowed" in nice.notes[0]
    assert "Late responders exist" in nice.notes[1]
    assert "27 %" in nice.notes[1] and "48 %" in nice.notes[1]


def test_ehf_allows_a_third_cycle_then_stops():
    after_2 = verdicts(cycle(32), cycle(32))["ehf_2018"]
    after_3 = verdicts(cycle(32), cycle(32), cycle(32))["ehf_2018"]
    assert after_2.status == after_3.status == "non_responder"
    assert "a third cycle is allowed before stopping" in after_2.text
    assert "below 30 %; stop." in after_3.text


def test_the_ehf_stop_rule_is_fewer_than_10_headache_days_a_month_for_3_months():
    # Three cycles with about 4 headache days a month: below NICE's 15 and EHF's 10.
    quiet = repeat(".", 7) + repeat("H......", 11)
    found = verdicts(quiet, quiet, quiet, as_of_days=10)
    assert found["ehf_2018"].stopping_rule.met
    assert found["nice_ta260"].stopping_rule.met
    assert "fewer than 10 headache days a month for 3 consecutive months: met" in (
        found["ehf_2018"].text
    )


def test_twelve_headache_days_a_month_are_episodic_for_nice_but_not_below_ehfs_limit():
    twelve = repeat(".", 7) + repeat("HH.H...", 11)  # 3 a week: about 13 a month
    found = verdicts(twelve, twelve, twelve, as_of_days=10)
    assert found["nice_ta260"].stopping_rule.met
    assert not found["ehf_2018"].stopping_rule.met


def test_ahs_is_unknown_below_50_percent_since_no_questionnaire_is_recorded():
    ahs = verdicts(cycle(26), cycle(26))["ahs_2021"]  # -35 %
    assert ahs.status == "unknown"
    assert [(c.name, c.status) for c in ahs.criteria] == [
        ("headache_days", "not_met"),
        ("midas", "unknown"),
        ("hit6", "unknown"),
    ]


def test_ahs_calls_50_percent_fewer_headache_days_a_response():
    assert verdicts(cycle(20), cycle(20))["ahs_2021"].status == "responder"


def test_ihs_2025_grades_days_with_migraine_or_moderate_to_severe_headache():
    # 26 mild headache days: -35 % headache days, yet no migraine or moderate-severe day.
    assert verdicts(cycle(26), cycle(26, migraine=False))["ihs_2025"].status == "freedom"
    assert verdicts(cycle(26), cycle(6))["ihs_2025"].status == "optimal"  # 3 per 28
    assert verdicts(cycle(26), cycle(12))["ihs_2025"].status == "modest"  # 6 per 28
    assert verdicts(cycle(26), cycle(14))["ihs_2025"].status == "insufficient"  # 7 per 28


def test_every_verdict_says_why_a_thin_window_is_not_assessable():
    thin = repeat(".", 7) + repeat("-", 40) + repeat(".", 37)
    for verdict in verdicts(cycle(26), thin).values():
        assert verdict.status == "not_assessable"
        assert "only 37 of the 77 days" in verdict.reason
        assert verdict.reason in verdict.text


def test_the_verdict_text_follows_the_responder_constant(monkeypatch):
    monkeypatch.setattr(rules, "RESPONDER_NICE_PERCENT", 40)
    found = verdicts(cycle(26), cycle(26))  # -35 %
    assert found["nice_ta260"].status == "non_responder"
    assert "below 40 %" in found["nice_ta260"].text
    assert "less than a 40 % reduction" in found["nice_ta260"].rule
