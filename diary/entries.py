"""What a diary entry must say to be stored: one rule each, used by the API and the importers.

Pure functions: they take the entry's values and return the refusals, by field, in the words a
patient reads. api.md ("Diary", "Diary entries, more precisely") and clinical.md ("Duration:
never unknown by accident") are the source.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

FUTURE_DAY = "You cannot log a day in the future."
NO_SEVERITY_WITHOUT_HEADACHE = "A day without headache has no severity."
NO_DURATION_WITHOUT_HEADACHE = "A day without headache has no duration."
SEVERITY_NEEDED = "Give the headache's peak severity: 1, 2 or 3."
DURATION_NEEDED = (
    "Say how long the headache lasted: duration_hours, or duration_band "
    "(under_30_min, 30_min_to_4_h, 4_h_or_more)."
)
ONE_DURATION = "Give duration_hours or duration_band, not both."


def future_day_error(*, day: date, today: date) -> str | None:
    """A day after today in the patient's zone has not happened yet."""
    return FUTURE_DAY if day > today else None


def entry_errors(
    *,
    headache: bool,
    peak_severity: int,
    duration_hours: Decimal | None,
    duration_band: str | None,
    duration_may_be_unknown: bool = False,
) -> dict[str, list[str]]:
    """The refusals of a day's headache, severity and duration, by field; empty when fine.

    A headache needs a severity and a duration (hours or a band), since the headache-day rules
    hinge on it; only an import, whose source may not have recorded one, may store a headache
    of unknown duration (``duration_may_be_unknown``), which is then marked so.
    """
    errors: dict[str, list[str]] = {}
    if duration_hours is not None and duration_band:
        errors["duration_band"] = [ONE_DURATION]
    if not headache:
        if peak_severity:
            errors["peak_severity"] = [NO_SEVERITY_WITHOUT_HEADACHE]
        if duration_hours:
            errors["duration_hours"] = [NO_DURATION_WITHOUT_HEADACHE]
        if duration_band:
            errors["duration_band"] = [NO_DURATION_WITHOUT_HEADACHE]
        return errors
    if peak_severity == 0:
        errors["peak_severity"] = [SEVERITY_NEEDED]
    if duration_hours is None and not duration_band and not duration_may_be_unknown:
        errors["duration_hours"] = [DURATION_NEEDED]
    return errors


def is_duration_known(
    *, headache: bool, duration_hours: Decimal | None, duration_band: str | None
) -> bool:
    """False for a headache stored without hours or a band (only imports may store one)."""
    return not headache or duration_hours is not None or bool(duration_band)
