"""Inline SVG charts for the patient view: geometry in Python, drawing in templates.

Server-drawn SVG needs no script, passes the Content-Security-Policy (classes, no style
attributes) and carries its numbers as text (<title> on each mark, and a table beside each
chart). The numbers come from the analytics; this module only places them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from diary.analytics.cycles import TreatmentCycle
from diary.analytics.day_classes import DayClasses
from diary.analytics.overuse import MIXED, THRESHOLD_DAYS, OveruseMonth, overuse_limits
from diary.analytics.windows import WINDOW_DAYS, DayCounts
from diary.report_charts import cycle_chart_weeks, end_window_last_week, month_ticks

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    label: str
    css: str
    # Labels of neighbouring bands sit on separate lines, so a long one never runs into the next.
    label_y: float = TOP + 12
    hatched: bool = False


@dataclass(frozen=True)
class Series:
    label: str
    css: str
    points: str  # "x,y x,y" for <polyline>; gaps split a series into several
    segments: tuple[str, ...]
    marks: tuple[Mark, ...]
    end_x: float
    end_y: float


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    markers: list[Tick] = field(default_factory=list)  # vertical lines: injections
    reference: list[Tick] = field(default_factory=list)  # horizontal lines: baseline, limits
    bars: list[dict] = field(default_factory=list)
    # Text marks inside the plot: a month with too few logged days to judge overuse.
    notes: list[Mark] = field(default_factory=list)

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top

    @property
    def hatched(self) -> bool:
        """Whether a band is hatched (overdue weeks): the SVG then defines its pattern."""
        return any(band.hatched for band in self.bands)


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return start
    return round(start + (value - low) / (high - low) * (end - start), 1)


def _series(label: str, css: str, values: Sequence[tuple[float, float | None, str]]) -> Series:
    """Points with a None value break the line: a gap says "not enough logged days"."""
    segments: list[list[str]] = [[]]
    marks = []
    for x, y, title in values:
        if y is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{x},{y}")
        marks.append(Mark(x=x, y=y, title=title))
    segments = [s for s in segments if s]
    last = marks[-1] if marks else Mark(0, 0, "")
    return Series(
        label=label,
        css=css,
        points=" ".join(" ".join(s) for s in segments),
        segments=tuple(" ".join(s) for s in segments),
        marks=tuple(marks),
        end_x=last.x,
        end_y=last.y,
    )


def per_28_chart(
    *, windows: Sequence[DayCounts], baseline: float | None, injections: Sequence[date]
) -> Chart:
    chart = Chart()
    if not windows:
        return chart
    first, last = windows[0].start, windows[-1].end
    span = (last - first).days or 1
    top_value = 28

    def x(day: date) -> float:
        return _scale((day - first).days, 0, span, chart.left, chart.right)

    def y(value: float) -> float:
        return _scale(value, 0, top_value, chart.bottom, chart.top)

    chart.y_ticks = [Tick(y(v), str(v)) for v in range(0, top_value + 1, 7)]
    # Calendar months, each once: two windows may start in one month and none in the next.
    chart.x_ticks = [Tick(x(day), label) for day, label in month_ticks(first=first, last=last)]
    points = []
    for window in windows:
        middle = window.start + timedelta(days=WINDOW_DAYS // 2)
        value = window.headache_days_per_28
        title = (
            f"{window.start:%d %b} to {window.end:%d %b %Y}: "
            + (f"{value:g} headache days per 28" if value is not None else "too few days logged")
            + f" ({window.logged_days} of {window.elapsed_days} days logged)"
        )
        points.append((x(min(middle, last)), None if value is None else y(value), title))
    chart.series = [_series("Headache days per 28 days", "series-0", points)]
    if baseline is not None:
        chart.reference = [Tick(y(baseline), f"baseline {baseline:g}")]
    chart.markers = [Tick(x(day), f"{day:%d %b}") for day in injections if first <= day <= last]
    return chart


def cycle_profile_chart(*, cycles: Sequence[TreatmentCycle]) -> Chart:
    """Each cycle's weekly share of logged days with headache, overlaid week by week.

    The end of the cycle is shaded only to the planned interval plus the grace week, the
    wear-off rule's end window; later weeks are hatched apart as overdue (``cycle_chart_weeks``).
    """
    chart = Chart()
    shading = cycle_chart_weeks(cycles=cycles)
    weeks = shading.weeks

    def x(week: float) -> float:
        return _scale(week, 0.5, weeks + 0.5, chart.left, chart.right)

    def y(percent: float) -> float:
        return _scale(percent, 0, 100, chart.bottom, chart.top)

    def band(span: tuple[int, int], label: str, css: str, line: int = 0) -> Band:
        first, last = span
        width = round(x(last + 0.5) - x(first - 0.5), 1)
        return Band(
            x(first - 0.5), width, label, css, label_y=TOP + 12 + 14 * line, hatched=line > 0
        )

    chart.y_ticks = [Tick(y(v), f"{v} %") for v in range(0, 101, 25)]
    chart.x_ticks = [Tick(x(w), str(w)) for w in range(1, weeks + 1)]
    chart.bands = [
        band(shading.plateau, shading.plateau_label, "band-plateau"),
        band(shading.end, shading.end_label, "band-end"),
    ]
    if shading.overdue:
        chart.bands.append(band(shading.overdue, shading.overdue_label, "band-overdue", line=1))
    for index, cycle in enumerate(cycles):
        overdue_from = end_window_last_week(cycle) + 1
        values = []
        for week in cycle.weeks:
            counts = week.counts
            # A headache of unknown duration is no part of the share (``judged_days``).
            rate = (
                counts.headache_days * 100 / counts.judged_days
                if counts.sufficient and counts.judged_days
                else None
            )
            unknown = (
                f", {counts.duration_unknown_days} of unknown duration"
                if counts.duration_unknown_days
                else ""
            )
            title = f"Cycle {cycle.number}, week {week.week}: " + (
                f"{counts.headache_days} headache days of {counts.logged_days} logged{unknown}"
                if counts.logged_days
                else "nothing logged"
            )
            if week.week >= overdue_from:
                title += " (overdue, not end of cycle)"
            values.append((x(week.week), None if rate is None else y(rate), title))
        chart.series.append(
            _series(f"Cycle {cycle.number} ({cycle.start:%d %b %y})", f"series-{index % 6}", values)
        )
    return chart


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    css: str
    title: str


HEAT_CELL = 12
HEAT_GAP = 2
HEAT_LEGEND = (
    ("missing", "not logged"),
    ("free", "no headache day"),
    ("headache", "headache day"),
    ("severe", "moderate or severe"),
    ("migraine", "migraine day"),
)


def heat_map(
    *, days: Mapping[date, DayClasses], as_of: date, injections: Sequence[date], weeks: int = 53
) -> dict:
    """A year of days, a column per week (Monday at the top), coloured by the day's class."""
    start = as_of - timedelta(days=as_of.weekday()) - timedelta(weeks=weeks - 1)
    injected = set(injections)
    cells = []
    months = []
    step = HEAT_CELL + HEAT_GAP
    day = start
    while day <= as_of:
        column = (day - start).days // 7
        row = day.weekday()
        classes = days.get(day)
        if classes is None:
            css, what = "missing", "not logged"
        elif classes.migraine_day:
            css, what = "migraine", "migraine day"
        elif classes.moderate_severe_day:
            css, what = "severe", "moderate or severe headache day"
        elif classes.headache_day:
            css, what = "headache", "headache day"
        else:
            css, what = "free", "no headache day"
        if classes and classes.acute_medication_classes:
            what += ", acute medicine: " + ", ".join(
                c.replace("_", " ") for c in classes.acute_medication_classes
            )
        if day in injected:
            css += " injected"
            what += ", injection"
        cells.append(
            HeatCell(40 + column * step, 18 + row * step, css, f"{day:%a %d %b %Y}: {what}")
        )
        if day.day == 1:
            months.append(Tick(40 + column * step, f"{day:%b}"))
        day += timedelta(days=1)
    return {
        "cells": cells,
        "months": months,
        "width": 40 + weeks * step + 8,
        "height": 18 + 7 * step + 4,
        "weekdays": [
            Tick(18 + r * step + HEAT_CELL - 2, n) for r, n in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
        ],
        "legend": HEAT_LEGEND,
        "cell": HEAT_CELL,
    }


