"""The patient's plain words follow the rules' constants: the app restates none of them."""

from __future__ import annotations

from diary.analytics import baseline, menstrual, overuse
from diary.analytics.patient_words import (
    menstrual_hint,
    menstrual_words,
    overuse_words,
    response_words,
)


def test_overuse_says_how_long_in_the_rules_months(monkeypatch):
    assert "for more than three months" in overuse_words("overuse")
    monkeypatch.setattr(overuse, "SUSTAINED_MONTHS", 5)
    assert "for more than four months" in overuse_words("overuse")


def test_an_early_response_names_the_cycles_the_guidelines_wait_for(monkeypatch):
    words = response_words(assessable=False, cycles_completed=1, percent_change=None)
    assert words is not None and "after your first two treatment cycles" in words
    monkeypatch.setattr(baseline, "CYCLES_BEFORE_JUDGING", 3)
    words = response_words(assessable=False, cycles_completed=2, percent_change=None)
    assert words is not None and "after your first three treatment cycles" in words


def test_a_response_says_fewer_or_more_headache_days():
    fewer = response_words(assessable=True, cycles_completed=2, percent_change=-44.4)
    more = response_words(assessable=True, cycles_completed=2, percent_change=12.0)
    assert fewer == "You have 44 % fewer headache days than before Botox."
    assert more == "You have 12 % more headache days than before Botox."


def test_the_menstrual_words_follow_the_a1_1_window(monkeypatch):
    assert "after three fully logged cycles" in menstrual_words("not_assessable")
    monkeypatch.setattr(menstrual, "DAYS_FROM_DAY_1", 4)
    hint = menstrual_hint(cycles_with_attack=2, cycles_assessed=3)
    assert hint == "2 of 3 periods checked had a migraine from 2 days before to 4 days after day 1."
