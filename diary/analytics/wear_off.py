"""End-of-cycle wear-off: do headaches come back before the next injection, cycle after cycle?

Clinical basis (clinical.md, "End-of-cycle wear-off" and "Wear-off, more precisely"): wear-off is
common (62.9 % of 143 patients, Masters-Israilov & Robbins, Headache 2019;59:1753), most often in
the 2-4 weeks before the next injection; weekly diaries show a U-shaped curve with wear-off from
weeks 8-10 (Headache 2020, PMID 31758548). A fair detector compares, within each cycle, the end
of the cycle against that cycle's plateau (weeks 3-9), counts only logged days, needs enough of
them in both windows, is stronger when the pattern repeats, and never fires on headaches frequent
all cycle long nor on the needle flare. The system flags and shows the evidence; the clinician
decides.

Windows, per cycle (``cycle_windows``):
- Plateau: weeks 3-9 (days 14-62), after the flare and the onset.
- End of the cycle: from week 10 (day 63) to the day before the next injection, but never past
  the planned interval plus ``GRACE_WEEKS`` (1): later days are overdue (a late injection, a
  pause), the toxin gone for everyone, not end-of-cycle wear-off. On intervals of 10 weeks or
  less, the end window is the planned interval's last ``SHORT_INTERVAL_END_WEEKS`` (2) weeks
  (weeks 9-10 of a 10-week cycle) and the plateau stops before it: clinical.md asks for "the
  last 2-3 weeks before the next injection", and a 10-week interval from week 10 would leave one
  week, too little to read.
- A cycle is assessed only once its end window has closed: at the next injection, or, with none,
  when the planned interval plus the grace week is over. So a running cycle never counts while
  its end window grows, and the verdict moves only on the nights a cycle closes: re-scanning the
  same closed cycles every night gives the same answer.

The rise, per cycle (``cycle_wear_off``): the share of logged days with headache at the end
minus on the plateau. Two corrections make it hold on real diaries:
- Serial dependence. Headache days come in multi-day attacks, so the days of a window are not
  independent: a two-state Markov chain with lag-1 correlation rho has lag-k correlation rho^k,
  and the variance of a window's share of n logged days among N calendar days (completeness
  c = n/N) is p(1-p)/n times 1 + 2c sum_k (1 - k/N) rho^k. Rho is estimated per patient from the
  spread of weekly counts inside the windows of the assessed cycles (Pearson dispersion of the
  7-day blocks, matched to the same formula for a 7-day block), shrunk towards
  ``PRIOR_CORRELATION`` with the weight of ``PRIOR_WEIGHT_BLOCKS`` blocks (Cox & Snell, Analysis
  of Binary Data, 1989, ch. 3: overdispersed binomial data; Fleiss, Statistical Methods for
  Rates and Proportions, 3rd ed., 2003, design effect).
- Uneven, informative logging. Patients log bad days more often than good ones, and log less
  late in the cycle; together a drop in completeness alone raises the logged share of headache
  days. When the end window is less complete than the plateau, the rise that a bad-day logging
  ratio of ``ASSUMED_BAD_DAY_LOGGING_RATIO`` could produce from that drop alone (a selection
  model: bad days logged that many times as often as good ones, at most always) is subtracted
  from the rise before it is tested. Only windows with enough logged days are compared.

Over cycles (``wear_off_pattern``): the assessed cycles' rises are pooled by inverse-variance
weights (each cycle's rise weighs by its precision, so a thinly logged cycle counts little): the
weighted mean tests exactly what a stable patient is, no cycle rising. The between-cycle spread
(DerSimonian & Laird's tau, Control Clin Trials 1986;7:177-88) is reported beside it; weighting
by it as a random-effects model would cost sensitivity on the tuning seeds without gaining
specificity, so it is not used to decide. The pattern is established when at least
``MIN_ASSESSED_CYCLES`` cycles are pooled, the pooled rise is at least ``MIN_RISE``, the patient
is not near-daily (the pooled plateaus' share of headache days below ``NEAR_DAILY_RATE``), and
the pooled z statistic reaches ``PATIENT_Z``. The pooled
statistic is recomputed only when a cycle closes, so a patient's whole course is a
group-sequential design with one look per cycle; a constant boundary over looks (Pocock,
Biometrika 1977;64:191-9; a boundary falling with the looks, O'Brien-Fleming's shape, did worse
on the tuning seeds) keeps the chance that a stable patient is ever flagged bounded however many
cycles and nights are scanned. ``PATIENT_Z`` was set on the tuning seeds of bench/cohort.py and
is reported on held-out seeds by ``python -m bench.wear_off`` (bench/README.md has the figures
and the operating curve).

Each cycle also carries its own verdict (``wear_off`` when its rise alone is at least
``MIN_RISE`` with one-sided p < ``ALPHA``, tested with one share for both windows and a
continuity correction), shown to the clinician, but the flag rests on the pooled evidence.
A cycle whose plateau already has headache on ``NEAR_DAILY_RATE`` of logged days gets no verdict
of its own (no room for a rise to show) but is pooled like the others: leaving such cycles out
kept, for a near-daily patient, exactly the cycles whose plateau fell below the line by chance,
and with them a rise that is regression to the mean (on 1,800 held-out patients, a near-daily
patient was flagged at a pooled z of 3.9 that way). Near-daily is judged once, on the pooled
plateaus.

Supporting signals: the rise in acute-medication days is reported beside the headache days'
(they follow the headache days closely in a diary, so they add little independent evidence and
are not part of the decision). Not modelled yet: neck pain reports (stored per
injection session, ``SideEffectReport``, not in the analysis's inputs), bridging and rescue care
(nerve blocks, IM ketorolac: not recorded), and a CGRP antibody's own dose clock (preventive
history has no dose dates).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate, pairwise
from math import erfc, sqrt
from operator import attrgetter, not_
from typing import Any, Literal

from diary.analytics import cycles as cycle_rules
from diary.analytics.cycles import GRACE_WEEKS, TreatmentCycle, end_window_last_day
from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import Injection
from diary.analytics.windows import day_calendar

# The plateau and end-of-cycle weeks are the cycles' (cycles.PLATEAU_*_WEEK,
# cycles.END_OF_CYCLE_FIRST_WEEK), read when used: one constant for every window and label.
SHORT_INTERVAL_END_WEEKS = 2
# 3 of the plateau's 7 weeks, and one week's worth at the end: clinical.md asks for "enough
# logged days in both windows" without a number.
MIN_PLATEAU_LOGGED_DAYS = 21
MIN_END_LOGGED_DAYS = 7
# 22 of 28 days: headaches this frequent all cycle long leave no room for a rise (clinical.md:
# never fire on headaches frequent all cycle long; the line is this module's reading).
NEAR_DAILY_RATE = 0.8
# 0.10 of logged days: about 3 more headache days per 28, the smallest rise worth a review.
MIN_RISE = 0.10
ALPHA = 0.05
MIN_ASSESSED_CYCLES = 2
# The course-wide boundary on the pooled z: chosen on the tuning seeds so that >= 95 % of stable
# patients are never flagged over their whole course, every night scanned.
PATIENT_Z = 2.6
# Statistical assumptions, not clinical thresholds: the day-to-day correlation assumed before a
# diary shows its own (the middle of the 0.15-0.6 range of daily headache diaries), and how much
# more often a bad day is logged than a good one when correcting for fewer days logged at the
# end (a moderate reading: larger values take more rise off every tired cycle).
PRIOR_CORRELATION = 0.35
PRIOR_WEIGHT_BLOCKS = 12
MAX_CORRELATION = 0.85
ASSUMED_BAD_DAY_LOGGING_RATIO = 1.5
# Weekly blocks with fewer logged days say too little about the spread.
MIN_BLOCK_LOGGED_DAYS = 3
WEEK = 7
# Rho is estimated on this grid: finer than its uncertainty from a year of diary.
CORRELATION_STEP = 0.01

CycleVerdict = Literal["wear_off", "no_wear_off", "insufficient_data"]


@dataclass(slots=True)
class WindowDays:
    """The logged days of one window of a cycle, week by week."""

    start: date
    end: date
    calendar_days: int
    logged_days: int
    headache_days: int
    acute_medication_days: int
    # (logged days, headache days) per cycle week in the window.
    weeks: tuple[tuple[int, int], ...]

    @property
    def completeness(self) -> float:
        return self.logged_days / self.calendar_days if self.calendar_days else 0.0


@dataclass(slots=True)
class CycleWindows:
    plateau_weeks: tuple[int, int]
    end_weeks: tuple[int, int]
    plateau: WindowDays
    end: WindowDays | None
    # When the end window is over; None while it can still grow.
    closed_on: date | None
    overdue_days: int


@dataclass(frozen=True, slots=True)
class CycleWearOff:
    cycle: int
    start: date
    end: date
    plateau_logged_days: int
    plateau_headache_days: int
    end_logged_days: int
    end_headache_days: int
    plateau_rate: float | None
    end_rate: float | None
    # The rise in the share of logged days with headache, end minus plateau, after the
    # correction for informative logging; its standard error allows for serial dependence.
    risk_difference: float | None
    p_value: float | None
    verdict: CycleVerdict
    reason: str
    plateau_weeks: str = ""
    end_weeks: str = ""
    end_window_start: date | None = None
    end_window_end: date | None = None
    overdue_days: int = 0
    plateau_completeness: float | None = None
    end_completeness: float | None = None
    logging_correction: float | None = None
    rise_standard_error: float | None = None
    plateau_acute_medication_days: int = 0
    end_acute_medication_days: int = 0
    acute_medication_rise: float | None = None
    # Whether the cycle's rise is part of the pooled evidence.
    pooled: bool = False


@dataclass(frozen=True)
class WearOffPattern:
    established: bool
    assessed_cycles: int
    wear_off_cycles: tuple[int, ...]
    # Cycles whose end rose by at least the minimum effect, significant alone or not.
    rising_cycles: tuple[int, ...]
    pooled_risk_difference: float | None
    pooled_p_value: float | None
    cycles: tuple[CycleWearOff, ...]
    message: str
    parameters: dict[str, float]
    # The cycles the evidence rests on, and the last day of the last one's end window: a
    # dismissed flag comes back only when a cycle closing after that day adds evidence.
    assessed_cycle_numbers: tuple[int, ...] = ()
    assessed_cycle_starts: tuple[date, ...] = ()
    evidence_through: date | None = None
    pooled_standard_error: float | None = None
    pooled_acute_medication_rise: float | None = None
    between_cycle_spread: float | None = None
    day_correlation: float | None = None
    # The pooled z statistic when a pattern can be scored (enough cycles, a rise of at least
    # ``MIN_RISE``); established when it reaches ``PATIENT_Z``.
    score: float | None = None
    # The share of logged days with headache over the pooled cycles' plateaus; a patient at or
    # above ``NEAR_DAILY_RATE`` is never scored.
    plateau_rate: float | None = None
    near_daily: bool = False


# Windows ---------------------------------------------------------------------------------------


def window_weeks(planned_interval_weeks: int) -> tuple[tuple[int, int], int]:
    """The plateau's first and last cycle week, and the end window's first week."""
    plateau_first, plateau_last = cycle_rules.PLATEAU_FIRST_WEEK, cycle_rules.PLATEAU_LAST_WEEK
    end_first = min(
        cycle_rules.END_OF_CYCLE_FIRST_WEEK, planned_interval_weeks - SHORT_INTERVAL_END_WEEKS + 1
    )
    end_first = max(end_first, plateau_first + 1)
    return (plateau_first, min(plateau_last, end_first - 1)), end_first


_DAY = timedelta(days=1)


class DayIndex:
    """Running totals of logged, headache and acute-medication days over a patient's diary.

    Built once per analysis, so counting a week is two bisections and three subtractions: the
    nightly scan counts every week of every cycle of every patient.
    """

    __slots__ = ("_headache", "_judged", "_medication", "_ordinals")

    def __init__(self, days: Mapping[date, DayClasses]):
        ordinals, classes = day_calendar(days).days_with_ordinals()
        self._ordinals = ordinals
        self._headache = [0, *accumulate(map(_HEADACHE, classes))]
        self._medication = [0, *accumulate(map(bool, map(_MEDICATION, classes)))]
        # A headache of unknown duration is neither a headache day nor headache-free: left out
        # of the days a share rests on, as in every rate (``windows.DayCounts.judged_days``).
        # Most diaries have none: their judged days are their logged days.
        self._judged = (
            [0, *accumulate(map(not_, map(_DURATION_UNKNOWN, classes)))]
            if any(map(_DURATION_UNKNOWN, classes))
            else None
        )

    def weeks(self, *, start: date, last: date) -> tuple[list[int], list[int], list[int]]:
        """Judged, headache and acute-medication days per 7 days from ``start`` to ``last``."""
        if last < start:
            return [], [], []
        first, final = start.toordinal(), last.toordinal()
        bounds = [bisect_left(self._ordinals, day) for day in range(first, final + 1, WEEK)]
        bounds.append(bisect_right(self._ordinals, final, bounds[-1]))
        logged, headache, medication = [], [], []
        judged = self._judged
        for low, high in pairwise(bounds):
            logged.append(high - low if judged is None else judged[high] - judged[low])
            headache.append(self._headache[high] - self._headache[low])
            medication.append(self._medication[high] - self._medication[low])
        return logged, headache, medication


_HEADACHE = attrgetter("headache_day")
_MEDICATION = attrgetter("acute_medication_classes")
_DURATION_UNKNOWN = attrgetter("duration_unknown")


def _window(
    weeks: tuple[list[int], list[int], list[int]], *, start: date, last: date
) -> WindowDays:
    logged, headache, medication = weeks
    return WindowDays(
        start=start,
        end=last,
        calendar_days=max(0, (last - start).days + 1),
        logged_days=sum(logged),
        headache_days=sum(headache),
        acute_medication_days=sum(medication),
        weeks=tuple(zip(logged, headache, strict=True)),
    )


def cycle_windows(cycle: TreatmentCycle, *, index: DayIndex | None = None) -> CycleWindows:
    (plateau_first, plateau_last), end_first = window_weeks(cycle.planned_interval_weeks)
    allowed_end = end_window_last_day(
        start=cycle.start, planned_interval_weeks=cycle.planned_interval_weeks
    )
    if cycle.next_injection is not None:
        last = min(cycle.next_injection - _DAY, allowed_end)
        closed_on: date | None = cycle.next_injection
    else:
        last = min(cycle.as_of, allowed_end)
        closed_on = allowed_end if cycle.as_of >= allowed_end else None
    plateau_start = cycle.start + timedelta(days=WEEK * (plateau_first - 1))
    plateau_end = min(cycle.start + timedelta(days=WEEK * plateau_last - 1), last)
    end_start = cycle.start + timedelta(days=WEEK * (end_first - 1))
    # A running cycle is not assessed: nothing to count yet.
    if closed_on is None:
        plateau = _window(([], [], []), start=plateau_start, last=plateau_start - _DAY)
        end = None
    else:
        weeks = (index or DayIndex(cycle.days)).weeks(start=plateau_start, last=last)
        logged, headache, medication = weeks
        cut = plateau_last - plateau_first + 1
        split = end_first - plateau_first
        plateau = _window(
            (logged[:cut], headache[:cut], medication[:cut]), start=plateau_start, last=plateau_end
        )
        end = (
            _window(
                (logged[split:], headache[split:], medication[split:]), start=end_start, last=last
            )
            if end_start <= last
            else None
        )
    return CycleWindows(
        plateau_weeks=(plateau_first, plateau_last),
        end_weeks=(end_first, max(end_first, ((last - cycle.start).days // WEEK) + 1)),
        plateau=plateau,
        end=end,
        closed_on=closed_on,
        overdue_days=max(0, (cycle.end - allowed_end).days),
    )


def closed_cycle_nights(*, injections: Sequence[Injection], as_of: date) -> list[date]:
    """The nights on which a cycle's end window closes: the only nights the verdict can move."""
    nights = []
    for index, injection in enumerate(injections):
        following = injections[index + 1].date if index + 1 < len(injections) else None
        allowed = end_window_last_day(
            start=injection.date, planned_interval_weeks=injection.planned_interval_weeks
        )
        night = allowed if following is None else min(following, allowed)
        if night <= as_of:
            nights.append(night)
    return nights


