"""The treatment-review PDF's two charts, drawn with ReportLab graphics from the analysis.

The 28-day trend plots headache days per 28 days in consecutive windows anchored on the first
injection, with the frozen baseline as a dashed line and each injection as a tick; a window with
too few logged days is left as a gap, never drawn as a guess. The cycle overlay plots each
cycle's weekly share of logged days with headache, with the plateau and end-of-cycle weeks
shaded, as the clinic's page does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from diary.analytics import cycles as cycle_rules
from diary.analytics.cycles import TreatmentCycle
from diary.analytics.windows import WINDOW_DAYS, DayCounts, consecutive_windows

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


def trend_drawing(
    *,
    windows: Sequence[DayCounts],
    baseline: float | None,
    injections: Sequence[date],
    width: float,
    height: float,
) -> Drawing:
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

    for injected in injections:
        if first <= injected <= last:
            drawing.add(Line(x(injected), bottom, x(injected), upper, strokeColor=MUTED))
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
                drawing.add(PolyLine(run, strokeColor=SERIES[0], strokeWidth=1.2))
            run = []
            continue
        middle = window.start + timedelta(days=WINDOW_DAYS // 2)
        run += [x(middle), y(value)]
        drawing.add(Circle(x(middle), y(value), 1.4, fillColor=SERIES[0], strokeColor=None))
    if len(run) >= 4:
        drawing.add(PolyLine(run, strokeColor=SERIES[0], strokeWidth=1.2))
    for index, window in enumerate(windows):
        if index % max(1, len(windows) // 6) == 0:
            drawing.add(
                String(
                    x(window.start),
                    bottom - 9,
                    f"{window.start:%b %y}",
                    fontSize=6,
                    textAnchor="middle",
                    fillColor=MUTED,
                )
            )
    drawing.add(
        String(
            left, 2, "Gaps: too few days logged. Ticks: injections.", fontSize=6, fillColor=MUTED
        )
    )
    return drawing


def cycle_overlay_drawing(
    *, cycles: Sequence[TreatmentCycle], width: float, height: float
) -> Drawing:
    drawing = Drawing(width, height)
    box = _frame(drawing, title="Each cycle overlaid: share of logged days with headache")
    left, bottom, right, upper = box
    weeks = max([12, *(len(c.weeks) for c in cycles)])

    def x(week: float) -> float:
        return _scale(week, 0.5, weeks + 0.5, left, right)

    def y(percent: float) -> float:
        return _scale(percent, 0, 100, bottom, upper)

    for start, end, tint in (
        (cycle_rules.PLATEAU_FIRST_WEEK, cycle_rules.PLATEAU_LAST_WEEK, "#eaf1f8"),
        (cycle_rules.END_OF_CYCLE_FIRST_WEEK, weeks, "#fbeee0"),
    ):
        drawing.add(
            Rect(
                x(start - 0.5),
                bottom,
                x(end + 0.5) - x(start - 0.5),
                upper - bottom,
                fillColor=colors.HexColor(tint),
                strokeColor=None,
            )
        )
    _y_axis(drawing, box, [(v, f"{v} %") for v in range(0, 101, 25)], 100)
    for week in range(1, weeks + 1):
        drawing.add(
            String(x(week), bottom - 9, str(week), fontSize=6, textAnchor="middle", fillColor=MUTED)
        )
    legend_x = left
    for index, cycle in enumerate(cycles):
        colour = SERIES[index % len(SERIES)]
        points: list[float] = []
        for cycle_week in cycle.weeks:
            counts = cycle_week.counts
            if not (counts.sufficient and counts.judged_days):
                if len(points) >= 4:
                    drawing.add(PolyLine(points, strokeColor=colour, strokeWidth=1))
                points = []
                continue
            rate = counts.headache_days * 100 / counts.judged_days
            points += [x(cycle_week.week), y(rate)]
        if len(points) >= 4:
            drawing.add(PolyLine(points, strokeColor=colour, strokeWidth=1))
        drawing.add(Rect(legend_x, 2, 6, 4, fillColor=colour, strokeColor=None))
        drawing.add(String(legend_x + 8, 2, f"cycle {cycle.number}", fontSize=6))
        legend_x += 36
    for week, label in (
        (cycle_rules.PLATEAU_FIRST_WEEK, f"plateau ({cycle_rules.plateau_label()})"),
        (cycle_rules.END_OF_CYCLE_FIRST_WEEK, "end of cycle"),
    ):
        drawing.add(String(x(week - 0.4), upper - 7, label, fontSize=6, fillColor=MUTED))
    if not cycles:
        drawing.add(String(left + 4, bottom + 20, "No injection recorded yet.", fontSize=7))
    return drawing


def review_charts(review: TreatmentReview, *, width: float, height: float) -> list[Drawing]:
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
        trend_drawing(
            windows=windows,
            baseline=review.baseline.headache_days_per_28,
            injections=[session.date for session in review.sessions],
            width=width,
            height=height,
        ),
        cycle_overlay_drawing(cycles=analysis.cycles, width=width, height=height),
    ]
