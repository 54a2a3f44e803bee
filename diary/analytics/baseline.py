"""Baseline, response and the stopping rules.

- Baseline: the 28 days before the first injection of the treatment course (clinical.md,
  "Baseline integrity and treatment courses"), from the diary when it holds at least 20 logged
  days there, else the clinician-entered recalled figure, marked as recalled. It is frozen when
  the course starts, whichever its source (``baseline_to_freeze``), and always shown: payers have
  stopped paying once a patient improved, so the pre-treatment figure must stay visible. Diary
  days created after the first injection make a retrospective, not prospective, baseline; a
  recalled figure entered later is marked so; the frozen baseline keeps its window's
  acute-medication days and overuse status, since a response may be withdrawal from overuse.
- Response: percent change in headache days per 28 days against baseline (PREEMPT; IHS trial
  guidelines, Tassorelli et al., Cephalalgia 2018;38:815-832). Responders at >= 50 % (trials) and
  >= 30 % (NICE TA260; European Headache Federation 2018). Only cycles actually given count:
  response is judged from cycle 2 of the current course, once its window is over: among
  first-cycle non-responders, >= 50 % responders rose from 27 % after cycle 2 to 48 % after cycle 5
  (Front Neurol 2017;8:655). The window is the cycle's days 7 to its planned interval
  (clinical.md, "Judging response"): the first week holds the needle flare and the onset, and the
  days after the planned interval are overdue, reported apart. PREEMPT's figure, the last 28 days
  of the planned interval, is given beside it. A window below the logging floor (20 of 28 days,
  or the same share of a longer window) is not assessable, with the reason.
- Non-response: < 30 % reduction after 2 cycles (NICE TA260).
- Episodic: < 15 headache days a month for 3 consecutive months in treatment (NICE TA260).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, Protocol, TypedDict

from diary.analytics.cycles import (
    PREEMPT_ENDPOINT_DAYS,
    RESPONSE_FIRST_DAY,
    TreatmentCourse,
    TreatmentCycle,
    treatment_courses,
)
from diary.analytics.day_classes import RULE_SETS, DayClasses
from diary.analytics.overuse import overuse_window, window_overuse_status
from diary.analytics.timeline import Injection, PatientTimeline
from diary.analytics.windows import (
    WINDOW_DAYS,
    DayCounts,
    count_days,
    day_calendar,
    is_sufficiently_logged,
    logging_floor_text,
    min_logged_days,
    month_bounds,
    month_end,
    month_start,
    per_28,
)

RESPONDER_NICE_PERCENT = 30
RESPONDER_TRIAL_PERCENT = 50
CYCLES_BEFORE_JUDGING = 2
CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH = 15
EPISODIC_CONSECUTIVE_MONTHS = 3
# EHF 2018: stop when < 10 headache days a month for 3 months (and re-evaluate 4-5 months later).
EHF_STOP_HEADACHE_DAYS_PER_MONTH = 10


# A recalled figure frozen this long after the course's first injection is marked as entered
# after treatment began: the nightly scan freezes a course's baseline within a day of its first
# session being recorded, and a week covers a session recorded a few days late.
RECALLED_FREEZE_GRACE_DAYS = 7

BaselineSource = Literal["diary", "recalled", "none"]


class FrozenBaselineRecord(Protocol):
    """What a frozen baseline holds: a ``FrozenBaseline`` or a stored ``TreatmentBaseline``.

    Read-only members, so the frozen dataclass fits as well as the model.
    """

    @property
    def first_injection_date(self) -> date: ...

    @property
    def window_start(self) -> date: ...

    @property
    def window_end(self) -> date: ...

    @property
    def logged_days(self) -> int: ...

    @property
    def counts(self) -> dict[str, dict[str, int]]: ...

    @property
    def frozen_at(self) -> datetime: ...

    @property
    def source(self) -> str: ...

    @property
    def retrospective(self) -> bool: ...

    @property
    def recalled_headache_days(self) -> int | None: ...

    @property
    def entered_after_treatment_began(self) -> bool: ...

    @property
    def acute_medication_days(self) -> int: ...

    @property
    def acute_medication_days_by_class(self) -> dict[str, int]: ...

    @property
    def overuse_status(self) -> str: ...


@dataclass(frozen=True)
class FrozenBaseline:
    """A course's baseline to store (``TreatmentBaseline`` has the same fields)."""

    first_injection_date: date
    window_start: date
    window_end: date
    logged_days: int
    counts: dict[str, dict[str, int]]
    frozen_at: datetime
    source: str
    retrospective: bool
    recalled_headache_days: int | None
    entered_after_treatment_began: bool
    acute_medication_days: int
    acute_medication_days_by_class: dict[str, int]
    overuse_status: str


