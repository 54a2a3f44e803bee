"""Where each muscle and side sits on the head-and-neck drawings of the injection site map.

Each group (muscle and side) has an anchor on one view and room for a few more dots than PREEMPT;
as many dots show as the group has injection points. Left and right are the patient's: on the
front view the patient's right is on the viewer's left, on the back view it is on the right.
"""

from __future__ import annotations

from dataclasses import dataclass

from diary.paradigms import FOLLOW_THE_PAIN_MUSCLES
from frontend.clinic.forms import SITE_GROUPS, site_field_names

SPACING = 11
# Offsets in grid steps: points fill a row of four, then the row below.
OFFSETS = tuple((column, row) for row in range(2) for column in range(4))

VIEWS = (
    ("front", "Front"),
    ("left", "Left side"),
    ("right", "Right side"),
    ("back", "Back"),
)

ANCHORS: dict[tuple[str, str], tuple[str, int, int]] = {
    ("procerus", "midline"): ("front", 90, 114),
    ("corrugator", "right"): ("front", 48, 92),
    ("corrugator", "left"): ("front", 106, 92),
    ("frontalis", "right"): ("front", 40, 56),
    ("frontalis", "left"): ("front", 100, 56),
    ("temporalis", "left"): ("left", 76, 70),
    ("temporalis", "right"): ("right", 88, 70),
    ("occipitalis", "left"): ("back", 46, 100),
    ("occipitalis", "right"): ("back", 110, 100),
    ("cervical_paraspinal", "left"): ("back", 84, 160),
    ("cervical_paraspinal", "right"): ("back", 106, 160),
    ("trapezius", "left"): ("back", 20, 206),
    ("trapezius", "right"): ("back", 136, 206),
}


@dataclass(frozen=True)
class Dot:
    index: int
    x: int
    y: int
    shown: bool = True


@dataclass(frozen=True)
class SiteGroup:
    key: str
    muscle: str
    side: str
    label: str
    units_field: str
    points_field: str
    view: str
    dots: tuple[Dot, ...]
    hit_x: int
    hit_y: int
    hit_width: int
    hit_height: int


def _dots(muscle: str, x: int, y: int) -> tuple[Dot, ...]:
    # Paraspinal points run down the neck, one column.
    if muscle == "cervical_paraspinal":
        return tuple(Dot(i, x, y + i * SPACING // 2) for i in range(4))
    # Muscles that follow-the-pain leaves alone get one row: the face has little room.
    if muscle not in FOLLOW_THE_PAIN_MUSCLES:
        return tuple(Dot(i, x + i * SPACING, y) for i in range(4))
    return tuple(
        Dot(i, x + column * SPACING, y + row * SPACING) for i, (column, row) in enumerate(OFFSETS)
    )


def site_groups(*, points: dict[str, int]) -> list[SiteGroup]:
    groups = []
    for muscle, side in SITE_GROUPS:
        view, x, y = ANCHORS[(muscle, side)]
        shown = points.get(f"{muscle}_{side}", 0)
        dots = tuple(Dot(d.index, d.x, d.y, shown=d.index < shown) for d in _dots(muscle, x, y))
        units_field, points_field = site_field_names(muscle, side)
        xs = [d.x for d in dots]
        ys = [d.y for d in dots]
        groups.append(
            SiteGroup(
                key=f"{muscle}_{side}",
                muscle=muscle,
                side=side,
                label=f"{muscle.replace('_', ' ')} ({side})",
                units_field=units_field,
                points_field=points_field,
                view=view,
                dots=dots,
                hit_x=min(xs) - 8,
                hit_y=min(ys) - 8,
                hit_width=max(xs) - min(xs) + 16,
                hit_height=max(ys) - min(ys) + 16,
            )
        )
    return groups


def site_map_views(*, points: dict[str, int]) -> list[dict]:
    """The four views with their groups; ``points`` (by group key) says how many dots show."""
    groups = site_groups(points=points)
    return [
        {"key": key, "label": label, "groups": [g for g in groups if g.view == key]}
        for key, label in VIEWS
    ]
