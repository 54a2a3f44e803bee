"""The verdicts in the words a patient reads, built from the rules' own constants.

The clinic and the PDF read the rules' messages with their references (NICE TA260, ICHD-3 8.2,
A1.1); a patient reads the same verdict in plain words here, and the references stay behind a
"why" link in the app. Only wording lives here: each status comes from its rule.
"""

from __future__ import annotations

from diary.analytics import baseline as response_rules
from diary.analytics import menstrual as menstrual_rules
from diary.analytics import overuse as overuse_rules

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _number(value: int) -> str:
    return _NUMBERS.get(value, str(value))


def response_words(
    *, assessable: bool, cycles_completed: int, percent_change: float | None
) -> str | None:
    if not assessable:
        if cycles_completed < response_rules.CYCLES_BEFORE_JUDGING:
            cycles = _number(response_rules.CYCLES_BEFORE_JUDGING)
            return (
                "It is too early to say how well Botox works for you: doctors judge it after "
                f"your first {cycles} treatment cycles."
            )
        return "There is not enough in your diary yet to say how well Botox works for you."
    if percent_change is None:
        return None
    amount = abs(round(percent_change))
    more_or_fewer = "fewer" if percent_change <= 0 else "more"
    return f"You have {amount} % {more_or_fewer} headache days than before Botox."


def overuse_words(status: str) -> str:
    months = _number(overuse_rules.SUSTAINED_MONTHS - 1)
    words = {
        "none": "Your use of acute medicines is below the level that can make headaches more "
        "frequent.",
        "at_risk": "You have been taking acute medicines on many days. Taken this often for "
        "longer, they can make headaches more frequent: talk to your clinic.",
        "overuse": f"You have taken acute medicines on many days for more than {months} months. "
        "This can make headaches more frequent: talk to your clinic.",
        "not_enough_data": "Too few days are logged to tell whether you take acute medicines "
        "too often. Log every day, good days too.",
    }
    return words[status]


def menstrual_words(status: str) -> str:
    cycles = _number(menstrual_rules.MIN_CYCLES)
    words = {
        "not_assessable": f"Keep ticking your period days: after {cycles} fully logged cycles "
        "the diary can tell whether your migraines come with your period.",
        "not_met": "Your migraines do not seem to follow your period.",
        "menstrually_related": "Your migraines often come around your period, and at other "
        "times too. Your clinic may suggest treatment timed to your period.",
        "pure_menstrual": "Your migraines come only around your period. Your clinic may suggest "
        "treatment timed to your period.",
    }
    return words[status]


def menstrual_hint(*, cycles_with_attack: int, cycles_assessed: int) -> str:
    return (
        f"{cycles_with_attack} of {cycles_assessed} periods checked had a migraine from "
        f"{menstrual_rules.DAYS_BEFORE_DAY_1} days before to {menstrual_rules.DAYS_FROM_DAY_1} "
        "days after day 1."
    )
