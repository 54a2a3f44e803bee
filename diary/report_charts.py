"""The treatment-review PDF's two charts, drawn with ReportLab graphics from the analysis, and
the chart axes the clinic's SVG charts share with them (month ticks, the cycle weeks shaded).

The 28-day trend plots headache days per 28 days in consecutive windows anchored on the first
injection, with the frozen baseline as a dashed line and each injection as a tick; a window with
too few logged days is left as a gap, never drawn as a guess. The cycle overlay plots each
cycle's weekly share of logged days with headache, with the plateau and end-of-cycle weeks
shaded, as the clinic's page does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from diary.analytics import wear_off as wear_off_rules
from diary.analytics.cycles import TreatmentCycle
from diary.analytics.windows import WINDOW_DAYS, DayCounts, consecutive_windows, month_bounds
from diary.paradigms import STANDARD_INTERVAL_WEEKS

if TYPE_CHECKING:
    from diary.reports import TreatmentReview

INK = colors.HexColor("#1c2530")
MUTED = colors.HexColor("#4d5b69")
GRID = colors.HexColor("#d5dde4")
SERIES = [
    colors.HexColor(value)
    for value in ("#0b5cad", "#b35c00", "#1d6b3a", "#7a2e8e", "#a4161a", "#4d5b69")
]
LEFT, BOTTOM, RIGHT_PAD, TOP_PAD = 26, 22, 6, 14


def _frame(drawing: Drawing, *, title: str) -> tuple[float, float, float, float]:
    drawing.add(String(0, drawing.height - 9, title, fontName="Helvetica-Bold", fontSize=7.5))
    return LEFT, BOTTOM, drawing.width - RIGHT_PAD, drawing.height - TOP_PAD


def _scale(value: float, low: float, high: float, out_low: float, out_high: float) -> float:
    if high == low:
        return out_low
    return out_low + (value - low) * (out_high - out_low) / (high - low)


def _y_axis(drawing: Drawing, box, ticks: Sequence[tuple[float, str]], top: float) -> None:
    left, bottom, right, upper = box
    for value, label in ticks:
        y = _scale(value, 0, top, bottom, upper)
        drawing.add(Line(left, y, right, y, strokeColor=GRID, strokeWidth=0.4))
        drawing.add(String(left - 3, y - 2.5, label, fontSize=6, textAnchor="end", fillColor=MUTED))


# Chart axes, shared by the clinic's SVG charts and the PDF's drawings ------------------------

# More month labels than this crowd a chart's axis: every second (third...) month is labelled,
# counted back from the latest, so the running month is always named.
MAX_MONTH_LABELS = 8


def month_ticks(*, first: date, last: date) -> list[tuple[date, str]]:
    """The first day of each calendar month from ``first`` to ``last``, labelled once each.

    A 28-day window can start twice in one month and none in another, so windows never name
    the axis: calendar months do.
    """
    starts = [start for start, _ in month_bounds(date_from=first, date_to=last) if start >= first]
    step = max(1, -(-len(starts) // MAX_MONTH_LABELS))
    latest = len(starts) - 1
    return [(day, f"{day:%b %y}") for i, day in enumerate(starts) if (latest - i) % step == 0]


@dataclass(frozen=True)
class CycleChartWeeks:
    """The cycle weeks an overlay shades, from the wear-off rule's own windows.

    The end of the cycle runs to the planned interval plus the grace week
    (``wear_off.end_window_last_day``); later weeks are overdue (a late injection, a pause),
    never end-of-cycle wear-off (clinical.md, "Wear-off, more precisely"). Cycles planned at
    different intervals are shaded by the longest, and each cycle's own overdue weeks are
    named on its marks (``overdue_from``).
    """

    weeks: int
    plateau: tuple[int, int]
    end: tuple[int, int]

    @property
    def overdue(self) -> tuple[int, int] | None:
        return (self.end[1] + 1, self.weeks) if self.weeks > self.end[1] else None

    @property
    def plateau_label(self) -> str:
        return f"plateau (weeks {self.plateau[0]}-{self.plateau[1]})"

    @property
    def end_label(self) -> str:
        return f"end of cycle (weeks {self.end[0]}-{self.end[1]})"

    @property
    def overdue_label(self) -> str:
        return f"overdue (from week {self.end[1] + 1})"

    @property
    def caption(self) -> str:
        """The overlay's reading in one sentence, for the page and the PDF."""
        return (
            f"Weeks {self.plateau[0]}-{self.plateau[1]} are the plateau; a rise in weeks "
            f"{self.end[0]}-{self.end[1]} (the planned interval plus {wear_off_rules.GRACE_WEEKS} "
            f"week{'' if wear_off_rules.GRACE_WEEKS == 1 else 's'}) is end-of-cycle wear-off; "
            f"later weeks are overdue (a late injection or a pause), not wear-off."
        )


