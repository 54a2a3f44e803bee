"""The diary as a generic CSV, the same layout ``importers.parse_generic`` reads back.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
return) get a leading apostrophe, so a note or a medicine name typed as "=HYPERLINK(...)" shows
as text when the file is opened; the importer removes that apostrophe again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from diary.models import DiaryDay

# Spreadsheet apps run cells that start with these.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "date",
    "headache",
    "severity",
    "hours",
    # A duration given as a band instead of hours (api.md), so a re-import keeps it known.
    "duration_band",
    "medicines",
    "disability",
    *DiaryDay.FEATURES,
    "notes",
)


def escape_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def unescape_cell(value: str) -> str:
    """Undo ``escape_cell``, so exported notes come back as written."""
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def _medicines(day: DiaryDay) -> str:
    return "; ".join(
        intake.medication.name if intake.doses == 1 else f"{intake.medication.name} x{intake.doses}"
        for intake in day.intakes.all()
    )


def diary_csv(days: Iterable[DiaryDay]) -> str:
    """``days`` need their intakes with medicines prefetched."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for day in days:
        writer.writerow(
            [
                day.date.isoformat(),
                "yes" if day.headache else "no",
                day.peak_severity,
                "" if day.duration_hours is None else format(day.duration_hours.normalize(), "f"),
                day.duration_band,
                escape_cell(_medicines(day)),
                day.disability,
                *("yes" if getattr(day, feature) else "no" for feature in DiaryDay.FEATURES),
                escape_cell(day.notes),
            ]
        )
    return buffer.getvalue()