@dataclass(frozen=True)
class Baseline:
    source: BaselineSource
    first_injection: date | None
    window_start: date | None
    window_end: date | None
    logged_days: int | None
    headache_days: int | None
    migraine_days: int | None
    moderate_severe_days: int | None
    headache_days_per_28: float | None
    sufficient: bool
    frozen: bool
    message: str
    # The treatment course the baseline belongs to (1 for the first).
    course: int = 1
    # Diary days typed in after the first injection: a retrospective, not prospective, diary.
    retrospective: bool = False
    entered_after_treatment_began: bool = False
    acute_medication_days: int | None = None
    acute_medication_days_by_class: dict[str, int] = field(default_factory=dict)
    # ICHD-3 8.2 status on the window's last day: a response may be withdrawal from overuse.
    overuse_status: str = ""


def baseline_window(*, first_injection: date) -> tuple[date, date]:
    return first_injection - timedelta(days=WINDOW_DAYS), first_injection - timedelta(days=1)


def diary_baseline_counts(*, days: Mapping[date, DayClasses], first_injection: date) -> DayCounts:
    start, end = baseline_window(first_injection=first_injection)
    return count_days(days=days, start=start, end=end, as_of=end, nominal_days=WINDOW_DAYS)


def current_course(*, injections: Sequence[Injection]) -> TreatmentCourse | None:
    courses = treatment_courses(injections=injections)
    return courses[-1] if courses else None


def frozen_for(
    *, frozen: Sequence[FrozenBaselineRecord], first_injection: date
) -> FrozenBaselineRecord | None:
    return next((b for b in frozen if b.first_injection_date == first_injection), None)


def medication_note(
    *, days: int | None, by_class: Mapping[str, int], logged_days: int | None, status: str
) -> str:
    if days is None or not logged_days:
        # A recalled figure over an unlogged window: no diary days to speak of.
        return ""
    classes = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in by_class.items())
    text = f"Acute medication on {days} of its {logged_days} logged days"
    text += f" ({classes})." if classes else "."
    if status:
        text += f" Medication overuse (ICHD-3 8.2) then: {status.replace('_', ' ')}."
    return text


def integrity_notes(record: FrozenBaselineRecord) -> str:
    notes = []
    if record.retrospective:
        notes.append(
            "Retrospective: most of its diary days were entered after the first injection, "
            "not logged day by day."
        )
    if record.entered_after_treatment_began:
        notes.append("Entered after treatment began.")
    medication = medication_note(
        days=record.acute_medication_days,
        by_class=record.acute_medication_days_by_class,
        logged_days=record.logged_days,
        status=record.overuse_status,
    )
    return " ".join([*notes, medication]).strip()


class _FrozenExtras(TypedDict):
    """The ``Baseline`` fields a frozen record carries whatever its source."""

    course: int
    retrospective: bool
    entered_after_treatment_began: bool
    acute_medication_days: int | None
    acute_medication_days_by_class: dict[str, int]
    overuse_status: str


