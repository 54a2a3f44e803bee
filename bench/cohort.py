"""A realistic synthetic cohort for the wear-off detector: known truth, diaries as kept.

What makes real diaries hard, and how each patient here gets it:

- Serially correlated days (multi-day attacks): each day's headache is a two-state Markov chain
  whose stationary rate follows the patient's course and whose lag-1 correlation ``rho`` is
  0.15-0.6: P(headache | headache yesterday) = p + rho (1 - p), P(headache | free) = p (1 - rho).
- Uneven, informative logging: completeness 60-95 %; bad days are logged up to
  ``MAX_BAD_DAY_LOGGING_RATIO`` times as often as good ones (a probability ratio, saturating at
  1); logging fatigue from week 8 to the end of the cycle (good days dropped more than bad ones);
  pre-visit over-reporting (the last days before an injection logged almost fully, and some
  headache-free days reported as headache); holidays with nothing logged.
- Wear-off starting in week 9, 10 or 11 (day 56, 63 or 70), rises from 0.1 to 0.55 of days,
  shown in most but not every cycle, with a cycle-to-cycle spread.
- 12-week, 10-week and irregular intervals (planned 12, given at 11-14 weeks); late (overdue)
  cycles and pauses, in whose overdue weeks headaches drift back towards the pre-treatment level
  for every patient, wear-off or not: that is the toxin gone, not end-of-cycle wear-off.
- Negatives that are flat (low, mid, near-daily), improving, worsening and seasonal; a week-1
  needle flare in half of all patients; acute-medicine days on most headache days.

Neck pain after an injection is reported per session (``SideEffectReport``), not per diary day,
and the detector's inputs carry no sessions' side effects, so the cohort does not model it.

Seeds: ``TUNING_SEEDS`` are the only ones the detector's constants were chosen on;
``HELD_OUT_SEEDS`` are what the benchmark reports. ``patient_cohort(seed=...)`` is deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import cos, pi

from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import Injection

START = date(2023, 1, 2)
TUNING_SEEDS = (101, 102, 103)
HELD_OUT_SEEDS = (901, 902, 903)
PATIENTS_PER_SEED = 200
BASELINE_DAYS = 28
MAX_BAD_DAY_LOGGING_RATIO = 2.5
# Where wear-off starts when a test pins a patient with wear-off but no onset week.
END_WEEK = 10

# Kind -> share of the cohort. "overdue" are stable patients with late cycles and pauses.
KINDS: dict[str, float] = {
    "wear_off": 0.40,
    "flat_low": 0.08,
    "flat_mid": 0.10,
    "near_daily": 0.07,
    "improving": 0.08,
    "worsening": 0.08,
    "seasonal": 0.07,
    "overdue": 0.12,
}
NEGATIVE_KINDS = tuple(kind for kind in KINDS if kind != "wear_off")
CORE_NEGATIVE_KINDS = ("flat_low", "flat_mid", "improving", "worsening", "seasonal")

_CLASSES: dict[tuple[bool, str | None], DayClasses] = {
    (False, None): DayClasses(False, False, False, ()),
    (True, None): DayClasses(True, False, False, ()),
    (True, "simple_analgesic"): DayClasses(True, False, False, ("simple_analgesic",)),
    (True, "triptan"): DayClasses(True, True, True, ("triptan",)),
}


@dataclass(frozen=True)
class CycleTruth:
    number: int
    start: date
    length_days: int
    planned_weeks: int
    # The rise in the rate of headache days from the onset day to the end of the cycle (0: none).
    rise: float
    onset_day: int | None
    overdue: bool


@dataclass(frozen=True)
class SyntheticPatient:
    pid: str
    kind: str
    wear_off: bool
    rise: float
    onset_week: int | None
    interval: str
    rho: float
    completeness: float
    days: dict[date, DayClasses]
    injections: tuple[Injection, ...]
    first_night: date
    as_of: date
    cycles: tuple[CycleTruth, ...] = field(repr=False)

    @property
    def has_overdue_cycle(self) -> bool:
        return any(c.overdue for c in self.cycles)

    def nights(self) -> Iterator[date]:
        """Every night a scan could run, from the first injection to the last day."""
        night = self.first_night
        while night <= self.as_of:
            yield night
            night += timedelta(days=1)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def synthetic_patient(
    rng: random.Random,
    *,
    pid: str,
    kind: str,
    rho: float | None = None,
    interval: str | None = None,
    cycle_count: int | None = None,
    rise: float | None = None,
    onset_week: int | None = None,
    completeness: float | None = None,
    bad_day_ratio: float | None = None,
    fatigue: float | None = None,
) -> SyntheticPatient:
    """One patient of ``kind``; the keyword arguments pin what a test needs fixed."""
    wear_off = kind == "wear_off"
    rho = rng.uniform(0.15, 0.6) if rho is None else rho
    interval = interval or _pick(rng, {"12": 0.65, "10": 0.15, "irregular": 0.20})
    planned = 10 if interval == "10" else 12
    cycle_count = cycle_count or rng.randint(3, 8)

    if kind == "flat_low":
        plateau = rng.uniform(0.04, 0.2)
    elif kind == "near_daily":
        plateau = rng.uniform(0.85, 0.97)
    elif kind in ("flat_mid", "overdue", "seasonal"):
        plateau = rng.uniform(0.2, 0.55)
    else:
        plateau = rng.uniform(0.1, 0.5)
    trend = 0.0
    if kind == "improving":
        plateau = rng.uniform(0.35, 0.6)
        trend = -rng.uniform(0.15, 0.3)
    elif kind == "worsening":
        plateau = rng.uniform(0.1, 0.35)
        trend = rng.uniform(0.15, 0.3)
    amplitude = rng.uniform(0.08, 0.2) if kind == "seasonal" else 0.0
    phase = rng.uniform(0, 2 * pi)
    pre_treatment = min(0.95, max(plateau + 0.15, rng.uniform(0.5, 0.8)))
    if wear_off:
        rise = rng.uniform(0.1, 0.55) if rise is None else rise
        rise = min(rise, 0.97 - plateau)
        onset_weeks = (9, 10) if planned == 10 else (9, 10, 11)
        onset_week = rng.choice(onset_weeks) if onset_week is None else onset_week
    else:
        rise, onset_week = 0.0, None
    flare = rng.random() < 0.5
    # Logging behaviour.
    drawn = rng.uniform(0.6, 0.95), rng.uniform(1.0, MAX_BAD_DAY_LOGGING_RATIO)
    completeness = drawn[0] if completeness is None else completeness
    bad_day_ratio = drawn[1] if bad_day_ratio is None else bad_day_ratio
    drawn_fatigue = rng.uniform(0.0, 0.35)
    fatigue = drawn_fatigue if fatigue is None else fatigue
    over_report = rng.uniform(0.0, 0.15) if rng.random() < 0.5 else 0.0
    medicated = rng.uniform(0.4, 0.85)
    triptan_share = rng.uniform(0.2, 0.9)

    lengths: list[int] = []
    overdue_flags: list[bool] = []
    paused = kind == "overdue" or rng.random() < 0.1
    pause_at = rng.randrange(cycle_count) if paused else -1
    for index in range(cycle_count):
        weeks = planned
        if interval == "irregular":
            weeks = rng.choice((11, 12, 12, 13, 14))
        late = 0
        if index == pause_at:
            late = rng.randint(6, 20) if rng.random() < 0.6 else rng.randint(2, 5)
        elif rng.random() < (0.3 if kind == "overdue" else 0.1):
            late = rng.randint(2, 5)
        lengths.append(7 * (weeks + late) + rng.randint(-2, 2))
        overdue_flags.append(lengths[-1] > 7 * (planned + 1))

    days: dict[date, DayClasses] = {}
    injections: list[Injection] = []
    truths: list[CycleTruth] = []
    total_days = sum(lengths)
    state = rng.random() < pre_treatment

    def log(day: date, rate: float, *, logging: float, fatigue_now: float, report: float) -> None:
        nonlocal state
        rate = min(0.98, max(0.01, rate))
        p_on = rate + rho * (1 - rate) if state else rate * (1 - rho)
        state = rng.random() < p_on
        headache = state or rng.random() < report
        good = min(1.0, logging / (rate * bad_day_ratio + 1 - rate))
        good *= 1 - fatigue_now
        bad = min(1.0, good * bad_day_ratio / (1 - fatigue_now) * (1 - 0.3 * fatigue_now))
        if rng.random() >= (bad if headache else good):
            return
        medicine = None
        if headache and rng.random() < medicated:
            medicine = "triptan" if rng.random() < triptan_share else "simple_analgesic"
        days[day] = _CLASSES[(headache, medicine)]

    first = START + timedelta(days=BASELINE_DAYS + rng.randint(0, 60))
    for offset in range(-BASELINE_DAYS, 0):
        log(
            first + timedelta(days=offset),
            pre_treatment,
            logging=completeness,
            fatigue_now=0,
            report=0,
        )
    start = first
    elapsed = 0
    for index, length in enumerate(lengths):
        injections.append(Injection(date=start, planned_interval_weeks=planned))
        shows = wear_off and rng.random() < 0.85
        cycle_rise = min(0.97 - plateau, rise * rng.uniform(0.6, 1.4)) if shows else 0.0
        onset_day = 7 * ((onset_week or END_WEEK) - 1) + rng.randint(-3, 3) if shows else None
        jitter = rng.gauss(0, 0.03)
        gap_start = rng.randrange(length) if rng.random() < 0.3 else -1
        gap_length = rng.randint(3, 14)
        truths.append(
            CycleTruth(
                number=index + 1,
                start=start,
                length_days=length,
                planned_weeks=planned,
                rise=cycle_rise,
                onset_day=onset_day,
                overdue=overdue_flags[index],
            )
        )
        for offset in range(length):
            progress = (elapsed + offset) / total_days
            rate = plateau + jitter + trend * progress
            rate += amplitude * cos(2 * pi * (elapsed + offset) / 365 + phase)
            if flare and offset < 7:
                rate += 0.3
            if onset_day is not None and offset >= onset_day:
                rate += cycle_rise
            overdue_weeks = (offset - 7 * (planned + 1)) / 7
            if overdue_weeks > 0:
                # The toxin is gone for everyone: back towards the pre-treatment rate.
                rate += (pre_treatment - rate) * min(1.0, overdue_weeks / 4)
            fatigue_now = fatigue * min(1.0, max(0.0, (offset - 49) / 35))
            to_next = length - offset
            logging, report = completeness, 0.0
            if to_next <= 4 and index + 1 < len(lengths):
                logging, fatigue_now, report = max(completeness, 0.95), 0.0, over_report
            if gap_start <= offset < gap_start + gap_length:
                logging = 0.0
            log(
                start + timedelta(days=offset),
                rate,
                logging=logging,
                fatigue_now=fatigue_now,
                report=report,
            )
        start += timedelta(days=length)
        elapsed += length
    # Observation ends somewhere in the last cycle's last weeks, or after it ran over.
    as_of = injections[-1].date + timedelta(days=rng.randint(20, lengths[-1] - 1))
    days = {day: classes for day, classes in days.items() if day <= as_of}
    return SyntheticPatient(
        pid=pid,
        kind=kind,
        wear_off=wear_off,
        rise=round(rise, 3),
        onset_week=onset_week,
        interval=interval,
        rho=rho,
        completeness=completeness,
        days=days,
        injections=tuple(injections),
        first_night=first,
        as_of=as_of,
        cycles=tuple(truths),
    )


def patient_cohort(*, seed: int, patients: int = PATIENTS_PER_SEED) -> list[SyntheticPatient]:
    """``patients`` patients in the shares of ``KINDS``, the same for the same seed."""
    rng = random.Random(seed)
    cohort = []
    for kind, share in KINDS.items():
        for number in range(round(patients * share)):
            cohort.append(synthetic_patient(rng, pid=f"{seed}-{kind}-{number}", kind=kind))
    return cohort


def cohorts(seeds: tuple[int, ...], *, patients: int = PATIENTS_PER_SEED) -> list[SyntheticPatient]:
    return [p for seed in seeds for p in patient_cohort(seed=seed, patients=patients)]


def stable_cycles_cohort(*, seed: int, patients: int, rho: float = 0.5) -> list[SyntheticPatient]:
    """Flat patients at a fixed day-to-day correlation: every cycle is a stable cycle."""
    rng = random.Random(seed)
    return [
        synthetic_patient(rng, pid=f"{seed}-stable-{n}", kind="flat_mid", rho=rho, interval="12")
        for n in range(patients)
    ]