def end_window_last_week(cycle: TreatmentCycle) -> int:
    """The last cycle week the wear-off end window may reach: the planned interval plus grace."""
    last = wear_off_rules.end_window_last_day(
        start=cycle.start, planned_interval_weeks=cycle.planned_interval_weeks
    )
    return (last - cycle.start).days // 7 + 1


def cycle_chart_weeks(*, cycles: Sequence[TreatmentCycle]) -> CycleChartWeeks:
    planned = max((c.planned_interval_weeks for c in cycles), default=STANDARD_INTERVAL_WEEKS)
    plateau, end_first = wear_off_rules.window_weeks(planned)
    longest = max(cycles, key=lambda c: c.planned_interval_weeks, default=None)
    end_last = (
        end_window_last_week(longest)
        if longest is not None
        else planned + wear_off_rules.GRACE_WEEKS
    )
    weeks = max([end_last, *(len(c.weeks) for c in cycles)])
    return CycleChartWeeks(weeks=weeks, plateau=plateau, end=(end_first, end_last))


# PDF charts -----------------------------------------------------------------------------------
# Drawn here with ``report_charts``' frame, scales and colours: the axis names calendar months
# once each, and the overlay shades only the wear-off end window as the end of the cycle.

OVERDUE_TINT = "#eef0f2"
HATCH_STEP = 4.0


def _hatch(drawing, *, x: float, y: float, width: float, height: float) -> None:
    """Diagonal lines inside a box: the neutral hatch of overdue weeks."""
    offset = -height
    while offset < width:
        low, high = max(0.0, -offset), min(height, width - offset)
        if high > low:
            drawing.add(
                Line(
                    x + offset + low,
                    y + low,
                    x + offset + high,
                    y + high,
                    strokeColor=MUTED,
                    strokeWidth=0.3,
                )
            )
        offset += HATCH_STEP