def frozen_baseline(*, record: FrozenBaselineRecord, rule: str, course: int) -> Baseline | None:
    """The baseline as frozen, or None for a frozen "none" (nothing to compare with yet)."""
    frozen_on = record.frozen_at.date().isoformat()
    extra: _FrozenExtras = {
        "course": course,
        "retrospective": record.retrospective,
        "entered_after_treatment_began": record.entered_after_treatment_began,
        "acute_medication_days": record.acute_medication_days,
        "acute_medication_days_by_class": dict(record.acute_medication_days_by_class),
        "overuse_status": record.overuse_status,
    }
    notes = integrity_notes(record)
    if record.source == "recalled" and record.recalled_headache_days is not None:
        return Baseline(
            source="recalled",
            first_injection=record.first_injection_date,
            window_start=record.window_start,
            window_end=record.window_end,
            logged_days=None,
            headache_days=record.recalled_headache_days,
            migraine_days=None,
            moderate_severe_days=None,
            headache_days_per_28=float(record.recalled_headache_days),
            sufficient=True,
            frozen=True,
            message=(
                f"Recalled by the patient and entered by a clinician, frozen on {frozen_on}. "
                f"{notes}"
            ).strip(),
            **extra,
        )
    if record.source == "diary" and rule in record.counts:
        counts = record.counts[rule]
        return Baseline(
            source="diary",
            first_injection=record.first_injection_date,
            window_start=record.window_start,
            window_end=record.window_end,
            logged_days=record.logged_days,
            headache_days=counts["headache_days"],
            migraine_days=counts["migraine_days"],
            moderate_severe_days=counts["moderate_severe_days"],
            headache_days_per_28=per_28(
                count=counts["headache_days"],
                # Frozen before unknown durations were counted apart: none recorded.
                logged_days=record.logged_days - counts.get("duration_unknown_days", 0),
            ),
            sufficient=True,
            frozen=True,
            message=f"From the diary, frozen on {frozen_on}. {notes}".strip(),
            **extra,
        )
    return None


def treatment_baseline(
    *, timeline: PatientTimeline, rule: str, course: TreatmentCourse | None = None
) -> Baseline:
    """A treatment course's baseline (the current one's by default): as frozen, else as it
    would be frozen now."""
    course = course or current_course(injections=timeline.injections)
    if course is None:
        return Baseline(
            source="none",
            first_injection=None,
            window_start=None,
            window_end=None,
            logged_days=None,
            headache_days=None,
            migraine_days=None,
            moderate_severe_days=None,
            headache_days_per_28=None,
            sufficient=False,
            frozen=False,
            message="No injection is recorded yet: the baseline is the 28 days before the first.",
        )
    first = course.first_injection
    start, end = baseline_window(first_injection=first)
    record = frozen_for(frozen=timeline.frozen_baselines, first_injection=first)
    if record is not None:
        baseline = frozen_baseline(record=record, rule=rule, course=course.number)
        if baseline is not None:
            return baseline
    diary = diary_baseline_counts(days=timeline.day_classes(rule=rule), first_injection=first)
    if diary.sufficient:
        return Baseline(
            source="diary",
            first_injection=first,
            window_start=start,
            window_end=end,
            logged_days=diary.logged_days,
            headache_days=diary.headache_days,
            migraine_days=diary.migraine_days,
            moderate_severe_days=diary.moderate_severe_days,
            headache_days_per_28=diary.headache_days_per_28,
            sufficient=True,
            frozen=False,
            message="From the diary; frozen at the next analysis run.",
            course=course.number,
            acute_medication_days=diary.acute_medication_days,
            acute_medication_days_by_class=diary.acute_medication_days_by_class,
        )
    recalled = timeline.recalled_baseline_headache_days
    if recalled is not None:
        return Baseline(
            source="recalled",
            first_injection=first,
            window_start=start,
            window_end=end,
            logged_days=None,
            headache_days=recalled,
            migraine_days=None,
            moderate_severe_days=None,
            headache_days_per_28=float(recalled),
            sufficient=True,
            frozen=False,
            message=(
                f"Recalled by the patient and entered by a clinician: the diary holds only "
                f"{diary.logged_days} of the {WINDOW_DAYS} days before the first injection; "
                f"frozen at the next analysis run."
            ),
            course=course.number,
        )
    return Baseline(
        source="diary",
        first_injection=first,
        window_start=start,
        window_end=end,
        logged_days=diary.logged_days,
        headache_days=diary.headache_days,
        migraine_days=diary.migraine_days,
        moderate_severe_days=diary.moderate_severe_days,
        headache_days_per_28=None,
        sufficient=False,
        frozen=False,
        message=(
            f"Insufficient: the diary holds {diary.logged_days} of the {WINDOW_DAYS} days before "
            f"the first injection and no recalled figure was entered."
        ),
        course=course.number,
    )


