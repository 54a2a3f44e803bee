"""The PREEMPT injection paradigm and the rules a recorded session must meet.

PREEMPT: 155 U at 31 fixed sites, 5 U per site, in 7 muscle groups, every 12 weeks. "Follow the
pain" adds up to 40 U in temporalis, occipitalis and trapezius: at most 195 U at 31-39 sites
(Blumenfeld et al., Headache 2010;50:1406-18; European Headache Federation 2018).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

PREEMPT_TOTAL_UNITS = Decimal(155)
PREEMPT_POINTS = 31
FOLLOW_THE_PAIN_MAX_UNITS = Decimal(195)
FOLLOW_THE_PAIN_MAX_POINTS = 39
FOLLOW_THE_PAIN_MUSCLES = frozenset({"temporalis", "occipitalis", "trapezius"})
# The label's ceiling for all indications in a 3-month interval.
MAX_UNITS_PER_SESSION = Decimal(400)
# Units are recorded to one decimal place; the smallest dose a record can hold. The API and the
# clinic form accept the same range, so a dose one accepts the other never refuses.
UNITS_STEP = Decimal("0.1")
STANDARD_INTERVAL_WEEKS = 12
MIN_INTERVAL_WEEKS = 10
# A clinic session this close to a patient's own unconfirmed report is the same session: it
# confirms and replaces the report (api.md). Patients misremember the day by a day or two.
SELF_REPORT_MATCH_DAYS = 3

# Technique levers after a side effect of the previous session (clinical.md, "Side effects to
# track"): shown on the site map, never applied by themselves.
PTOSIS_TECHNIQUE_NOTE = (
    "Eyelid ptosis after the last session: inject frontalis sites higher and give fewer units."
)
BROW_PTOSIS_TECHNIQUE_NOTE = (
    "Brow ptosis after the last session: give fewer and shallower corrugator units."
)
TECHNIQUE_NOTES = {
    "ptosis": PTOSIS_TECHNIQUE_NOTE,
    "brow_ptosis": BROW_PTOSIS_TECHNIQUE_NOTE,
}


@dataclass(frozen=True)
class SiteDose:
    muscle: str
    side: str
    units: Decimal
    points: int


PREEMPT_SITES: tuple[SiteDose, ...] = (
    SiteDose("procerus", "midline", Decimal(5), 1),
    SiteDose("corrugator", "left", Decimal(5), 1),
    SiteDose("corrugator", "right", Decimal(5), 1),
    SiteDose("frontalis", "left", Decimal(10), 2),
    SiteDose("frontalis", "right", Decimal(10), 2),
    SiteDose("temporalis", "left", Decimal(20), 4),
    SiteDose("temporalis", "right", Decimal(20), 4),
    SiteDose("occipitalis", "left", Decimal(15), 3),
    SiteDose("occipitalis", "right", Decimal(15), 3),
    SiteDose("cervical_paraspinal", "left", Decimal(10), 2),
    SiteDose("cervical_paraspinal", "right", Decimal(10), 2),
    SiteDose("trapezius", "left", Decimal(15), 3),
    SiteDose("trapezius", "right", Decimal(15), 3),
)


def next_due_date(*, injected_on: date, planned_interval_weeks: int) -> date:
    return injected_on + timedelta(weeks=planned_interval_weeks)


def interval_too_short(*, earlier: date, later: date) -> bool:
    """Sessions less than MIN_INTERVAL_WEEKS apart: an exception a clinician must explain."""
    return (later - earlier).days < MIN_INTERVAL_WEEKS * 7


def matches_self_report(*, reported_on: date, recorded_on: date) -> bool:
    return abs((recorded_on - reported_on).days) <= SELF_REPORT_MATCH_DAYS


def technique_notes(*, side_effect_kinds: set[str] | frozenset[str]) -> list[str]:
    """The technique levers for the side effects reported after the last session."""
    return [note for kind, note in TECHNIQUE_NOTES.items() if kind in side_effect_kinds]


def _by_muscle_and_side(sites: list[SiteDose]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    totals: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for site in sites:
        units, points = totals.get((site.muscle, site.side), (Decimal(0), 0))
        totals[(site.muscle, site.side)] = (units + site.units, points + site.points)
    return totals


def injection_pattern_errors(
    *, paradigm: str, total_units: Decimal, sites: list[SiteDose], notes: str = ""
) -> dict[str, list[str]]:
    """Return problems with a session's pattern, keyed by the field they concern."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if total_units <= 0:
        add("total_units", "Total units must be positive.")
    if total_units > MAX_UNITS_PER_SESSION:
        add("total_units", f"Total units may not exceed {MAX_UNITS_PER_SESSION} U.")
    if sites:
        site_total = sum((site.units for site in sites), Decimal(0))
        if site_total != total_units:
            add(
                "sites",
                f"Site units add up to {site_total} U but total_units is {total_units} U.",
            )
    points = sum(site.points for site in sites)

    if paradigm == "preempt":
        if total_units != PREEMPT_TOTAL_UNITS:
            add("total_units", "The PREEMPT paradigm is 155 U; use follow-the-pain or custom.")
        if sites and _by_muscle_and_side(sites) != _by_muscle_and_side(list(PREEMPT_SITES)):
            add(
                "sites",
                "PREEMPT sites are the 31 fixed sites of 5 U; "
                "use follow-the-pain or custom for a changed pattern.",
            )
    elif paradigm == "preempt_follow_the_pain":
        if not PREEMPT_TOTAL_UNITS <= total_units <= FOLLOW_THE_PAIN_MAX_UNITS:
            add("total_units", "Follow-the-pain is 155 U to 195 U.")
        if sites:
            if not PREEMPT_POINTS <= points <= FOLLOW_THE_PAIN_MAX_POINTS:
                add("sites", "Follow-the-pain uses 31 to 39 injection points.")
            given = _by_muscle_and_side(sites)
            for key, (units, site_points) in _by_muscle_and_side(list(PREEMPT_SITES)).items():
                got_units, got_points = given.get(key, (Decimal(0), 0))
                muscle = key[0]
                if muscle in FOLLOW_THE_PAIN_MUSCLES:
                    if got_units < units:
                        add("sites", f"{muscle} ({key[1]}) needs at least its PREEMPT {units} U.")
                elif (got_units, got_points) != (units, site_points):
                    add(
                        "sites",
                        f"Only temporalis, occipitalis and trapezius take extra units; "
                        f"{muscle} ({key[1]}) keeps {units} U at {site_points} points.",
                    )
            extra = set(given) - set(_by_muscle_and_side(list(PREEMPT_SITES)))
            if extra:
                add("sites", "Follow-the-pain adds units only to PREEMPT muscles.")
    elif paradigm == "custom":
        if not notes.strip():
            add("notes", "A custom pattern needs a reason in the notes.")
    else:
        add("paradigm", f"Unknown paradigm {paradigm!r}.")
    return errors