# Statistics ------------------------------------------------------------------------------------


def _lag_sum(rho: float, days: int) -> float:
    """sum_{k=1}^{N-1} (1 - k/N) rho^k, in closed form, for rho on a grid of CORRELATION_STEP."""
    return _lag_sum_on_grid(round(rho / CORRELATION_STEP), days)


# The nightly scan asks for the same few (rho, window length) pairs for every patient.
@lru_cache(maxsize=8192)
def _lag_sum_on_grid(step: int, days: int) -> float:
    rho = step * CORRELATION_STEP
    if rho <= 0 or days <= 1:
        return 0.0
    return rho / (1 - rho) - rho * (1 - rho**days) / (days * (1 - rho) ** 2)


def correlation_inflation(*, rho: float, completeness: float, days: int) -> float:
    """Variance of a share of logged days over the binomial's, for a Markov chain (see above).

    1 + 2c sum_{k=1}^{N-1} (1 - k/N) rho^k for N calendar days of completeness c.
    """
    return 1 + 2 * completeness * _lag_sum(rho, days)


def day_correlation(windows: Iterable[WindowDays]) -> float:
    """Lag-1 correlation of headache days, from the spread of weekly counts inside windows.

    Within a window of B weekly blocks, the Pearson statistic of the weekly counts around the
    window's share has expectation B I_7 - I_W under the Markov chain (I_7 and I_W the inflation
    of a week and of the whole window; B - 1 for independent days). Rho is the value at which
    the windows' expectations, plus ``PRIOR_WEIGHT_BLOCKS`` blocks at ``PRIOR_CORRELATION``,
    match the observed statistic plus the prior's.
    """
    chi_square = 0.0
    # The expectation is linear in each window's completeness c: sum (B - 1)
    # + 2 S_7 sum B c - 2 sum_N S_N sum_{windows of N days} c, S the lag sum.
    independent = 0
    week_weight = 0.0
    by_length: dict[int, float] = {}
    blocks_total = 0
    for window in windows:
        weeks = [w for w in window.weeks if w[0] >= MIN_BLOCK_LOGGED_DAYS]
        if len(weeks) < 2:
            continue
        n = sum(w[0] for w in weeks)
        p = (sum(w[1] for w in weeks) + 0.5) / (n + 1)
        spread = p * (1 - p)
        chi_square += sum((h - k * p) ** 2 / (k * spread) for k, h in weeks)
        blocks = len(weeks)
        completeness = n / (WEEK * blocks)
        independent += blocks - 1
        week_weight += blocks * completeness
        by_length[WEEK * blocks] = by_length.get(WEEK * blocks, 0.0) + completeness
        blocks_total += blocks
    mean_completeness = week_weight / blocks_total if blocks_total else 1.0
    prior_weight = PRIOR_WEIGHT_BLOCKS * mean_completeness

    lengths = list(by_length.items())
    week_factor = 2 * (week_weight + prior_weight)

    def expected(step: int) -> float:
        value = independent + PRIOR_WEIGHT_BLOCKS + week_factor * _lag_sum_on_grid(step, WEEK)
        for days, completeness_sum in lengths:
            value -= 2 * completeness_sum * _lag_sum_on_grid(step, days)
        return value

    observed = chi_square + PRIOR_WEIGHT_BLOCKS
    observed += 2 * prior_weight * _lag_sum(PRIOR_CORRELATION, WEEK)
    # The expectation grows with rho: the smallest grid value that reaches the observed.
    low, high = 0, round(MAX_CORRELATION / CORRELATION_STEP)
    while low < high:
        middle = (low + high) // 2
        if expected(middle) < observed:
            low = middle + 1
        else:
            high = middle
    return round(low * CORRELATION_STEP, 3)


