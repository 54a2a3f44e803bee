"""The verdicts in the words a patient reads, built from the rules' own constants.

The clinic and the PDF read the rules' messages with their references (NICE TA260, ICHD-3 8.2,
A1.1); a patient reads the same verdict in plain words here, and the references stay behind a
"why" link in the app. Only wording lives here: each status comes from its rule.

Behind that "why" a patient reads each guideline verdict's reason in plain words, once: where
guidelines agree (a window not yet over, NICE's and EHF's 30 %) they get the same sentence, and
no guideline is named, only that the clinic follows guidelines.
"""

from __future__ import annotations

from diary.analytics import baseline as response_rules
from diary.analytics import cycles as cycle_rules
from diary.analytics import menstrual as menstrual_rules
from diary.analytics import overuse as overuse_rules
from diary.analytics import windows as window_rules
from diary.analytics.baseline import TreatmentResponse

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


def _number(value: int) -> str:
    return _NUMBERS.get(value, str(value))


def _ordinal(value: int) -> str:
    return _ORDINALS.get(value, f"{value}th")


def response_words(
    *,
    assessable: bool,
    cycles_completed: int,
    percent_change: float | None,
    stop_when_well: bool = False,
    overdue: bool = False,
) -> str | None:
    """The response in a sentence; ``stop_when_well`` when NICE's or EHF's stopping rule is met,
    whose numbers the "why" gives (``stop_when_well_words``); ``overdue`` when the running
    cycle's next injection is late, which a response still to be judged waits for."""
    words = _response_sentence(
        assessable=assessable, cycles_completed=cycles_completed, percent_change=percent_change
    )
    if overdue and not assessable:
        # Waiting on an injection that is late: the patient can do something about it.
        late = "Your next injection is overdue: book it with your clinic."
        words = f"{words} {late}" if words else late
    if not stop_when_well:
        return words
    well = (
        "Your headaches have been much less frequent for a while, so your clinic may talk with "
        "you about a break from Botox."
    )
    return f"{words} {well}" if words else well


def _response_sentence(
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


def not_judged_words(response: TreatmentResponse) -> str:
    """Why the response cannot be judged (yet), for every guideline that waits for it."""
    judged = response.judged
    if response.status == "not_yet_assessable" or judged is None:
        nth = _ordinal(response_rules.CYCLES_BEFORE_JUDGING)
        return (
            f"Doctors judge Botox from your {nth} treatment cycle on, which starts with your "
            f"{nth} injection: they look at your diary from day {cycle_rules.RESPONSE_FIRST_DAY} "
            "after an injection until the next one is due. The first days after an injection "
            "are left out: the injections themselves can bring on a headache, and Botox takes "
            "some days to start working."
        )
    window = judged.window
    if window is None:
        return (
            f"Treatment cycle {judged.cycle} was too short to judge: the next injection came "
            f"before day {cycle_rules.RESPONSE_FIRST_DAY}."
        )
    if not window.assessable:
        return (
            f"Too few days were logged in the part of treatment cycle {judged.cycle} that "
            f"counts: {window.logged_days} of {window.days} days, and at least "
            f"{window.min_logged_days} are needed to judge. Log every day, good days too."
        )
    if not judged.baseline_per_28:
        return (
            "There is no record of how many headache days you had before Botox, so there is "
            "nothing to compare with. Your clinic can enter how many you remember."
        )
    return "There is not enough in your diary yet to say how well Botox works for you."


def response_threshold_words(*, responder: bool) -> str:
    """The 30 % that NICE and EHF look for, in one sentence they share."""
    looked_for = (
        f"The guidelines your clinic follows look for at least "
        f"{response_rules.RESPONDER_NICE_PERCENT} % fewer headache days after "
        f"{_number(response_rules.CYCLES_BEFORE_JUDGING)} treatment cycles"
    )
    if responder:
        return f"{looked_for}, and you have that."
    return (
        f"{looked_for}, and you do not have that yet. Some people respond later, after more "
        "cycles: your clinic will talk with you about what to do next."
    )


def trial_response_words() -> str:
    return (
        f"You have at least {response_rules.RESPONDER_TRIAL_PERCENT} % fewer headache days: the "
        "change that studies of Botox look for."
    )


def stop_when_well_words(*, below_ehf_limit: bool, reevaluate_months: tuple[int, int]) -> str:
    """A met "stop when well" rule. EHF's lower limit, when met, holds NICE's too, so NICE and
    EHF then give the same sentence."""
    months = _number(response_rules.EPISODIC_CONSECUTIVE_MONTHS)
    if below_ehf_limit:
        first, last = reevaluate_months
        return (
            f"You have had fewer than {response_rules.EHF_STOP_HEADACHE_DAYS_PER_MONTH} headache "
            f"days a month for {months} months in a row. When that happens, the guidelines your "
            f"clinic follows suggest a break from Botox, and a check {first} to {last} months "
            "later of whether you need it again. Your clinic will talk this through with you."
        )
    return (
        f"You have had fewer than {response_rules.CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH} headache "
        f"days a month for {months} months in a row. When that happens, the guidelines your "
        "clinic follows suggest stopping Botox to see whether you still need it. Your clinic "
        "will talk this through with you."
    )


def migraine_or_moderate_severe_words(
    *, band: str, days_per_28: float, optimal_below: int, modest_max: int
) -> str:
    """IHS 2025's days with migraine or moderate-to-severe headache, and what its band means."""
    meaning = {
        "freedom": "none at all is the best result there is.",
        "optimal": f"fewer than {optimal_below} is a very good result.",
        "modest": f"{optimal_below} to {modest_max} is a modest result: there may be room to "
        "do better.",
        "insufficient": f"more than {modest_max} means headaches still get in your way: talk "
        "to your clinic about what else could help.",
    }
    return (
        f"Days with migraine or a moderate or severe headache: {days_per_28:g} in "
        f"{window_rules.WINDOW_DAYS} days; {meaning[band]}"
    )


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