MEDICATION_CLASSES = (*THRESHOLD_DAYS, MIXED)


def medication_chart(*, months: Sequence[OveruseMonth]) -> Chart:
    """Days with intake per month by ICHD-3 8.2 class, against the 10- and 15-day limits."""
    chart = Chart()
    if not months:
        return chart
    present = [c for c in THRESHOLD_DAYS if any(m.days_by_class.get(c) for m in months)]
    top_value = 31

    def y(value: float) -> float:
        return _scale(value, 0, top_value, chart.bottom, chart.top)

    slot = (chart.right - chart.left) / len(months)
    bar = max(3.0, (slot - 6) / max(1, len(present)))
    chart.y_ticks = [Tick(y(v), str(v)) for v in (0, 5, 10, 15, 20, 25, 30)]
    for i, month in enumerate(months):
        left = chart.left + i * slot + 3
        middle = round(left + (slot - 6) / 2, 1)
        chart.x_ticks.append(Tick(middle, f"{month.start:%b}"))
        if not month.enough_data:
            # clinical.md: too few logged days is "not enough data", never "no overuse".
            chart.notes.append(
                Mark(
                    middle,
                    round(y(max(month.days_by_class.values(), default=0)) - 4, 1),
                    f"{month.start:%B %Y}: not enough data, {month.logged_days} of "
                    f"{month.days} days logged",
                )
            )
        for j, medication_class in enumerate(present):
            days = month.days_by_class.get(medication_class, 0)
            over = medication_class in month.over_threshold
            chart.bars.append(
                {
                    "x": round(left + j * bar, 1),
                    "y": y(days),
                    "width": round(bar - 1, 1),
                    "height": round(chart.bottom - y(days), 1),
                    "css": f"bar-{present.index(medication_class) % 6}{' over' if over else ''}",
                    "title": f"{month.start:%B %Y}: {days} days with "
                    f"{medication_class.replace('_', ' ')} ({month.logged_days} days logged)"
                    + (", over the limit" if over else ""),
                }
            )
    chart.reference = [
        Tick(y(limit), f"{limit} days: {', '.join(n.replace('_', ' ') for n in names)}")
        for limit, names in overuse_limits()
    ]
    chart.series = [
        Series(c.replace("_", " "), f"bar-{i % 6}", "", (), (), 0, 0) for i, c in enumerate(present)
    ]
    return chart