def logging_correction(*, plateau: WindowDays, end: WindowDays) -> float:
    """The rise a drop in completeness alone produces when bad days are logged more often.

    Selection model: a bad day is logged ``ASSUMED_BAD_DAY_LOGGING_RATIO`` (R) times as often as
    a good one, at most always. The plateau's logged share L and completeness c give the true
    rate p = max(L c, L / (L + R (1 - L))); at the end window's completeness c' the same p would
    be logged as min(p R / (p R + 1 - p), p / c'). Zero when the end is as complete as the
    plateau or more: the correction never adds a rise.
    """
    if end.completeness >= plateau.completeness or not plateau.logged_days:
        return 0.0
    ratio = ASSUMED_BAD_DAY_LOGGING_RATIO
    share = plateau.headache_days / plateau.logged_days
    rate = max(share * plateau.completeness, share / (share + ratio * (1 - share)))
    if end.completeness <= 0:
        return 0.0
    expected = min(rate * ratio / (rate * ratio + 1 - rate), rate / end.completeness)
    return max(0.0, expected - share)


def _one_sided_p(z: float) -> float:
    return 0.5 * erfc(z / sqrt(2))


def _share_variance(count: int, logged: int) -> float:
    """A share's binomial variance with half a day added each way, so 0 of n is not certain."""
    share = (count + 0.5) / (logged + 1)
    return share * (1 - share)


