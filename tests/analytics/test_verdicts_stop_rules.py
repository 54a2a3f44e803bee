"""A met "stop when well" rule is the guideline's verdict (clinical.md, "Judging response").

NICE TA260 stops when episodic (< 15 headache days a month) for 3 consecutive months; EHF 2018
when < 10 a month for 3 months, and re-evaluates 4-5 months later. A verdict never says
"Continue" or "Responder" beside its own stopping rule met, and keeps the response figure.
"""

from __future__ import annotations

from datetime import date

from diary.analytics import baseline as rules
from diary.analytics import verdicts as verdict_rules
from tests.analytics.diaries import (
    BASELINE_20,
    course_analysis,
    repeat,
)

# A 12-week cycle with a headache one day a week: about 4 headache days a month.
QUIET = repeat(".", 7) + repeat("H......", 11)
# Three headache days a week: about 13 a month, episodic for NICE, not below EHF's 10.
TWELVE = repeat(".", 7) + repeat("HH.H...", 11)
# Four a week: about 17 a month, neither.
BUSY = repeat(".", 7) + repeat("HHHH...", 11)


def verdicts(*cycles: str, baseline: str = BASELINE_20, as_of_days: int = 10, running=False):
    """Each cycle given, the next injection after the last one unless ``running``."""
    analysis = course_analysis(*cycles, baseline=baseline, as_of_days=as_of_days, running=running)
    return {verdict.guideline: verdict for verdict in analysis.verdicts}


def test_nice_says_stop_episodic_not_continue_when_its_stop_rule_is_met():
    nice = verdicts(QUIET, QUIET, QUIET)["nice_ta260"]
    assert nice.stopping_rule.met
    assert nice.status == "stop_when_well"
    assert nice.text.startswith("NICE TA260: Stop (episodic for 3 months: ")
    assert nice.text.endswith("fewer than 15 headache days a month for 3 consecutive months: met.")
    assert "Continue" not in nice.text


def test_nice_keeps_the_response_figure_beside_its_stop():
    nice = verdicts(QUIET, QUIET, QUIET)["nice_ta260"]
    assert "80 % fewer headache days per 28 days after cycle 3" in nice.text
    assert nice.figures["percent_change"] is not None


def test_nice_names_the_episodic_months():
    nice = verdicts(QUIET, QUIET, QUIET)["nice_ta260"]
    first, *_, last = nice.stopping_rule.months
    first_label = date.fromisoformat(f"{first}-01").strftime("%b %Y")
    last_label = date.fromisoformat(f"{last}-01").strftime("%b %Y")
    assert f"(episodic for 3 months: {first_label} to {last_label})." in nice.text


def test_ehf_says_stop_and_re_evaluate_4_to_5_months_later_when_below_10_for_3_months():
    ehf = verdicts(QUIET, QUIET, QUIET)["ehf_2018"]
    assert ehf.status == "stop_when_well"
    assert ehf.text.startswith("EHF 2018: Stop (fewer than 10 headache days a month for 3 months: ")
    assert "), and re-evaluate 4-5 months later. Response: " in ehf.text
    assert "Responder" not in ehf.text
    assert "80 % fewer headache days per 28 days after cycle 3" in ehf.text


def test_thirteen_headache_days_a_month_stop_nice_but_ehf_stays_a_responder():
    found = verdicts(TWELVE, TWELVE, TWELVE)
    assert found["nice_ta260"].status == "stop_when_well"
    assert found["ehf_2018"].status == "responder"
    assert found["ehf_2018"].text.startswith("EHF 2018: Responder: ")
    assert "fewer than 10 headache days a month for 3 consecutive months: not met" in (
        found["ehf_2018"].text
    )


def test_a_responder_whose_stop_rule_is_not_met_is_told_to_continue():
    # 16 headache days per 28 against 28 before: 43 % fewer, still chronic.
    nice = verdicts(BUSY, BUSY, BUSY, baseline=repeat("H", 28))["nice_ta260"]
    assert not nice.stopping_rule.met
    assert nice.status == "responder"
    assert nice.text.startswith("NICE TA260: Continue: ")


def test_a_met_stop_rule_wins_before_the_response_can_be_judged():
    # Cycle 2 is 60 days in, its window still running: three quiet months have passed.
    found = verdicts(QUIET, QUIET[:60], as_of_days=60, running=True)
    nice = found["nice_ta260"]
    assert nice.stopping_rule.met
    assert nice.status == "stop_when_well"
    assert "Not yet assessable" in nice.text
    assert nice.reason.startswith("Not yet assessable")
    assert found["ahs_2021"].status == "not_yet_assessable"


def test_a_met_stop_rule_carries_no_non_response_notes():
    # 12 headache days per 28 (13 a month) against 16 before: 25 % fewer, yet episodic.
    sixteen = repeat("H", 16) + repeat(".", 12)
    nice = verdicts(TWELVE, TWELVE, TWELVE, baseline=sixteen)["nice_ta260"]
    assert nice.status == "stop_when_well"
    assert "below 30 %" in nice.text
    assert nice.notes == ()


def test_the_stop_texts_follow_the_rules_constants(monkeypatch):
    monkeypatch.setattr(rules, "CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH", 12)
    monkeypatch.setattr(rules, "EHF_STOP_HEADACHE_DAYS_PER_MONTH", 8)
    monkeypatch.setattr(rules, "EPISODIC_CONSECUTIVE_MONTHS", 2)
    monkeypatch.setattr(verdict_rules, "EHF_REEVALUATE_MONTHS", (3, 6))
    found = verdicts(QUIET, QUIET, QUIET)
    nice, ehf = found["nice_ta260"], found["ehf_2018"]
    assert nice.text.startswith("NICE TA260: Stop (episodic for 2 months: ")
    assert "fewer than 12 headache days a month for 2 consecutive months: met." in nice.text
    assert "fewer than 12 headache days a month) for 2 consecutive months" in nice.rule
    assert ehf.text.startswith("EHF 2018: Stop (fewer than 8 headache days a month for 2 months: ")
    assert "), and re-evaluate 3-6 months later." in ehf.text
    assert "fewer than 8 headache days a month for 2 months and re-evaluate 3-6" in ehf.rule
    for verdict in (nice, ehf):
        assert " 15 " not in verdict.text and " 10 " not in verdict.text
        assert "3 months" not in verdict.text and "4-5" not in verdict.text