def baseline_windows_to_freeze(
    *, injections: Sequence[Injection], frozen: Sequence[FrozenBaselineRecord]
) -> list[tuple[date, date]]:
    """The baseline windows of courses whose baseline is not final: their days' creation dates
    decide whether the diary there is prospective (``baseline_to_freeze``).

    From the injections and the baselines frozen so far only: the scan asks before it has
    unpacked any diary.
    """
    windows = []
    for course in treatment_courses(injections=injections):
        record = frozen_for(frozen=frozen, first_injection=course.first_injection)
        if record is None or record.source == "none":
            windows.append(baseline_window(first_injection=course.first_injection))
    return windows


def baseline_to_freeze(
    *, timeline: PatientTimeline, created_on: Mapping[date, date], now: datetime
) -> list[FrozenBaseline]:
    """The baselines to store now, one per course whose baseline is not final yet.

    A course's baseline is frozen when the course starts, whichever its source: the diary when
    its 28 days before the first injection are sufficiently logged (retrospective when too few
    of those days were created by the injection day: ``created_on`` maps a diary date to the
    patient's local date it was created; a day not in it was created in time), else a recalled
    figure, else "none". A frozen diary
    or recalled baseline never changes; a "none" is replaced once a figure exists, and a recalled
    figure frozen after treatment began (a "none" came first, or the course started more than
    ``RECALLED_FREEZE_GRACE_DAYS`` ago) is marked so. Each course has its own, so recording an
    earlier course never discards a later one's.
    """
    frozen: list[FrozenBaseline] = []
    for course in treatment_courses(injections=timeline.injections):
        first = course.first_injection
        record = frozen_for(frozen=timeline.frozen_baselines, first_injection=first)
        if record is not None and record.source != "none":
            continue
        start, end = baseline_window(first_injection=first)
        counts = {
            rule: diary_baseline_counts(
                days=timeline.day_classes(rule=rule, first=start, last=end), first_injection=first
            )
            for rule in RULE_SETS
        }
        diary = next(iter(counts.values()))
        # Medicine classes do not depend on the rule set; the months the verdict reads only.
        medicated = timeline.day_classes(
            rule=next(iter(RULE_SETS)), first=overuse_window(as_of=end)[0], last=end
        )
        late = sum(1 for day in created_on if start <= day <= end and created_on[day] > first)
        recalled = timeline.recalled_baseline_headache_days
        if diary.sufficient:
            source = "diary"
        elif recalled is not None:
            source = "recalled"
        elif record is None:
            source = "none"
        else:
            continue
        entered_on = timeline.recalled_baseline_entered_on
        if entered_on is not None:
            entered_late = entered_on > first
        else:
            # No entry date (figures entered before it was kept): a "none" frozen first, or a
            # freeze long after the course started, says it came after treatment began.
            entered_late = record is not None or timeline.as_of > first + timedelta(
                days=RECALLED_FREEZE_GRACE_DAYS
            )
        frozen.append(
            FrozenBaseline(
                first_injection_date=first,
                window_start=start,
                window_end=end,
                logged_days=diary.logged_days,
                counts={
                    rule: {
                        "headache_days": c.headache_days,
                        "migraine_days": c.migraine_days,
                        "moderate_severe_days": c.moderate_severe_days,
                        "acute_medication_days": c.acute_medication_days,
                        "duration_unknown_days": c.duration_unknown_days,
                    }
                    for rule, c in counts.items()
                },
                frozen_at=now,
                source=source,
                retrospective=source == "diary"
                and not is_sufficiently_logged(
                    logged_days=diary.logged_days - late, nominal_days=WINDOW_DAYS
                ),
                recalled_headache_days=recalled if source == "recalled" else None,
                entered_after_treatment_began=source == "recalled" and entered_late,
                acute_medication_days=diary.acute_medication_days,
                acute_medication_days_by_class=diary.acute_medication_days_by_class,
                overuse_status=window_overuse_status(days=medicated, start=start, end=end),
            )
        )
    return frozen