def _rise(
    *, plateau: WindowDays, end: WindowDays, rho: float, plateau_count: int, end_count: int
) -> tuple[float, float, float]:
    """The rise of a count's share (end minus plateau) and its standard errors.

    The first allows each window its own share (what the pooled estimate weighs by); the second
    assumes no rise, one share for both windows (what a cycle's own test uses).
    """
    difference = end_count / end.logged_days - plateau_count / plateau.logged_days
    at_plateau = (
        correlation_inflation(
            rho=rho, completeness=plateau.completeness, days=plateau.calendar_days
        )
        / plateau.logged_days
    )
    at_end = (
        correlation_inflation(rho=rho, completeness=end.completeness, days=end.calendar_days)
        / end.logged_days
    )
    each = _share_variance(plateau_count, plateau.logged_days) * at_plateau
    each += _share_variance(end_count, end.logged_days) * at_end
    null = _share_variance(plateau_count + end_count, plateau.logged_days + end.logged_days)
    return difference, sqrt(each), sqrt(null * (at_plateau + at_end))


# Smaller p-values are written as below this: more digits say nothing a clinician acts on.
SMALLEST_P_SHOWN = 0.001


def p_text(value: float | None) -> str:
    """A p-value as a clinician reads one: "p = 0.03", "p < 0.001"."""
    if value is None:
        return "not tested"
    if value < SMALLEST_P_SHOWN:
        return f"p < {SMALLEST_P_SHOWN}"
    return f"p = {value:.3f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
    return f"{round(value * 100)} %"


