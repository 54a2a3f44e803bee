"""``python -m bench.wear_off``: the wear-off detector on the held-out synthetic cohort.

Every night of each patient's course is scanned, as the nightly job does: a patient counts as
flagged when any night's scan flags them. The detector's answer depends only on the cycles whose
end window has closed (``wear_off.closed_cycle_nights``): between two such nights its inputs are
the same days, so scanning those nights gives exactly what scanning every night gives.
``--every-night N`` checks that on N patients by scanning every single night.

Prints, on ``cohort.HELD_OUT_SEEDS`` (the constants were chosen on ``cohort.TUNING_SEEDS``):
sensitivity for rises >= 0.20 and by rise band, onset week and interval; specificity on core
negatives and on overdue patients; near-daily patients flagged; the per-cycle false-alarm rate
on stable cycles at a day-to-day correlation of 0.5; the operating curve with the best point on
each side of the targets; sensitivity by cycles assessed and rise band; ``ratio`` lines.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from bench.cohort import (
    CORE_NEGATIVE_KINDS,
    HELD_OUT_SEEDS,
    PATIENTS_PER_SEED,
    TUNING_SEEDS,
    SyntheticPatient,
    cohorts,
    stable_cycles_cohort,
)
from bench.report import ratio, say
from diary.analytics import wear_off
from diary.analytics.cycles import TreatmentCycle, treatment_cycles
from diary.analytics.windows import day_calendar

SENSITIVITY_TARGET = 0.80
SPECIFICITY_TARGET = 0.95
CYCLE_FALSE_ALARM_TARGET = 0.05
MIN_TARGET_RISE = 0.20
STABLE_CORRELATION = 0.5
STABLE_PATIENTS = 300
CURVE = (1.5, 1.75, 2.0, 2.25, 2.5, 2.6, 2.75, 3.0, 3.25, 3.5, 4.0)
# The best points on each side are searched on a finer grid than the printed curve.
FINE_CURVE = tuple(step / 20 for step in range(30, 81))
RISE_BANDS = ((0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.56))
CYCLE_BANDS = ((0, 1), (2, 3), (4, 5), (6, 9))


@dataclass(frozen=True)
class Course:
    patient: SyntheticPatient
    # The highest nightly score (None: never a pattern to score) and whether any night flagged.
    score: float | None
    flagged: bool
    nights_scanned: int
    # Cycles assessed on the last night.
    assessed_cycles: int


def cycles_on(patient: SyntheticPatient, night: date, calendar) -> list[TreatmentCycle]:
    given = tuple(i for i in patient.injections if i.date <= night)
    return treatment_cycles(days=calendar, injections=given, as_of=night)


def scan_course(patient: SyntheticPatient, *, nights: Iterable[date]) -> Course:
    calendar = day_calendar(patient.days)
    best: float | None = None
    flagged = False
    count = assessed = 0
    for night in nights:
        pattern = wear_off.wear_off_pattern(cycles=cycles_on(patient, night, calendar))
        count += 1
        assessed = pattern.assessed_cycles
        flagged |= pattern.established
        if pattern.score is not None and (best is None or pattern.score > best):
            best = pattern.score
    return Course(
        patient=patient,
        score=best,
        flagged=flagged,
        nights_scanned=count,
        assessed_cycles=assessed,
    )


def change_nights(patient: SyntheticPatient) -> list[date]:
    nights = wear_off.closed_cycle_nights(injections=patient.injections, as_of=patient.as_of)
    return sorted({n for n in nights if patient.first_night <= n <= patient.as_of})


def share(items: list[Course], test: Callable[[Course], bool]) -> tuple[float, int]:
    if not items:
        return float("nan"), 0
    return sum(map(test, items)) / len(items), len(items)


def line(label: str, value: tuple[float, int], unit: str = "") -> None:
    rate, count = value
    say(f"  {label:<58} {rate:6.3f}{unit}  (n = {count})")


def report(courses: list[Course], *, threshold: float | None = None) -> dict[str, float]:
    def flagged(course: Course) -> bool:
        if threshold is None:
            return course.flagged
        return course.score is not None and course.score >= threshold

    positives = [c for c in courses if c.patient.wear_off]
    target = [c for c in positives if c.patient.rise >= MIN_TARGET_RISE]
    core = [c for c in courses if c.patient.kind in CORE_NEGATIVE_KINDS]
    overdue = [c for c in courses if c.patient.kind == "overdue"]
    near_daily = [c for c in courses if c.patient.kind == "near_daily"]
    return {
        "sensitivity": share(target, flagged)[0],
        "specificity_core": 1 - share(core, flagged)[0],
        "specificity_overdue": 1 - share(overdue, flagged)[0],
        "near_daily_flagged": sum(map(flagged, near_daily)),
    }


def _flagged(course: Course) -> bool:
    return course.flagged


def detail(courses: list[Course]) -> None:
    positives = [c for c in courses if c.patient.wear_off]
    say("Sensitivity (patients with wear-off flagged on some night):")
    line(
        f"rise >= {MIN_TARGET_RISE}",
        share([c for c in positives if c.patient.rise >= 0.2], lambda c: c.flagged),
    )
    for low, high in ((0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.56)):
        band = [c for c in positives if low <= c.patient.rise < high]
        line(f"rise {low:.1f}-{min(high, 0.55):.2f}", share(band, lambda c: c.flagged))
    for week in (9, 10, 11):
        band = [c for c in positives if c.patient.onset_week == week and c.patient.rise >= 0.2]
        line(f"onset week {week}, rise >= 0.20", share(band, lambda c: c.flagged))
    for interval in ("12", "10", "irregular"):
        band = [c for c in positives if c.patient.interval == interval and c.patient.rise >= 0.2]
        line(
            f"{interval}-week intervals, rise >= 0.20".replace("irregular-week", "irregular"),
            share(band, lambda c: c.flagged),
        )
    for low, high in ((2, 3), (4, 5), (6, 9)):
        band = [
            c
            for c in positives
            if low <= c.assessed_cycles <= high and c.patient.rise >= MIN_TARGET_RISE
        ]
        line(f"{low}-{high} cycles assessed by the end, rise >= 0.20", share(band, _flagged))
    say("Specificity (a patient counts as flagged if any night's scan flagged them):")
    by_kind: dict[str, list[Course]] = defaultdict(list)
    for course in courses:
        if not course.patient.wear_off:
            by_kind[course.patient.kind].append(course)
    core = [c for kind in CORE_NEGATIVE_KINDS for c in by_kind[kind]]
    line(
        "core negatives (flat, improving, worsening, seasonal)",
        share(core, lambda c: not c.flagged),
    )
    for kind in CORE_NEGATIVE_KINDS:
        line(f"  {kind}", share(by_kind[kind], lambda c: not c.flagged))
    line(
        "overdue patients (late cycles and pauses, no wear-off)",
        share(by_kind["overdue"], lambda c: not c.flagged),
    )
    say(
        f"  near-daily patients flagged: {sum(c.flagged for c in by_kind['near_daily'])} "
        f"of {len(by_kind['near_daily'])}"
    )


def holds_specificity(row: dict[str, float]) -> bool:
    return (
        row["specificity_core"] >= SPECIFICITY_TARGET
        and row["specificity_overdue"] >= SPECIFICITY_TARGET
        and row["near_daily_flagged"] == 0
    )


def best_points(
    courses: list[Course],
) -> tuple[tuple[float, dict[str, float]] | None, tuple[float, dict[str, float]] | None]:
    """The most sensitive threshold holding both specificities (and no near-daily flag), and the
    most specific threshold reaching the sensitivity target."""
    rows = [(threshold, report(courses, threshold=threshold)) for threshold in FINE_CURVE]
    specific = [(t, row) for t, row in rows if holds_specificity(row)]
    sensitive = [(t, row) for t, row in rows if row["sensitivity"] >= SENSITIVITY_TARGET]
    return (
        max(specific, key=lambda item: (item[1]["sensitivity"], -item[0]), default=None),
        max(sensitive, key=lambda item: item[0], default=None),
    )


def information_table(courses: list[Course]) -> None:
    """Sensitivity by cycles assessed by the end of follow-up and by rise: what limits it."""
    positives = [c for c in courses if c.patient.wear_off]
    say("Sensitivity by cycles assessed by the end (rows) and rise band (columns), (n):")
    say(
        "  cycles  "
        + "".join(f"{low:.1f}-{min(high, 0.55):.2f}       " for low, high in RISE_BANDS)
    )
    for few, many in CYCLE_BANDS:
        cells = []
        for low, high in RISE_BANDS:
            band = [
                c
                for c in positives
                if few <= c.assessed_cycles <= many and low <= c.patient.rise < high
            ]
            rate, count = share(band, _flagged)
            cells.append(f"{rate:5.2f} ({count:3d})   " if count else "   -  (  0)   ")
        say(f"  {few}-{many}     " + "".join(cells))


def cycle_false_alarms(*, seeds: tuple[int, ...]) -> tuple[float, int]:
    """Per-cycle verdicts on stable (not overdue) cycles of flat patients at correlation 0.5."""
    alarms = assessed = 0
    per_seed = STABLE_PATIENTS // len(seeds)
    for seed in seeds:
        for patient in stable_cycles_cohort(seed=seed, patients=per_seed, rho=STABLE_CORRELATION):
            calendar = day_calendar(patient.days)
            pattern = wear_off.wear_off_pattern(cycles=cycles_on(patient, patient.as_of, calendar))
            overdue = {c.number for c in patient.cycles if c.overdue}
            for cycle in pattern.cycles:
                if cycle.cycle in overdue or cycle.verdict == "insufficient_data":
                    continue
                assessed += 1
                alarms += cycle.verdict == "wear_off"
    return alarms / max(assessed, 1), assessed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuning", action="store_true", help="use the tuning seeds instead")
    parser.add_argument("--patients", type=int, default=PATIENTS_PER_SEED, help="per seed")
    parser.add_argument(
        "--every-night",
        type=int,
        default=0,
        metavar="N",
        help="also scan every night of N patients and check the answers agree",
    )
    args = parser.parse_args(argv)
    seeds = TUNING_SEEDS if args.tuning else HELD_OUT_SEEDS
    started = time.perf_counter()
    patients = cohorts(seeds, patients=args.patients)
    built = time.perf_counter() - started
    courses = [scan_course(p, nights=change_nights(p)) for p in patients]
    scanned = time.perf_counter() - started - built
    nights = sum(1 for p in patients for _ in p.nights())
    say(
        f"Wear-off detector on {len(patients)} synthetic patients, seeds {seeds} "
        f"({'tuning' if args.tuning else 'held out'}); {nights:,} nights of courses, "
        f"{sum(c.nights_scanned for c in courses):,} scans where the inputs change; "
        f"cohort built in {built:.1f} s, scanned in {scanned:.1f} s"
    )
    if args.every_night:
        for patient in patients[: args.every_night]:
            every = scan_course(patient, nights=patient.nights())
            quick = scan_course(patient, nights=change_nights(patient))
            if (every.flagged, every.score) != (quick.flagged, quick.score):
                say(f"  MISMATCH for {patient.pid}: every night {every}, change nights {quick}")
                return 1
        say(f"  every night of {args.every_night} patients scanned: same answers")
    detail(courses)
    false_alarm, cycles = cycle_false_alarms(seeds=seeds)
    say(
        f"Per-cycle false alarms on stable cycles at correlation {STABLE_CORRELATION}: "
        f"{false_alarm:.3f} of {cycles} assessed cycles"
    )
    say(
        "Operating curve (pooled score threshold: sensitivity for rises >= 0.20, specificity on "
        "core negatives, on overdue patients, near-daily flagged):"
    )
    for threshold in CURVE:
        row = report(courses, threshold=threshold)
        mark = "  <- the detector's threshold" if threshold == wear_off.PATIENT_Z else ""
        say(
            f"  {threshold:5.2f}  sens {row['sensitivity']:.3f}  spec core "
            f"{row['specificity_core']:.3f}  spec overdue {row['specificity_overdue']:.3f}  "
            f"near-daily {row['near_daily_flagged']:.0f}{mark}"
        )
    specific, sensitive = best_points(courses)
    if specific is None:
        say("  no threshold holds both specificities with no near-daily flag")
    else:
        threshold, row = specific
        say(
            f"  best point holding both specificities >= {SPECIFICITY_TARGET}: threshold "
            f"{threshold:.2f}, sensitivity {row['sensitivity']:.3f} (specificity core "
            f"{row['specificity_core']:.3f}, overdue {row['specificity_overdue']:.3f})"
        )
    if sensitive is None:
        say(f"  no threshold reaches sensitivity {SENSITIVITY_TARGET}")
    else:
        threshold, row = sensitive
        say(
            f"  best point reaching sensitivity >= {SENSITIVITY_TARGET}: threshold "
            f"{threshold:.2f}, specificity core {row['specificity_core']:.3f}, overdue "
            f"{row['specificity_overdue']:.3f}, near-daily flagged "
            f"{row['near_daily_flagged']:.0f} (sensitivity {row['sensitivity']:.3f})"
        )
    information_table(courses)
    final = report(courses)
    ratio("wear_off_sensitivity_rise_ge_0.20", final["sensitivity"], f">={SENSITIVITY_TARGET}")
    ratio("wear_off_specificity_core", final["specificity_core"], f">={SPECIFICITY_TARGET}")
    ratio("wear_off_specificity_overdue", final["specificity_overdue"], f">={SPECIFICITY_TARGET}")
    ratio("wear_off_near_daily_flagged", final["near_daily_flagged"], "==0")
    ratio("wear_off_cycle_false_alarm_rho_0.5", false_alarm, f"<={CYCLE_FALSE_ALARM_TARGET}")
    say(f"Total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
