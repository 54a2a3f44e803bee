"""End-of-cycle wear-off: did headaches come back before the next injection?

Clinical basis: wear-off is common (62.9 % of 143 patients, Masters-Israilov & Robbins, Headache
2019), most often in the 2-4 weeks before the next injection; weekly diaries show a U-shaped
curve with wear-off from weeks 8-10 (Headache 2020, PMID 31758548). Clinicians answer it by
shortening the interval to 10 weeks, raising the dose or bridging, so the detector flags and
shows its evidence; the clinician decides.

Method, per cycle. Within each cycle, logged days are split into the plateau (weeks 3-9, days
14-62: after onset and after the post-injection flare of weeks 1-2) and the end of the cycle
(week 10, day 63, to the day before the next injection, or to the as-of date). Missing days are
left out of both windows, never counted as headache-free. A cycle is assessed only when the
plateau has at least ``MIN_PLATEAU_LOGGED_DAYS`` (21 of 49) and the end window at least
``MIN_END_LOGGED_DAYS`` (5, so a cycle shortened to 10 weeks, whose end window is one week, can
still be read) logged days. Headache days versus headache-free logged days in the two windows
form a 2x2 table of counts; a one-sided Fisher exact test (``scipy.stats.fisher_exact``,
alternative "greater") asks whether the end of the cycle has a higher proportion of headache
days than the plateau. An exact test suits small counts of days, where a normal approximation
fails, and weighs the evidence by how many days were logged, so missing days only widen the
uncertainty. A cycle shows wear-off when p < ``ALPHA`` (0.05) *and* the end proportion exceeds
the plateau's by at least ``MIN_RISK_DIFFERENCE`` (0.20, about 5-6 more headache days per 28):
the test alone would call a tiny rise significant in a long diary, the effect size alone would
fire on noise in a short one. The comparison is within the cycle, so a patient whose headaches
are frequent all cycle long has no rise to find (and a plateau near the ceiling leaves no room
for a 20-point rise); the plateau starts in week 3, so the flare of week 1 is never compared.

Method, per patient ("repeated over cycles"). The pattern is established when either
- at least ``MIN_POSITIVE_CYCLES`` (2) assessed cycles show wear-off on their own: a noise-only
  cycle passes at most 1 time in 20, two of them far more rarely; or
- the evidence pooled over all assessed cycles (their tables summed, the same one-sided Fisher
  test) gives p < ``POOLED_ALPHA`` (0.01, stricter because it is a second look) with a pooled
  rise of at least 0.20, and at least 2 cycles rise by 0.20 or more. This catches patients whose
  every cycle rises but whose short end windows (10-11 week cycles, missing days) are each too
  small to reach significance alone.

On the synthetic cohort of tests/analytics/test_wear_off.py (seed 20260101) this gives a
sensitivity of 0.98 and a specificity of 0.995; the test asserts >= 0.9 and >= 0.95.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

# The kernel scipy.stats.fisher_exact calls for a one-sided 2x2 test; see one_sided_fisher_p.
from scipy.special._ufuncs import _hypergeom_cdf

from diary.analytics.cycles import TreatmentCycle

ALPHA = 0.05
MIN_RISK_DIFFERENCE = 0.20
MIN_PLATEAU_LOGGED_DAYS = 21
MIN_END_LOGGED_DAYS = 5
MIN_POSITIVE_CYCLES = 2
POOLED_ALPHA = 0.01

CycleVerdict = Literal["wear_off", "no_wear_off", "insufficient_data"]


@dataclass(frozen=True)
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
    risk_difference: float | None
    p_value: float | None
    verdict: CycleVerdict
    reason: str


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


def end_of_cycle_rise(
    *,
    plateau_logged_days: int,
    plateau_headache_days: int,
    end_logged_days: int,
    end_headache_days: int,
) -> tuple[float, float]:
    """Risk difference (end minus plateau) and the one-sided Fisher exact p-value."""
    p_value = one_sided_fisher_p(
        end_headache_days,
        end_logged_days - end_headache_days,
        plateau_headache_days,
        plateau_logged_days - plateau_headache_days,
    )
    difference = end_headache_days / end_logged_days - plateau_headache_days / plateau_logged_days
    return difference, p_value


def one_sided_fisher_p(a: int, b: int, c: int, d: int) -> float:
    """``scipy.stats.fisher_exact([[a, b], [c, d]], alternative="greater")``'s p-value.

    The same computation, step for step (scipy 1.17, ``_stats_py.fisher_exact`` and
    ``rv_discrete.cdf``), so the same float, without the array handling that makes each call
    ~70 us: the nightly scan runs several tests per patient. tests/analytics/test_wear_off.py
    checks it against scipy over a grid of tables.
    """
    if 0 in (a + b, c + d, a + c, b + d):
        return 1.0
    total, row, column = a + b + c + d, a + b, b + d
    # P(X <= b) for X ~ Hypergeom(total, row, column): the second column, as scipy does.
    if b >= min(row, column):
        return 1.0
    if b < max(column - (total - row), 0):
        return 0.0
    return min(max(float(_hypergeom_cdf(b, row, column, total)), 0.0), 1.0)


def cycle_wear_off(*, cycle: TreatmentCycle) -> CycleWearOff:
    plateau = cycle.plateau
    end = cycle.end_of_cycle
    end_logged = end.logged_days if end else 0
    end_headache = end.headache_days if end else 0

    def result(verdict: CycleVerdict, reason: str, **stats) -> CycleWearOff:
        values = {"plateau_rate": None, "end_rate": None, "risk_difference": None, "p_value": None}
        return CycleWearOff(
            cycle=cycle.number,
            start=cycle.start,
            end=cycle.end,
            plateau_logged_days=plateau.logged_days,
            plateau_headache_days=plateau.headache_days,
            end_logged_days=end_logged,
            end_headache_days=end_headache,
            verdict=verdict,
            reason=reason,
            **(values | stats),
        )

    if plateau.logged_days < MIN_PLATEAU_LOGGED_DAYS:
        return result(
            "insufficient_data",
            f"{plateau.logged_days} days logged in weeks 3-9 ({MIN_PLATEAU_LOGGED_DAYS} needed).",
        )
    if end_logged < MIN_END_LOGGED_DAYS:
        return result(
            "insufficient_data",
            f"{end_logged} days logged from week 10 ({MIN_END_LOGGED_DAYS} needed).",
        )
    difference, p_value = end_of_cycle_rise(
        plateau_logged_days=plateau.logged_days,
        plateau_headache_days=plateau.headache_days,
        end_logged_days=end_logged,
        end_headache_days=end_headache,
    )
    stats = {
        "plateau_rate": round(plateau.headache_days / plateau.logged_days, 3),
        "end_rate": round(end_headache / end_logged, 3),
        "risk_difference": round(difference, 3),
        "p_value": round(p_value, 4),
    }
    if p_value < ALPHA and difference >= MIN_RISK_DIFFERENCE:
        return result(
            "wear_off",
            f"Headache days rose from {stats['plateau_rate']:.0%} of logged days in weeks 3-9 "
            f"to {stats['end_rate']:.0%} from week 10 (p = {p_value:.3g}).",
            **stats,
        )
    if p_value >= ALPHA:
        reason = f"No significant rise from week 10 (p = {p_value:.3g})."
    else:
        reason = f"The rise ({difference:.0%}) is below {MIN_RISK_DIFFERENCE:.0%}."
    return result("no_wear_off", reason, **stats)


def wear_off_pattern(*, cycles: Sequence[TreatmentCycle]) -> WearOffPattern:
    verdicts = tuple(cycle_wear_off(cycle=cycle) for cycle in cycles)
    assessed = [v for v in verdicts if v.verdict != "insufficient_data"]
    positive = tuple(v.cycle for v in verdicts if v.verdict == "wear_off")
    rising = [v for v in assessed if (v.risk_difference or 0) >= MIN_RISK_DIFFERENCE]
    pooled_difference = pooled_p_value = None
    if assessed:
        pooled_difference, pooled_p_value = end_of_cycle_rise(
            plateau_logged_days=sum(v.plateau_logged_days for v in assessed),
            plateau_headache_days=sum(v.plateau_headache_days for v in assessed),
            end_logged_days=sum(v.end_logged_days for v in assessed),
            end_headache_days=sum(v.end_headache_days for v in assessed),
        )
    pooled = (
        len(rising) >= MIN_POSITIVE_CYCLES
        and pooled_p_value is not None
        and pooled_p_value < POOLED_ALPHA
        and pooled_difference >= MIN_RISK_DIFFERENCE
    )
    established = len(positive) >= MIN_POSITIVE_CYCLES or pooled
    if len(positive) >= MIN_POSITIVE_CYCLES:
        message = (
            f"End-of-cycle wear-off in cycles {', '.join(map(str, positive))} of "
            f"{len(assessed)} assessed."
        )
    elif established:
        message = (
            f"End-of-cycle wear-off over cycles {', '.join(str(v.cycle) for v in rising)} "
            f"taken together (p = {pooled_p_value:.3g})."
        )
    elif positive:
        message = f"Wear-off in cycle {positive[0]} only: not yet a pattern."
    else:
        message = f"No end-of-cycle wear-off in {len(assessed)} assessed cycles."
    return WearOffPattern(
        established=established,
        assessed_cycles=len(assessed),
        wear_off_cycles=positive,
        rising_cycles=tuple(v.cycle for v in rising),
        pooled_risk_difference=None if pooled_difference is None else round(pooled_difference, 3),
        pooled_p_value=None if pooled_p_value is None else round(pooled_p_value, 4),
        cycles=verdicts,
        message=message,
        parameters={
            "alpha": ALPHA,
            "min_risk_difference": MIN_RISK_DIFFERENCE,
            "min_plateau_logged_days": MIN_PLATEAU_LOGGED_DAYS,
            "min_end_logged_days": MIN_END_LOGGED_DAYS,
            "min_wear_off_cycles": MIN_POSITIVE_CYCLES,
            "pooled_alpha": POOLED_ALPHA,
        },
    )