def pdf_trend_drawing(
    *,
    windows: Sequence[DayCounts],
    baseline: float | None,
    injections: Sequence[date],
    width: float,
    height: float,
):
    """Headache days per 28 days in consecutive windows, the frozen baseline dashed, each
    injection a tick, the axis labelled by calendar month; a thin window is a gap."""
    drawing = Drawing(width, height)
    box = _frame(drawing, title=f"Headache days per {WINDOW_DAYS} days, consecutive windows")
    left, bottom, right, upper = box
    top = WINDOW_DAYS
    _y_axis(drawing, box, [(v, str(v)) for v in range(0, top + 1, 7)], top)
    if not windows:
        drawing.add(String(left + 4, bottom + 20, "No diary days yet.", fontSize=7))
        return drawing
    first, last = windows[0].start, windows[-1].end
    span = (last - first).days or 1

    def x(day: date) -> float:
        return _scale((day - first).days, 0, span, left, right)

    def y(value: float) -> float:
        return _scale(value, 0, top, bottom, upper)

    muted, line = MUTED, SERIES[0]
    for injected in injections:
        if first <= injected <= last:
            drawing.add(Line(x(injected), bottom, x(injected), upper, strokeColor=muted))
    if baseline is not None:
        drawing.add(
            Line(
                left,
                y(baseline),
                right,
                y(baseline),
                strokeColor=SERIES[4],
                strokeDashArray=[3, 2],
                strokeWidth=0.8,
            )
        )
        drawing.add(String(right, y(baseline) + 2, "baseline", fontSize=6, textAnchor="end"))
    run: list[float] = []
    for window in windows:
        value = window.headache_days_per_28
        if value is None:
            # Too few logged days: a gap, not a line drawn through a guess.
            if len(run) >= 4:
                drawing.add(PolyLine(run, strokeColor=line, strokeWidth=1.2))
            run = []
            continue
        middle = min(window.start + timedelta(days=WINDOW_DAYS // 2), last)
        run += [x(middle), y(value)]
        drawing.add(Circle(x(middle), y(value), 1.4, fillColor=line, strokeColor=None))
    if len(run) >= 4:
        drawing.add(PolyLine(run, strokeColor=line, strokeWidth=1.2))
    for day, label in month_ticks(first=first, last=last):
        drawing.add(Line(x(day), bottom, x(day), bottom - 2, strokeColor=muted, strokeWidth=0.4))
        drawing.add(
            String(x(day), bottom - 9, label, fontSize=6, textAnchor="middle", fillColor=muted)
        )
    drawing.add(
        String(
            left, 2, "Gaps: too few days logged. Ticks: injections.", fontSize=6, fillColor=muted
        )
    )
    return drawing


def pdf_cycle_overlay_drawing(*, cycles: Sequence[TreatmentCycle], width: float, height: float):
    """Each cycle's weekly share of logged days with headache; overdue weeks hatched apart and
    drawn dashed, never shaded as the end of the cycle."""
    drawing = Drawing(width, height)
    box = _frame(drawing, title="Each cycle overlaid: share of logged days with headache")
    left, bottom, right, upper = box
    shading = cycle_chart_weeks(cycles=cycles)
    weeks = shading.weeks

    def x(week: float) -> float:
        return _scale(week, 0.5, weeks + 0.5, left, right)

    def y(percent: float) -> float:
        return _scale(percent, 0, 100, bottom, upper)

    muted = MUTED
    bands = [(shading.plateau, "#eaf1f8"), (shading.end, "#fbeee0")]
    if shading.overdue:
        bands.append((shading.overdue, OVERDUE_TINT))
    for (first, last), tint in bands:
        drawing.add(
            Rect(
                x(first - 0.5),
                bottom,
                x(last + 0.5) - x(first - 0.5),
                upper - bottom,
                fillColor=colors.HexColor(tint),
                strokeColor=None,
            )
        )
    if shading.overdue:
        first, last = shading.overdue
        _hatch(
            drawing,
            x=x(first - 0.5),
            y=bottom,
            width=x(last + 0.5) - x(first - 0.5),
            height=upper - bottom,
        )
    _y_axis(drawing, box, [(v, f"{v} %") for v in range(0, 101, 25)], 100)
    for week in range(1, weeks + 1):
        drawing.add(
            String(x(week), bottom - 9, str(week), fontSize=6, textAnchor="middle", fillColor=muted)
        )
    legend_x = left
    for index, cycle in enumerate(cycles):
        colour = SERIES[index % len(SERIES)]
        overdue_from = end_window_last_week(cycle) + 1
        runs: list[tuple[bool, list[float]]] = []
        for cycle_week in cycle.weeks:
            counts = cycle_week.counts
            if not (counts.sufficient and counts.logged_days):
                runs.append((False, []))
                continue
            overdue = cycle_week.week >= overdue_from
            point = [x(cycle_week.week), y(counts.headache_days * 100 / counts.logged_days)]
            if runs and runs[-1][1] and runs[-1][0] != overdue:
                # The overdue run starts from the last in-window week, so the line stays whole.
                runs.append((overdue, runs[-1][1][-2:] + point))
            elif runs and (runs[-1][0] == overdue or not runs[-1][1]):
                runs[-1] = (overdue, runs[-1][1] + point)
            else:
                runs.append((overdue, point))
        for overdue, points in runs:
            if len(points) >= 4:
                drawing.add(
                    PolyLine(
                        points,
                        strokeColor=colour,
                        strokeWidth=0.8 if overdue else 1,
                        strokeDashArray=[1.5, 1.5] if overdue else None,
                    )
                )
        drawing.add(Rect(legend_x, 2, 6, 4, fillColor=colour, strokeColor=None))
        drawing.add(String(legend_x + 8, 2, f"cycle {cycle.number}", fontSize=6))
        legend_x += 36
    drawing.add(
        String(
            x(shading.plateau[0] - 0.4),
            upper - 7,
            shading.plateau_label,
            fontSize=6,
            fillColor=muted,
        )
    )
    drawing.add(
        String(x(shading.end[0] - 0.4), upper - 7, shading.end_label, fontSize=6, fillColor=muted)
    )
    if shading.overdue:
        # A line lower than the end of the cycle's label, which may run into the overdue weeks.
        drawing.add(
            String(x(shading.overdue[0] - 0.4), upper - 14, "overdue", fontSize=6, fillColor=muted)
        )
    if not cycles:
        drawing.add(String(left + 4, bottom + 20, "No injection recorded yet.", fontSize=7))
    return drawing


def pdf_charts(review: TreatmentReview, *, width: float, height: float) -> list:
    """The trend and the overlay for a treatment review, each ``width`` by ``height`` points."""
    analysis = review.analysis
    first = review.baseline.first_injection
    start = first - timedelta(days=WINDOW_DAYS) if first else review.as_of - timedelta(days=364)
    windows = consecutive_windows(
        days=analysis.days,
        anchor=first or review.as_of - timedelta(days=WINDOW_DAYS - 1),
        date_from=start,
        date_to=review.as_of,
    )
    return [
        pdf_trend_drawing(
            windows=windows,
            baseline=review.baseline.headache_days_per_28,
            injections=[session.date for session in review.sessions],
            width=width,
            height=height,
        ),
        pdf_cycle_overlay_drawing(cycles=analysis.cycles, width=width, height=height),
    ]
