"""The patient's "Why?" under the response: each reason once, in plain words, from the constants.

Every guideline verdict carries its reason in the patient's words (``patient_message``); where
guidelines agree they say the same sentence, so the app shows it once.
"""

from __future__ import annotations

import re

import pytest

from diary.analytics import baseline as rules
from diary.analytics import cycles
from diary.analytics.patient_words import response_words
from tests.analytics.diaries import (
    course_analysis,
    repeat,
)

QUIET = repeat(".", 7) + repeat("H......", 11)  # about 4 headache days a month
JARGON = re.compile(
    r"NICE|TA260|EHF|AHS|IHS|PREEMPT|MIDAS|HIT-6|ICHD|responder|episodic|assessable|"
    r"endpoint|criteria|insufficient|Stop \(",
)


def cycle(headache_days: int) -> str:
    """Days 7-83 of a 12-week cycle with 56 logged days: each headache day is half a day per 28."""
    return (
        repeat(".", 7) + repeat("-", 21) + repeat("H", headache_days) + "." * (56 - headache_days)
    )


def why(*cycles: str, as_of_days: int = 3, running: bool = False) -> list[str]:
    """What the app shows behind "Why?": the verdicts' patient words, each once, in order."""
    analysis = course_analysis(*cycles, as_of_days=as_of_days, running=running)
    return list(dict.fromkeys(v.patient_message for v in analysis.verdicts if v.patient_message))


SCENARIOS = {
    "one injection": lambda: why(QUIET[:40], as_of_days=40, running=True),
    "thin window": lambda: why(cycle(26), repeat(".", 7) + repeat("-", 40) + repeat(".", 37)),
    "responder": lambda: why(cycle(26), cycle(26)),
    "non-responder": lambda: why(cycle(32), cycle(32)),
    "well for 3 months": lambda: why(QUIET, QUIET, QUIET, as_of_days=10),
}


def test_too_early_to_judge_gives_one_reason_not_four():
    reasons = why(QUIET[:40], as_of_days=40, running=True)
    assert len(reasons) == 1
    assert reasons[0].startswith("Doctors judge Botox from your second treatment cycle on")
    assert "from day 7 after an injection" in reasons[0]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_patients_why_names_no_guideline_and_no_clinical_term(scenario):
    reasons = SCENARIOS[scenario]()
    assert reasons
    assert not [reason for reason in reasons if JARGON.search(reason)]


def test_a_non_responder_first_hears_the_30_percent_and_that_some_respond_later():
    first = why(cycle(32), cycle(32))[0]
    assert first.startswith("The guidelines your clinic follows look for at least 30 % fewer")
    assert "Some people respond later" in first


def test_a_responder_hears_the_30_percent_once_though_two_guidelines_use_it():
    reasons = why(cycle(26), cycle(26))
    assert sum("at least 30 % fewer" in reason for reason in reasons) == 1


def test_a_thin_window_says_how_many_days_were_logged_and_needed():
    reasons = why(cycle(26), repeat(".", 7) + repeat("-", 40) + repeat(".", 37))
    assert reasons == [
        "Too few days were logged in the part of treatment cycle 2 that counts: 37 of 77 days, "
        "and at least 55 are needed to judge. Log every day, good days too."
    ]


def test_three_quiet_months_tell_the_patient_about_a_break_and_the_check_after_it():
    reasons = why(QUIET, QUIET, QUIET, as_of_days=10)
    assert reasons[0] == (
        "You have had fewer than 10 headache days a month for three months in a row. When that "
        "happens, the guidelines your clinic follows suggest a break from Botox, and a check 4 "
        "to 5 months later of whether you need it again. Your clinic will talk this through "
        "with you."
    )


def test_the_patients_words_follow_the_constants(monkeypatch):
    monkeypatch.setattr(rules, "RESPONDER_NICE_PERCENT", 40)
    monkeypatch.setattr(rules, "CYCLES_BEFORE_JUDGING", 3)
    monkeypatch.setattr(cycles, "RESPONSE_FIRST_DAY", 10)
    early = why(QUIET[:40], as_of_days=40, running=True)[0]
    assert early.startswith("Doctors judge Botox from your third treatment cycle on, which starts")
    assert "with your third injection" in early and "from day 10 after" in early
    judged = why(cycle(26), cycle(26), cycle(26))[0]  # -35 %
    assert judged.startswith("The guidelines your clinic follows look for at least 40 % fewer")
    assert "after three treatment cycles, and you do not have that yet" in judged


def test_the_lead_sentence_can_add_the_break_a_met_stop_rule_brings():
    words = response_words(
        assessable=True, cycles_completed=3, percent_change=-71.2, stop_when_well=True
    )
    assert words == (
        "You have 71 % fewer headache days than before Botox. Your headaches have been much "
        "less frequent for a while, so your clinic may talk with you about a break from Botox."
    )
    assert response_words(assessable=True, cycles_completed=3, percent_change=-71.2) == (
        "You have 71 % fewer headache days than before Botox."
    )
