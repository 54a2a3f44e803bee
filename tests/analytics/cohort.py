"""A synthetic cohort for the wear-off detector: known truth, realistic diaries.

Each patient has 4 to 6 cycles of 10 to 14 weeks. Patients with wear-off have a plateau of 10 to
45 % headache days and, in most cycles, a rise of 30 to 50 points starting in weeks 9-10. Patients
without wear-off are steady at low or high frequency (up to 90 % of days), noisy from week to
week, or have a post-injection flare in week 1. Every diary misses 0 to 25 % of days at random
plus an occasional gap of several days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from diary.analytics.day_classes import DayClasses
from diary.analytics.timeline import Injection

START = date(2022, 1, 3)
HEADACHE = DayClasses(
    headache_day=True, migraine_day=True, moderate_severe_day=True, acute_medication_classes=()
)
HEADACHE_FREE = DayClasses(
    headache_day=False, migraine_day=False, moderate_severe_day=False, acute_medication_classes=()
)
NO_WEAR_OFF_KINDS = ("steady_low", "steady_high", "noisy", "flare")


@dataclass(frozen=True)
class SyntheticPatient:
    kind: str
    wear_off: bool
    days: dict[date, DayClasses]
    injections: tuple[Injection, ...]
    as_of: date


def synthetic_patient(rng: random.Random, *, kind: str) -> SyntheticPatient:
    wear_off = kind == "wear_off"
    plateau = rng.uniform(0.6, 0.9) if kind == "steady_high" else rng.uniform(0.1, 0.45)
    flare = kind == "flare" or rng.random() < 0.3
    missing_rate = rng.uniform(0.0, 0.25)
    cycle_count = rng.randint(4, 6)

    days: dict[date, DayClasses] = {}
    injections = []
    start = START
    for _ in range(cycle_count):
        length = 7 * rng.randint(10, 14)
        injections.append(Injection(date=start, planned_interval_weeks=12))
        rises = wear_off and rng.random() < 0.9
        rise_from = rng.randint(56, 63)
        end_rate = min(0.95, plateau + rng.uniform(0.3, 0.5))
        gap_start = rng.randint(0, length) if rng.random() < 0.3 else -1
        gap_length = rng.randint(3, 10)
        week_rate = plateau
        for offset in range(length):
            if offset % 7 == 0 and kind == "noisy":
                week_rate = min(0.95, max(0.0, plateau + rng.gauss(0, 0.12)))
            rate = week_rate
            if flare and offset < 7:
                rate = max(rate, 0.8)
            elif rises and offset >= rise_from:
                rate = end_rate
            missing = rng.random() < missing_rate or gap_start <= offset < gap_start + gap_length
            if not missing:
                days[start + timedelta(days=offset)] = (
                    HEADACHE if rng.random() < rate else HEADACHE_FREE
                )
        start += timedelta(days=length)
    return SyntheticPatient(
        kind=kind,
        wear_off=wear_off,
        days=days,
        injections=tuple(injections),
        # The diary ends the day before the last cycle's next injection.
        as_of=start - timedelta(days=1),
    )


def synthetic_cohort(*, seed: int, per_kind: int) -> list[SyntheticPatient]:
    rng = random.Random(seed)
    patients = [synthetic_patient(rng, kind="wear_off") for _ in range(per_kind * 2)]
    for kind in NO_WEAR_OFF_KINDS:
        patients += [synthetic_patient(rng, kind=kind) for _ in range(per_kind)]
    return patients