# Response -------------------------------------------------------------------------------------

ResponseStatus = Literal["not_yet_assessable", "not_assessable", "responder", "non_responder"]


def percent_change(*, value: float | None, baseline: float | None) -> float | None:
    """Change against baseline in percent, as the response is expressed (negative is better)."""
    if value is None or not baseline:
        return None
    return round((value - baseline) / baseline * 100, 1)


def is_responder(*, change: float | None, threshold_percent: int) -> bool | None:
    """At least ``threshold_percent`` fewer headache days; None when there is no figure."""
    return None if change is None else -change >= threshold_percent


@dataclass(frozen=True)
class WindowFigure:
    """Headache days over one window, with the logging floor it was held to."""

    start: date
    end: date
    days: int
    logged_days: int
    min_logged_days: int
    headache_days: int
    migraine_or_moderate_severe_days: int
    # Prorated per 28 logged days; None below the logging floor.
    headache_days_per_28: float | None
    migraine_or_moderate_severe_days_per_28: float | None
    percent_change: float | None
    # Headaches of unknown duration: logged, left out of the days the rate rests on.
    duration_unknown_days: int = 0

    @property
    def assessable(self) -> bool:
        return self.headache_days_per_28 is not None


def window_figure(*, counts: DayCounts, baseline_per_28: float | None) -> WindowFigure:
    floor = min_logged_days(window_days=counts.nominal_days)
    enough = counts.judged_days >= floor
    per_28_value = per_28(
        count=counts.headache_days, logged_days=counts.judged_days, sufficient=enough
    )
    return WindowFigure(
        start=counts.start,
        end=counts.end,
        days=counts.nominal_days,
        logged_days=counts.logged_days,
        min_logged_days=floor,
        headache_days=counts.headache_days,
        migraine_or_moderate_severe_days=counts.migraine_or_moderate_severe_days,
        headache_days_per_28=per_28_value,
        migraine_or_moderate_severe_days_per_28=per_28(
            count=counts.migraine_or_moderate_severe_days,
            logged_days=counts.judged_days,
            sufficient=enough,
        ),
        percent_change=percent_change(value=per_28_value, baseline=baseline_per_28),
        duration_unknown_days=counts.duration_unknown_days,
    )


@dataclass(frozen=True)
class CycleResponse:
    """One cycle judged over its response window (days 7 to the planned interval)."""

    cycle: int
    # The cycle's number within its treatment course: what "after 2 cycles" counts.
    cycle_in_course: int
    baseline_per_28: float | None
    window_closed: bool
    window: WindowFigure | None
    last_28_days: WindowFigure
    overdue_days: int
    overdue_logged_days: int
    overdue_headache_days: int
    assessable: bool
    reason: str
    percent_change: float | None
    responder_30: bool | None
    responder_50: bool | None

    @property
    def overdue_weeks(self) -> float:
        return round(self.overdue_days / 7, 1)


def response_window_text(cycle: TreatmentCycle) -> str:
    return f"days {RESPONSE_FIRST_DAY} to {cycle.planned_interval_weeks * 7 - 1}"


