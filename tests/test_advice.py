"""Patient advice: the cards a patient sees on each day of a cycle."""

from __future__ import annotations

from diary.advice import CYCLE_EDUCATION, education_cards


def titles(cycle_day: int) -> list[str]:
    return [card.title for card in education_cards(cycle_day=cycle_day)]


def test_the_injection_day_warns_of_the_needle_flare():
    assert titles(0) == ["The first few days", "Give it time"]


def test_the_second_week_says_when_benefit_starts():
    assert titles(9) == ["When it starts to work", "Give it time"]


def test_the_end_of_the_cycle_asks_to_keep_logging():
    assert titles(80) == ["Keep logging to the end of the cycle", "Give it time"]


def test_the_cycle_email_says_response_is_judged_after_two_or_three_cycles():
    assert "after two or three cycles" in CYCLE_EDUCATION
    assert "5 to 10 days" in CYCLE_EDUCATION
