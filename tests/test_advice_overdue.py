"""Patient advice past the planned interval: late, not wearing off (QA #9)."""

from __future__ import annotations

from diary.advice import EDUCATION_CARDS, education_cards


def test_an_overdue_cycle_gets_the_overdue_card_alone_whatever_its_day():
    for cycle_day in (84, 90, 168, 400):
        cards = education_cards(cycle_day=cycle_day, overdue=True)
        assert [card.title for card in cards] == ["Book your next injection"]
        assert "contact your clinic to book it" in cards[0].text
        assert "not the treatment wearing off early" in cards[0].text


def test_the_overdue_card_is_never_a_card_of_a_cycle_day():
    overdue = [card for card in EDUCATION_CARDS if card.overdue]
    assert overdue
    for cycle_day in range(0, 200):
        assert not set(overdue) & set(education_cards(cycle_day=cycle_day))