def cycle_response(
    *, cycle: TreatmentCycle, cycle_in_course: int, baseline_per_28: float | None
) -> CycleResponse:
    counts = cycle.response_window
    window = (
        None if counts is None else window_figure(counts=counts, baseline_per_28=baseline_per_28)
    )
    overdue = cycle.overdue
    where = f"cycle {cycle.number}'s response window ({response_window_text(cycle)})"
    if window is None:
        reason = (
            f"Not assessable: cycle {cycle.number} lasted {cycle.length_days} "
            f"day{'' if cycle.length_days == 1 else 's'}, so {where} is empty."
        )
    elif not window.assessable and not cycle.response_window_closed:
        # Days not yet lived are not missing: the patient has not failed to log them.
        reason = (
            f"Not yet assessable: {where} runs until {window.end:%d %b %Y}; "
            f"{window.logged_days} of its days so far logged."
        )
    elif not window.assessable:
        unknown = (
            f", {window.duration_unknown_days} of them headaches of unknown duration, which "
            f"count for neither"
            if window.duration_unknown_days
            else ""
        )
        reason = (
            f"Not assessable: only {window.logged_days} of the {window.days} days of {where} "
            f"were logged{unknown} ({logging_floor_text()} needed, {window.min_logged_days} "
            f"here)."
        )
    elif not baseline_per_28:
        reason = "Not assessable: there is no baseline (diary or recalled) to compare with."
    else:
        reason = ""
    change = window.percent_change if window is not None and not reason else None
    return CycleResponse(
        cycle=cycle.number,
        cycle_in_course=cycle_in_course,
        baseline_per_28=baseline_per_28,
        window_closed=cycle.response_window_closed,
        window=window,
        last_28_days=window_figure(counts=cycle.last_28_days, baseline_per_28=baseline_per_28),
        overdue_days=overdue.elapsed_days if overdue else 0,
        overdue_logged_days=overdue.logged_days if overdue else 0,
        overdue_headache_days=overdue.headache_days if overdue else 0,
        assessable=not reason,
        reason=reason,
        percent_change=change,
        responder_30=is_responder(change=change, threshold_percent=RESPONDER_NICE_PERCENT),
        responder_50=is_responder(change=change, threshold_percent=RESPONDER_TRIAL_PERCENT),
    )


def cycle_responses(
    *, cycles: Sequence[TreatmentCycle], timeline: PatientTimeline, rule: str
) -> tuple[CycleResponse, ...]:
    """Every given cycle judged against its own course's baseline, numbered within the course."""
    in_course: dict[int, tuple[int, float | None]] = {}
    for course in treatment_courses(injections=timeline.injections):
        baseline = treatment_baseline(timeline=timeline, rule=rule, course=course)
        per_28 = baseline.headache_days_per_28 if baseline.sufficient else None
        for index in range(course.first_index, course.last_index + 1):
            in_course[index + 1] = (index - course.first_index + 1, per_28)
    return tuple(
        cycle_response(
            cycle=cycle,
            cycle_in_course=in_course[cycle.number][0],
            baseline_per_28=in_course[cycle.number][1],
        )
        for cycle in cycles
    )


@dataclass(frozen=True)
class TreatmentResponse:
    status: ResponseStatus
    assessable: bool
    message: str
    # Cycles of the current course given and past their response window.
    cycles_completed: int
    assessed_after_cycle: int | None
    window_start: date | None
    window_end: date | None
    window_days: int | None
    min_logged_days: int | None
    logged_days: int | None
    headache_days: int | None
    baseline_headache_days_per_28: float | None
    headache_days_per_28: float | None
    percent_change: float | None
    responder_30: bool | None
    responder_50: bool | None
    # PREEMPT's figure: the last 28 days of the judged cycle's planned interval.
    last_28_days: WindowFigure | None
    # Days after the judged cycle's planned interval, before the next injection: no verdict's.
    overdue_days: int
    overdue_logged_days: int
    overdue_headache_days: int
    judged: CycleResponse | None


def response_status(judged: CycleResponse) -> ResponseStatus:
    if not judged.assessable:
        return "not_assessable"
    return "responder" if judged.responder_30 else "non_responder"