def _signed_pct(value: float) -> str:
    return f"{round(value * 100):+d} %"


def cycle_wear_off(
    *, cycle: TreatmentCycle, windows: CycleWindows | None = None, rho: float = PRIOR_CORRELATION
) -> CycleWearOff:
    windows = windows or cycle_windows(cycle)
    plateau, end = windows.plateau, windows.end
    plateau_weeks = "{}-{}".format(*windows.plateau_weeks)
    end_weeks = "{}-{}".format(*windows.end_weeks)
    overdue = (
        f" {windows.overdue_days} overdue days after week "
        f"{cycle.planned_interval_weeks + GRACE_WEEKS} left out."
        if windows.overdue_days
        else ""
    )
    plateau_rate = end_rate = rise = p_value = correction = standard_error = None
    medication = None
    verdict: CycleVerdict = "insufficient_data"
    if windows.closed_on is None:
        closes = end_window_last_day(
            start=cycle.start, planned_interval_weeks=cycle.planned_interval_weeks
        )
        reason = (
            f"Cycle still running: its end window closes at the next injection or on "
            f"{closes.isoformat()}."
        )
    elif end is None:
        reason = f"The next injection came before week {windows.end_weeks[0]}: no end window."
    elif plateau.logged_days < MIN_PLATEAU_LOGGED_DAYS:
        reason = (
            f"{plateau.logged_days} days logged in weeks {plateau_weeks} "
            f"({MIN_PLATEAU_LOGGED_DAYS} needed)."
        )
    elif end.logged_days < MIN_END_LOGGED_DAYS:
        reason = (
            f"{end.logged_days} days logged in weeks {end_weeks} ({MIN_END_LOGGED_DAYS} needed)."
        )
    else:
        plateau_rate = plateau.headache_days / plateau.logged_days
        end_rate = end.headache_days / end.logged_days
        verdict = "no_wear_off"
        raw, standard_error, null_error = _rise(
            plateau=plateau,
            end=end,
            rho=rho,
            plateau_count=plateau.headache_days,
            end_count=end.headache_days,
        )
        correction = logging_correction(plateau=plateau, end=end)
        rise = raw - correction
        # A continuity correction (Fleiss 2003, 2.4): counts of days are whole numbers, and
        # the normal tail is too thin for end windows of a dozen days.
        continuity = 0.5 * (1 / plateau.logged_days + 1 / end.logged_days)
        p_value = _one_sided_p((rise - continuity) / null_error)
        medication = (
            end.acute_medication_days / end.logged_days
            - plateau.acute_medication_days / plateau.logged_days
        )
        corrected = (
            f", {_pct(correction)} taken off for fewer days logged at the end" if correction else ""
        )
        reason = (
            f"Headache days {_pct(plateau_rate)} of logged days in weeks {plateau_weeks}, "
            f"{_pct(end_rate)} in weeks {end_weeks}: rise {_signed_pct(rise)} "
            f"(± {_pct(1.96 * standard_error)}{corrected}; {p_text(p_value)})."
        )
        if plateau_rate >= NEAR_DAILY_RATE:
            # Pooled all the same: leaving out the cycles whose plateau happened to reach the
            # line would keep those that dipped below it by chance, and their rise with them.
            reason += (
                f" Near-daily in weeks {plateau_weeks} ({_pct(NEAR_DAILY_RATE)} or more): "
                f"no room for a rise to show in this cycle alone."
            )
        elif rise >= MIN_RISE and p_value < ALPHA:
            verdict = "wear_off"

    def rounded(value: float | None, digits: int = 3) -> float | None:
        return None if value is None else round(value, digits)

    return CycleWearOff(
        cycle=cycle.number,
        start=cycle.start,
        end=cycle.end,
        plateau_logged_days=plateau.logged_days,
        plateau_headache_days=plateau.headache_days,
        end_logged_days=end.logged_days if end else 0,
        end_headache_days=end.headache_days if end else 0,
        plateau_rate=rounded(plateau_rate),
        end_rate=rounded(end_rate),
        risk_difference=rounded(rise),
        p_value=rounded(p_value, 4),
        verdict=verdict,
        reason=reason + overdue,
        plateau_weeks=plateau_weeks,
        end_weeks=end_weeks,
        end_window_start=end.start if end else None,
        end_window_end=end.end if end else None,
        overdue_days=windows.overdue_days,
        plateau_completeness=round(plateau.completeness, 3),
        end_completeness=round(end.completeness, 3) if end else None,
        logging_correction=rounded(correction),
        rise_standard_error=rounded(standard_error),
        plateau_acute_medication_days=plateau.acute_medication_days,
        end_acute_medication_days=end.acute_medication_days if end else 0,
        acute_medication_rise=rounded(medication),
        pooled=rise is not None,
    )


