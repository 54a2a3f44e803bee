"""Each guideline's verdict on the response, side by side (clinical.md, "Judging response").

Guidelines disagree, so each verdict is shown with its own rule, over the same window: the judged
cycle's days 7 to its planned interval (``baseline.treatment_response``), held to the same
logging floor. Every sentence is built from the rules' constants.

- NICE TA260: stop if < 30 % fewer headache days after 2 cycles; stop when episodic
  (< 15 headache days a month) for 3 consecutive months.
- EHF 2018 (J Headache Pain 19:91): non-responder below 30 %; stop after 2-3 non-responding
  cycles, so after cycle 2 a third is allowed; stop when < 10 headache days a month for 3 months
  and re-evaluate 4-5 months later.
- AHS 2021 (Headache 61:1021): >= 50 % fewer monthly headache days, or MIDAS or HIT-6 improved.
  No questionnaire is recorded yet, so those criteria are unknown and a patient below 50 % is
  "unknown", never "not met". Assessed at >= 6 months of a quarterly treatment: we read that as
  after 2 cycles, the same point as NICE, since 2 injections 12 weeks apart are the 6 months.
- IHS 2025 (Cephalalgia 45(2)): days a month with migraine or moderate-to-severe headache:
  0 freedom, < 4 optimal, 4-6 modest, > 6 insufficient. Counted per 28 logged days, the month
  every other figure here uses (PREEMPT; IHS trial guidelines).
- Late responders exist (27 % -> 48 % responders from cycle 2 to 5 among first-cycle
  non-responders, Front Neurol 2017;8:655): a NICE non-response verdict says so beside it.

A met "stop when well" rule is that guideline's verdict (``stop_when_well``), whatever the
response: NICE and EHF state it without waiting for the 2 cycles, so "Continue" or "Responder"
never stands beside it. The response figure (or why there is none yet) follows it.

Each verdict also carries ``patient_message``, its reason in the patient's words
(``patient_words``), for the app's "why".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

# The rules' constants are read through their modules when a sentence is built, so a sentence
# always states the threshold the verdict was judged by.
from diary.analytics import baseline as rules
from diary.analytics import cycles, windows
from diary.analytics import patient_words as words
from diary.analytics.baseline import EpisodicRun, TreatmentResponse

NICE = "nice_ta260"
EHF = "ehf_2018"
AHS = "ahs_2021"
IHS = "ihs_2025"
TITLES = {NICE: "NICE TA260", EHF: "EHF 2018", AHS: "AHS 2021", IHS: "IHS 2025"}

# EHF 2018: stop after 2-3 non-responding cycles.
EHF_MAX_NON_RESPONDING_CYCLES = 3
# EHF 2018: after stopping when well, re-evaluate 4-5 months later.
EHF_REEVALUATE_MONTHS = (4, 5)
# IHS 2025: days a month with migraine or moderate-to-severe headache.
IHS_OPTIMAL_BELOW = 4
IHS_MODEST_MAX = 6
# Front Neurol 2017;8:655: >= 50 % responders among first-cycle non-responders, by cycle.
LATE_RESPONDERS = {"after_cycle": 2, "percent": 27, "later_cycle": 5, "later_percent": 48}
LATE_RESPONDERS_SOURCE = "Front Neurol 2017;8:655"

Status = Literal[
    "not_yet_assessable",
    "not_assessable",
    "responder",
    "non_responder",
    # NICE's or EHF's "stop when well" rule is met.
    "stop_when_well",
    "unknown",
    "freedom",
    "optimal",
    "modest",
    "insufficient",
]


@dataclass(frozen=True)
class Criterion:
    name: str
    status: Literal["met", "not_met", "unknown"]
    text: str


@dataclass(frozen=True)
class StoppingRule:
    """A "stop when well" rule: below a monthly limit for some consecutive months."""

    text: str
    met: bool
    months: tuple[str, ...]


@dataclass(frozen=True)
class GuidelineVerdict:
    guideline: str
    title: str
    status: Status
    # Ready to show: the verdict with its figure, or why it is not assessable.
    text: str
    # The guideline's rule in words.
    rule: str
    after_cycle: int | None
    window_start: date | None
    window_end: date | None
    window_days: int | None
    logged_days: int | None
    min_logged_days: int | None
    figures: dict[str, float | int | None]
    reason: str
    notes: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    stopping_rule: StoppingRule | None = None
    # The reason in the patient's words (``patient_words``); empty when there is none to give.
    patient_message: str = ""


def late_responders_note() -> str:
    late = LATE_RESPONDERS
    return (
        f"Late responders exist: among first-cycle non-responders, {late['percent']} % were "
        f">= {rules.RESPONDER_TRIAL_PERCENT} % responders after cycle {late['after_cycle']} and "
        f"{late['later_percent']} % after cycle {late['later_cycle']} ({LATE_RESPONDERS_SOURCE})."
    )


def ehf_third_cycle_note() -> str:
    return (
        f"EHF 2018 stops only after {rules.CYCLES_BEFORE_JUDGING}-{EHF_MAX_NON_RESPONDING_CYCLES} "
        f"non-responding cycles: a third cycle is allowed."
    )


def _stopping_rule(*, episodic: EpisodicRun, limit: int, met: bool, who: str) -> StoppingRule:
    return StoppingRule(
        text=(
            f"{who} stops when there are fewer than {limit} headache days a month for "
            f"{rules.EPISODIC_CONSECUTIVE_MONTHS} consecutive months: "
            f"{'met' if met else 'not met'}."
        ),
        met=met,
        months=tuple(windows.month_label(m.start) for m in episodic.months),
    )


def _months_text(episodic: EpisodicRun) -> str:
    if not episodic.months:
        return ""
    first, last = episodic.months[0].start, episodic.months[-1].start
    return f": {first:%b %Y} to {last:%b %Y}"


def _reevaluate_text() -> str:
    first, last = EHF_REEVALUATE_MONTHS
    return f"re-evaluate {first}-{last} months later"


def _response_beside(response: TreatmentResponse) -> str:
    """The response figure, or why there is none yet, beside a met stopping rule."""
    unjudged = _unjudged(response)
    if unjudged is not None:
        return unjudged[1]
    met = "at least" if response.responder_30 else "below"
    return f"Response: {_change_text(response)}, {met} {rules.RESPONDER_NICE_PERCENT} %."


def _window(response: TreatmentResponse) -> dict:
    return {
        "after_cycle": response.assessed_after_cycle,
        "window_start": response.window_start,
        "window_end": response.window_end,
        "window_days": response.window_days,
        "logged_days": response.logged_days,
        "min_logged_days": response.min_logged_days,
    }


def _headache_figures(response: TreatmentResponse) -> dict[str, float | int | None]:
    last = response.last_28_days
    return {
        "baseline_headache_days_per_28": response.baseline_headache_days_per_28,
        "headache_days": response.headache_days,
        "headache_days_per_28": response.headache_days_per_28,
        "percent_change": response.percent_change,
        "last_28_days_percent_change": last.percent_change if last else None,
        "overdue_days": response.overdue_days,
    }


def _change_text(response: TreatmentResponse) -> str:
    change = response.percent_change
    assert change is not None
    return (
        f"{abs(round(change))} % {'fewer' if change <= 0 else 'more'} headache days per "
        f"{windows.WINDOW_DAYS} days after cycle {response.assessed_after_cycle} "
        f"({response.headache_days_per_28:g} against {response.baseline_headache_days_per_28:g})"
    )


def _unjudged(response: TreatmentResponse) -> tuple[Status, str] | None:
    if response.status in ("not_yet_assessable", "not_assessable"):
        return response.status, response.message
    return None


def nice_verdict(*, response: TreatmentResponse, episodic: EpisodicRun) -> GuidelineVerdict:
    rule = (
        f"Stop after {rules.CYCLES_BEFORE_JUDGING} cycles with less than a "
        f"{rules.RESPONDER_NICE_PERCENT} % reduction in headache days a month; stop when "
        f"episodic (fewer than "
        f"{rules.CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH} headache days a month) for "
        f"{rules.EPISODIC_CONSECUTIVE_MONTHS} consecutive months."
    )
    stopping = _stopping_rule(
        episodic=episodic,
        limit=rules.CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH,
        met=episodic.episodic,
        who=TITLES[NICE],
    )
    notes: tuple[str, ...] = ()
    unjudged = _unjudged(response)
    status: Status
    if stopping.met:
        status = "stop_when_well"
        text = (
            f"Stop (episodic for {rules.EPISODIC_CONSECUTIVE_MONTHS} months"
            f"{_months_text(episodic)}). {_response_beside(response)}"
        )
        patient = words.stop_when_well_words(
            below_ehf_limit=episodic.below_ehf_limit, reevaluate_months=EHF_REEVALUATE_MONTHS
        )
    elif unjudged is not None:
        status, text = unjudged
        patient = words.not_judged_words(response)
    elif response.responder_30:
        status = "responder"
        text = f"Continue: {_change_text(response)}, at least {rules.RESPONDER_NICE_PERCENT} %."
        patient = words.response_threshold_words(responder=True)
    else:
        status = "non_responder"
        text = (
            f"Stop (non-response): {_change_text(response)}, "
            f"below {rules.RESPONDER_NICE_PERCENT} %."
        )
        notes = (ehf_third_cycle_note(), late_responders_note())
        patient = words.response_threshold_words(responder=False)
    return GuidelineVerdict(
        guideline=NICE,
        title=TITLES[NICE],
        status=status,
        text=f"{TITLES[NICE]}: {text} {stopping.text}",
        rule=rule,
        **_window(response),
        figures=_headache_figures(response),
        reason="" if unjudged is None else unjudged[1],
        notes=notes,
        stopping_rule=stopping,
        patient_message=patient,
    )


def ehf_verdict(*, response: TreatmentResponse, episodic: EpisodicRun) -> GuidelineVerdict:
    rule = (
        f"Non-responder below a {rules.RESPONDER_NICE_PERCENT} % reduction in headache days; "
        f"stop after "
        f"{rules.CYCLES_BEFORE_JUDGING}-{EHF_MAX_NON_RESPONDING_CYCLES} non-responding "
        f"cycles; stop when fewer than {rules.EHF_STOP_HEADACHE_DAYS_PER_MONTH} headache days "
        f"a month for {rules.EPISODIC_CONSECUTIVE_MONTHS} months and {_reevaluate_text()}."
    )
    stopping = _stopping_rule(
        episodic=episodic,
        limit=rules.EHF_STOP_HEADACHE_DAYS_PER_MONTH,
        met=episodic.below_ehf_limit,
        who=TITLES[EHF],
    )
    unjudged = _unjudged(response)
    status: Status
    if stopping.met:
        status = "stop_when_well"
        text = (
            f"Stop (fewer than {rules.EHF_STOP_HEADACHE_DAYS_PER_MONTH} headache days a month "
            f"for {rules.EPISODIC_CONSECUTIVE_MONTHS} months{_months_text(episodic)}), and "
            f"{_reevaluate_text()}. {_response_beside(response)}"
        )
        patient = words.stop_when_well_words(
            below_ehf_limit=True, reevaluate_months=EHF_REEVALUATE_MONTHS
        )
    elif unjudged is not None:
        status, text = unjudged
        patient = words.not_judged_words(response)
    elif response.responder_30:
        status = "responder"
        text = f"Responder: {_change_text(response)}, at least {rules.RESPONDER_NICE_PERCENT} %."
        patient = words.response_threshold_words(responder=True)
    else:
        status = "non_responder"
        judged = response.judged
        in_course = judged.cycle_in_course if judged else rules.CYCLES_BEFORE_JUDGING
        then = (
            "stop."
            if in_course >= EHF_MAX_NON_RESPONDING_CYCLES
            else "a third cycle is allowed before stopping."
        )
        text = (
            f"Non-responder: {_change_text(response)}, "
            f"below {rules.RESPONDER_NICE_PERCENT} %; {then}"
        )
        patient = words.response_threshold_words(responder=False)
    return GuidelineVerdict(
        guideline=EHF,
        title=TITLES[EHF],
        status=status,
        text=f"{TITLES[EHF]}: {text} {stopping.text}",
        rule=rule,
        **_window(response),
        figures=_headache_figures(response),
        reason="" if unjudged is None else unjudged[1],
        stopping_rule=stopping,
        patient_message=patient,
    )


def ahs_verdict(*, response: TreatmentResponse) -> GuidelineVerdict:
    rule = (
        f"At least {rules.RESPONDER_TRIAL_PERCENT} % fewer monthly headache days, or MIDAS "
        f"down >= 5 points (baseline 11-20) or >= 30 % (baseline > 20), or HIT-6 down >= 5 points; "
        f"assessed after {rules.CYCLES_BEFORE_JUDGING} quarterly cycles (6 months)."
    )
    questionnaires = (
        Criterion("midas", "unknown", "MIDAS: no questionnaire recorded."),
        Criterion("hit6", "unknown", "HIT-6: no score recorded."),
    )
    unjudged = _unjudged(response)
    # Below 50 % the other criteria are unknown: the 30 % sentence already says where it stands.
    patient = ""
    if unjudged is not None:
        status, text = unjudged
        patient = words.not_judged_words(response)
        criteria: tuple[Criterion, ...] = (
            Criterion("headache_days", "unknown", text),
            *questionnaires,
        )
    else:
        # AHS 2021's headache-day criterion is the trials' 50 %.
        met = bool(response.responder_50)
        days = Criterion(
            "headache_days",
            "met" if met else "not_met",
            f"Headache days: {_change_text(response)}; {rules.RESPONDER_TRIAL_PERCENT} % needed.",
        )
        criteria = (days, *questionnaires)
        if met:
            status, text = "responder", f"Responder on headache days: {_change_text(response)}."
            patient = words.trial_response_words()
        else:
            status = "unknown"
            text = (
                f"Not shown on headache days ({_change_text(response)}, below "
                f"{rules.RESPONDER_TRIAL_PERCENT} %); MIDAS and HIT-6 are not recorded, so the "
                f"other criteria are unknown."
            )
    return GuidelineVerdict(
        guideline=AHS,
        title=TITLES[AHS],
        status=status,
        text=f"{TITLES[AHS]}: {text}",
        rule=rule,
        **_window(response),
        figures=_headache_figures(response),
        reason="" if unjudged is None else text,
        criteria=criteria,
        patient_message=patient,
    )


def ihs_band(days_per_28: float) -> Status:
    if days_per_28 == 0:
        return "freedom"
    if days_per_28 < IHS_OPTIMAL_BELOW:
        return "optimal"
    if days_per_28 <= IHS_MODEST_MAX:
        return "modest"
    return "insufficient"


def ihs_verdict(*, response: TreatmentResponse) -> GuidelineVerdict:
    rule = (
        f"Days a month with migraine or moderate-to-severe headache: 0 freedom, fewer than "
        f"{IHS_OPTIMAL_BELOW} optimal, {IHS_OPTIMAL_BELOW}-{IHS_MODEST_MAX} modest, more than "
        f"{IHS_MODEST_MAX} insufficient. A {rules.RESPONDER_TRIAL_PERCENT} % reduction alone "
        f"may not restore quality of life."
    )
    judged = response.judged
    window = judged.window if judged else None
    figure = window.migraine_or_moderate_severe_days_per_28 if window else None
    unjudged = _unjudged(response)
    if unjudged is not None or figure is None:
        status, text = unjudged or ("not_assessable", response.message)
        patient = words.not_judged_words(response)
    else:
        status = ihs_band(figure)
        text = (
            f"{status.capitalize()}: {figure:g} days with migraine or moderate-to-severe "
            f"headache per {windows.WINDOW_DAYS} days after cycle {response.assessed_after_cycle} "
            f"(days {cycles.RESPONSE_FIRST_DAY} to the planned interval)."
        )
        patient = words.migraine_or_moderate_severe_words(
            band=status,
            days_per_28=figure,
            optimal_below=IHS_OPTIMAL_BELOW,
            modest_max=IHS_MODEST_MAX,
        )
    return GuidelineVerdict(
        guideline=IHS,
        title=TITLES[IHS],
        status=status,
        text=f"{TITLES[IHS]}: {text}",
        rule=rule,
        **_window(response),
        figures={
            "migraine_or_moderate_severe_days": (
                window.migraine_or_moderate_severe_days if window else None
            ),
            "migraine_or_moderate_severe_days_per_28": figure,
        },
        reason="" if status not in ("not_yet_assessable", "not_assessable") else text,
        patient_message=patient,
    )


def guideline_verdicts(
    *, response: TreatmentResponse, episodic: EpisodicRun
) -> tuple[GuidelineVerdict, ...]:
    return (
        nice_verdict(response=response, episodic=episodic),
        ehf_verdict(response=response, episodic=episodic),
        ahs_verdict(response=response),
        ihs_verdict(response=response),
    )