def response_message(judged: CycleResponse) -> str:
    if not judged.assessable:
        return judged.reason
    window = judged.window
    assert window is not None and judged.percent_change is not None
    change = judged.percent_change
    text = (
        f"After cycle {judged.cycle} (days {RESPONSE_FIRST_DAY} to the planned interval): "
        f"{abs(round(change))} % {'fewer' if change <= 0 else 'more'} headache days per "
        f"{WINDOW_DAYS} days than at baseline."
    )
    last = judged.last_28_days
    if last.percent_change is not None:
        text += (
            f" Last {PREEMPT_ENDPOINT_DAYS} days of the cycle (PREEMPT's endpoint): "
            f"{last.percent_change:+g} %."
        )
    if judged.overdue_days:
        text += (
            f" {judged.overdue_days} days after the planned interval before the next injection "
            f"(overdue, counted apart: {judged.overdue_headache_days} headache days in "
            f"{judged.overdue_logged_days} logged)."
        )
    return text


def treatment_response(
    *, cycles: Sequence[TreatmentCycle], injections: Sequence[Injection], baseline: Baseline
) -> TreatmentResponse:
    """The latest given cycle of the current course, from cycle 2, whose window is over.

    ``baseline`` is the current course's. Only the judged cycle is counted: the nightly scan
    asks for nothing else.
    """
    course = current_course(injections=injections)
    first_number = course.first_index + 1 if course else 1
    in_course = [c for c in cycles if c.number >= first_number]
    closed = [c for c in in_course if c.response_window_closed]
    counted = _counted_cycles(in_course)
    judgeable = [
        c for c in closed if c.number in counted and counted[c.number] >= CYCLES_BEFORE_JUDGING
    ]
    baseline_per_28 = baseline.headache_days_per_28 if baseline.sufficient else None
    if not judgeable:
        return TreatmentResponse(
            status="not_yet_assessable",
            assessable=False,
            message=not_yet_message(course_cycles=in_course),
            cycles_completed=len(closed),
            assessed_after_cycle=None,
            window_start=None,
            window_end=None,
            window_days=None,
            min_logged_days=None,
            logged_days=None,
            headache_days=None,
            baseline_headache_days_per_28=baseline_per_28,
            headache_days_per_28=None,
            percent_change=None,
            responder_30=None,
            responder_50=None,
            last_28_days=None,
            overdue_days=0,
            overdue_logged_days=0,
            overdue_headache_days=0,
            judged=None,
        )
    cycle = judgeable[-1]
    judged = cycle_response(
        cycle=cycle,
        cycle_in_course=cycle.number - first_number + 1,
        baseline_per_28=baseline_per_28,
    )
    window = judged.window
    return TreatmentResponse(
        status=response_status(judged),
        assessable=judged.assessable,
        message=response_message(judged),
        cycles_completed=len(closed),
        assessed_after_cycle=judged.cycle,
        window_start=window.start if window else None,
        window_end=window.end if window else None,
        window_days=window.days if window else None,
        min_logged_days=window.min_logged_days if window else None,
        logged_days=window.logged_days if window else None,
        headache_days=window.headache_days if window else None,
        baseline_headache_days_per_28=judged.baseline_per_28,
        headache_days_per_28=window.headache_days_per_28 if window else None,
        percent_change=judged.percent_change,
        responder_30=judged.responder_30,
        responder_50=judged.responder_50,
        last_28_days=judged.last_28_days,
        overdue_days=judged.overdue_days,
        overdue_logged_days=judged.overdue_logged_days,
        overdue_headache_days=judged.overdue_headache_days,
        judged=judged,
    )


def has_response_window(cycle: TreatmentCycle) -> bool:
    """Whether the cycle lasted into its response window (``RESPONSE_FIRST_DAY``)."""
    return cycle.response_window_end >= cycle.response_window_start