# The pattern over cycles ---------------------------------------------------------------------


def _pooled_rise(rises: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """The precision-weighted rise, its standard error and the between-cycle variance.

    The weighted mean tests exactly the hypothesis a stable patient fits, that no cycle rises;
    the between-cycle variance (DerSimonian & Laird) is reported, not used to down-weight: a
    patient whose cycles wear off unevenly still wears off.
    """
    weights = [1 / se**2 for _, se in rises]
    total = sum(weights)
    fixed = sum(w * d for w, (d, _) in zip(weights, rises, strict=True)) / total
    q = sum(w * (d - fixed) ** 2 for w, (d, _) in zip(weights, rises, strict=True))
    scale = total - sum(w * w for w in weights) / total
    tau2 = max(0.0, (q - (len(rises) - 1)) / scale) if scale > 0 else 0.0
    return fixed, sqrt(1 / total), tau2


def wear_off_pattern(*, cycles: Sequence[TreatmentCycle]) -> WearOffPattern:
    index = DayIndex(cycles[0].days) if cycles else None
    windows = [cycle_windows(cycle, index=index) for cycle in cycles]
    closed = [w for w in windows if w.closed_on is not None]
    rho = day_correlation(
        window for w in closed for window in (w.plateau, w.end) if window is not None
    )
    verdicts = tuple(
        cycle_wear_off(cycle=cycle, windows=w, rho=rho)
        for cycle, w in zip(cycles, windows, strict=True)
    )
    pooled_cycles = [v for v in verdicts if v.pooled]
    # Whether headaches are near-daily is judged on the plateaus of all pooled cycles together:
    # one cycle's plateau moves by +-0.15 with correlated days, so judged cycle by cycle a
    # near-daily patient's cycles that dipped below the line by chance would make the pattern.
    plateau_days = sum(v.plateau_logged_days for v in pooled_cycles)
    plateau_rate = (
        sum(v.plateau_headache_days for v in pooled_cycles) / plateau_days if plateau_days else None
    )
    near_daily = plateau_rate is not None and plateau_rate >= NEAR_DAILY_RATE
    closing = {
        c.number: w.closed_on
        for c, w in zip(cycles, windows, strict=True)
        if w.closed_on is not None
    }
    positive = tuple(v.cycle for v in verdicts if v.verdict == "wear_off")
    rising = tuple(v.cycle for v in pooled_cycles if (v.risk_difference or 0) >= MIN_RISE)
    pooled = standard_error = tau2 = score = medication = None
    p_value = None
    if pooled_cycles:
        pooled, standard_error, tau2 = _pooled_rise(
            [(v.risk_difference or 0.0, v.rise_standard_error or 1.0) for v in pooled_cycles]
        )
        medication = sum(v.acute_medication_rise or 0 for v in pooled_cycles) / len(pooled_cycles)
        z = pooled / standard_error
        p_value = _one_sided_p(z)
        if len(pooled_cycles) >= MIN_ASSESSED_CYCLES and pooled >= MIN_RISE and not near_daily:
            score = round(z, 3)
    established = score is not None and score >= PATIENT_Z
    through = max((closing[v.cycle] for v in pooled_cycles), default=None)
    pattern = WearOffPattern(
        established=established,
        assessed_cycles=len(pooled_cycles),
        wear_off_cycles=positive,
        rising_cycles=rising,
        pooled_risk_difference=None if pooled is None else round(pooled, 3),
        pooled_p_value=None if p_value is None else round(p_value, 4),
        cycles=verdicts,
        message="",
        parameters=parameters(),
        assessed_cycle_numbers=tuple(v.cycle for v in pooled_cycles),
        assessed_cycle_starts=tuple(v.start for v in pooled_cycles),
        # The day the last pooled cycle's end window closed (its next injection, or the
        # planned interval plus the grace week).
        evidence_through=through,
        pooled_standard_error=None if standard_error is None else round(standard_error, 3),
        pooled_acute_medication_rise=None if medication is None else round(medication, 3),
        between_cycle_spread=None if tau2 is None else round(sqrt(tau2), 3),
        day_correlation=rho,
        score=score,
        plateau_rate=None if plateau_rate is None else round(plateau_rate, 3),
        near_daily=near_daily,
    )
    return _with_message(pattern)


def parameters() -> dict[str, float]:
    return {
        "plateau_first_week": cycle_rules.PLATEAU_FIRST_WEEK,
        "plateau_last_week": cycle_rules.PLATEAU_LAST_WEEK,
        "end_first_week": cycle_rules.END_OF_CYCLE_FIRST_WEEK,
        "grace_weeks": GRACE_WEEKS,
        "min_plateau_logged_days": MIN_PLATEAU_LOGGED_DAYS,
        "min_end_logged_days": MIN_END_LOGGED_DAYS,
        "near_daily_rate": NEAR_DAILY_RATE,
        "min_rise": MIN_RISE,
        "alpha": ALPHA,
        "min_assessed_cycles": MIN_ASSESSED_CYCLES,
        "patient_z": PATIENT_Z,
        "assumed_bad_day_logging_ratio": ASSUMED_BAD_DAY_LOGGING_RATIO,
        "prior_day_correlation": PRIOR_CORRELATION,
    }


def _cycle_list(numbers: Sequence[int]) -> str:
    return ", ".join(map(str, numbers))


def _with_message(pattern: WearOffPattern) -> WearOffPattern:
    return replace(pattern, message=wear_off_message(pattern))


def pooled_text(pattern: WearOffPattern) -> str:
    """The pooled rise in words: its size, 95 % interval, days per 28 and the cycles it rests on."""
    if not pattern.assessed_cycles:
        return "no cycle assessed yet"
    rise = pattern.pooled_risk_difference or 0.0
    margin = 1.96 * (pattern.pooled_standard_error or 0.0)
    text = (
        f"headache days {_signed_pct(rise)} of logged days at the end of the cycle against its "
        f"plateau (95 % interval {_signed_pct(rise - margin)} to {_signed_pct(rise + margin)}, "
        f"about {rise * 28:+.1f} days per 28), over {pattern.assessed_cycles} assessed "
        f"cycle{'' if pattern.assessed_cycles == 1 else 's'} "
        f"({_cycle_list(pattern.assessed_cycle_numbers)})"
    )
    medication = pattern.pooled_acute_medication_rise
    if medication is not None:
        text += f"; acute-medication days {_signed_pct(medication)}"
    return text


def wear_off_message(pattern: WearOffPattern) -> str:
    """One or two sentences a clinician reads: the rise with its uncertainty, and the cycles."""
    left_out = [c for c in pattern.cycles if not c.pooled]
    left = (
        f" Left out: {'; '.join(f'cycle {c.cycle}: {c.reason}' for c in left_out)}"
        if left_out
        else ""
    )
    if not pattern.assessed_cycles:
        return f"No cycle can be assessed for end-of-cycle wear-off yet.{left}"
    figures = pooled_text(pattern)
    if pattern.near_daily:
        return (
            f"No room for a rise to show: headache on {_pct(pattern.plateau_rate or 0.0)} of "
            f"logged days in the plateaus (near-daily, {_pct(NEAR_DAILY_RATE)} or more); "
            f"{figures}.{left}"
        )
    if pattern.established:
        return f"Wear-off pattern: {figures}.{left}"
    if pattern.assessed_cycles < MIN_ASSESSED_CYCLES:
        return f"Not yet a pattern: {figures}; {MIN_ASSESSED_CYCLES} assessed cycles needed.{left}"
    if (pattern.pooled_risk_difference or 0.0) < MIN_RISE:
        return f"No end-of-cycle wear-off: {figures}.{left}"
    return f"No clear pattern yet: {figures}.{left}"


def wear_off_evidence(pattern: WearOffPattern) -> dict[str, Any]:
    """The flag's evidence, JSON-ready: what the scan stores and the clinic and PDF show."""

    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "summary": pattern.message,
        "pooled_text": pooled_text(pattern),
        "wear_off_cycles": list(pattern.wear_off_cycles),
        "rising_cycles": list(pattern.rising_cycles),
        "assessed_cycles": list(pattern.assessed_cycle_numbers),
        "assessed_cycle_starts": [d.isoformat() for d in pattern.assessed_cycle_starts],
        "evidence_through": day(pattern.evidence_through),
        "pooled_risk_difference": pattern.pooled_risk_difference,
        "pooled_standard_error": pattern.pooled_standard_error,
        "pooled_p_value": pattern.pooled_p_value,
        "pooled_acute_medication_rise": pattern.pooled_acute_medication_rise,
        "between_cycle_spread": pattern.between_cycle_spread,
        "day_correlation": pattern.day_correlation,
        "score": pattern.score,
        "plateau_rate": pattern.plateau_rate,
        "near_daily": pattern.near_daily,
        "cycles": [
            {
                "cycle": c.cycle,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "plateau_weeks": c.plateau_weeks,
                "plateau_logged_days": c.plateau_logged_days,
                "plateau_headache_days": c.plateau_headache_days,
                "end_weeks": c.end_weeks,
                "end_window_start": day(c.end_window_start),
                "end_window_end": day(c.end_window_end),
                "end_logged_days": c.end_logged_days,
                "end_headache_days": c.end_headache_days,
                "overdue_days": c.overdue_days,
                "plateau_rate": c.plateau_rate,
                "end_rate": c.end_rate,
                "risk_difference": c.risk_difference,
                "rise_standard_error": c.rise_standard_error,
                "logging_correction": c.logging_correction,
                "acute_medication_rise": c.acute_medication_rise,
                "p_value": c.p_value,
                "verdict": c.verdict,
                "pooled": c.pooled,
                "reason": c.reason,
            }
            for c in pattern.cycles
        ],
        "method": pattern.parameters,
    }


def evidence_through(evidence: Mapping[str, Any]) -> date | None:
    """The last day a stored flag's evidence rests on (``wear_off_evidence``).

    Flags stored before ``evidence_through`` existed carry their cycles' ends instead.
    """
    stored = evidence.get("evidence_through")
    if stored:
        return date.fromisoformat(stored)
    ends = [c["end"] for c in evidence.get("cycles", ()) if isinstance(c, dict) and c.get("end")]
    return max(map(date.fromisoformat, ends)) if ends else None


def adds_evidence(*, evidence: Mapping[str, Any], dismissed: Mapping[str, Any]) -> bool:
    """Whether new evidence rests on a cycle closed after what a dismissed flag showed.

    A clinician who dismissed a wear-off flag has judged those cycles; the same cycles, scanned
    again on another night, must not bring the flag back.
    """
    before = evidence_through(dismissed)
    now = evidence_through(evidence)
    return before is None or (now is not None and now > before)
