"""What the product tells patients about their safety and their treatment, in one wording.

Emails, pushes, the API and the app show these texts; none restates them. The timing follows
clinical.md: pain often rises for a few days after the injections (the needles), benefit starts
after 5-10 days, and response is judged after 2-3 cycles (NICE stops after 2, EHF after 2-3).
"""

from __future__ import annotations

from dataclasses import dataclass

URGENT_CARE = (
    "If you have trouble swallowing, speaking or breathing, seek urgent medical care now: "
    "call your local emergency number or go to the nearest emergency department."
)
# Shown at once when a patient reports a red-flag side effect (the toxin's spread, boxed warning).
RED_FLAG_REPORTED = (
    "Trouble swallowing, speaking or breathing after botulinum toxin can be serious. "
    "Seek urgent medical care now."
)
JUDGE_AFTER_CYCLES = "two or three"


@dataclass(frozen=True)
class EducationCard:
    """Advice for days ``first_day`` to ``last_day`` of a cycle (None: to the planned
    interval's end).

    A card with no day range (``first_day`` None) is for an overdue cycle instead: the days
    after the planned interval with no next injection, which the server counts (trends'
    ``overdue_days``). Those days are no part of the cycle, so its other cards do not apply.
    """

    first_day: int | None
    last_day: int | None
    title: str
    text: str

    @property
    def overdue(self) -> bool:
        return self.first_day is None


EDUCATION_CARDS = (
    EducationCard(
        0,
        4,
        "The first few days",
        "Headache can get worse for a few days after the injections, from the needles "
        "themselves. This is common and is not a sign that the treatment has failed.",
    ),
    EducationCard(
        5,
        13,
        "When it starts to work",
        "Benefit usually begins 5 to 10 days after the injections. Keep logging every day, "
        "including the good ones.",
    ),
    EducationCard(
        14,
        None,
        "Keep logging to the end of the cycle",
        "Some people notice the effect wearing off in the last weeks before the next "
        "injection. Your diary shows your doctor whether this happens to you.",
    ),
    EducationCard(
        0,
        None,
        "Give it time",
        f"Treatment is judged after {JUDGE_AFTER_CYCLES} cycles, not one: many people who did "
        "not improve after the first cycle do after the next ones.",
    ),
    # Past the planned interval: late, not wearing off (clinical.md, "Wear-off, more precisely").
    EducationCard(
        None,
        None,
        "Book your next injection",
        "Your injection is later than planned: contact your clinic to book it. Headaches that "
        "come back while an injection is late are not the treatment wearing off early, and "
        "your clinic counts these weeks apart. Keep logging until your injection.",
    ),
)


def education_cards(*, cycle_day: int, overdue: bool = False) -> list[EducationCard]:
    """The cards for a day of the cycle (day 0 is the injection day), or for an overdue one."""
    if overdue:
        return [card for card in EDUCATION_CARDS if card.overdue]
    return [
        card
        for card in EDUCATION_CARDS
        if card.first_day is not None
        and card.first_day <= cycle_day
        and (card.last_day is None or cycle_day <= card.last_day)
    ]


# The message sent on the first days of a cycle: what to expect, then when to judge it.
CYCLE_EDUCATION = " ".join(
    card.text for card in (*education_cards(cycle_day=0), *education_cards(cycle_day=5)[:1])
)