def _counted_cycles(course_cycles: Sequence[TreatmentCycle]) -> dict[int, int]:
    """Each cycle that counts toward "after 2 cycles", by number, with its count in the course.

    clinical.md counts cycles given, and is silent on one cut short before any response could
    show. Our reading: a cycle whose next injection came before its response window began (a
    repeat or top-up within days; a "1-day cycle") is not a cycle of treatment of its own, so
    it does not bring the verdict forward.
    """
    counted: dict[int, int] = {}
    for cycle in course_cycles:
        if has_response_window(cycle):
            counted[cycle.number] = len(counted) + 1
    return counted


def not_yet_message(*, course_cycles: Sequence[TreatmentCycle]) -> str:
    """Why the current course's response cannot be judged yet, and when it can."""
    real = [c for c in course_cycles if has_response_window(c)]
    second = real[CYCLES_BEFORE_JUDGING - 1] if len(real) >= CYCLES_BEFORE_JUDGING else None
    rule = (
        f"response is judged on cycle {CYCLES_BEFORE_JUDGING}'s days {RESPONSE_FIRST_DAY} to "
        f"its planned interval, not before (NICE TA260; EHF 2018)"
    )
    if second is None:
        return (
            f"Not yet assessable: {rule}, and cycle {CYCLES_BEFORE_JUDGING} starts only with "
            f"injection {CYCLES_BEFORE_JUDGING} of the course, not recorded yet."
        )
    return f"Not yet assessable: {rule}; its window ends on {second.planned_end.isoformat()}."


def response_label(response: TreatmentResponse) -> str:
    """The response in a few words, for lists: the full sentence is ``response.message``."""
    if response.status == "not_yet_assessable":
        return "not yet assessable"
    if response.status == "not_assessable":
        return "not assessable"
    if response.responder_50:
        return f"responder ≥{RESPONDER_TRIAL_PERCENT} %"
    if response.responder_30:
        return f"responder ≥{RESPONDER_NICE_PERCENT} %"
    return f"non-responder (<{RESPONDER_NICE_PERCENT} %)"


def is_non_responder(*, response: TreatmentResponse) -> bool:
    """NICE TA260: stop after 2 cycles with less than 30 % reduction."""
    return response.status == "non_responder"


# Episodic ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodicRun:
    # NICE TA260: < 15 headache days in each of the months.
    episodic: bool
    # EHF 2018: < 10 headache days in each of the months.
    below_ehf_limit: bool
    months: tuple[DayCounts, ...]


def is_month_below(month: DayCounts, *, limit: int) -> bool:
    """< ``limit`` headache days, prorated over logged days; an under-logged month says nothing."""
    if not month.sufficient:
        return False
    prorated = month.headache_days * month.nominal_days / month.judged_days
    return prorated < limit


def is_episodic_month(month: DayCounts) -> bool:
    return is_month_below(month, limit=CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH)


def episodic_months(
    *, days: Mapping[date, DayClasses], first_injection: date | None, as_of: date
) -> EpisodicRun:
    """The last 3 finished calendar months wholly in treatment, and whether all were episodic."""
    if first_injection is None:
        return EpisodicRun(episodic=False, below_ehf_limit=False, months=())
    last_finished = month_start(as_of) - timedelta(days=1)
    first_full = month_start(first_injection)
    if first_full < first_injection:
        first_full = month_end(first_injection) + timedelta(days=1)
    finished = [
        (start, end)
        for start, end in month_bounds(date_from=first_full, date_to=last_finished)
        if end <= last_finished
    ][-EPISODIC_CONSECUTIVE_MONTHS:]
    days = day_calendar(days)
    months = [
        count_days(days=days, start=start, end=end, as_of=last_finished) for start, end in finished
    ]
    enough = len(months) == EPISODIC_CONSECUTIVE_MONTHS
    return EpisodicRun(
        episodic=enough and all(map(is_episodic_month, months)),
        below_ehf_limit=enough
        and all(is_month_below(m, limit=EHF_STOP_HEADACHE_DAYS_PER_MONTH) for m in months),
        months=tuple(months),
    )
