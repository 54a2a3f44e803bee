"""A flag's evidence as a clinician reads it: sentences and small tables, never raw JSON.

The scan stores each kind's evidence with its figures (``diary.scan``); the thresholds in the
text come from those figures and the summary the rule wrote, so nothing here restates a rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from diary.analytics import cycles as cycle_rules
from diary.analytics.overuse import OveruseMonth
from diary.analytics.wear_off import GRACE_WEEKS, p_text
from diary.analytics.windows import month_end
from diary.models import FlagKind, MedicationClass, SideEffectKind

SEVERITY_WORDS = {1: "mild", 2: "moderate", 3: "severe"}
GUIDELINE_NAMES = {
    "nice_ta260": "NICE TA260",
    "ehf_2018": "EHF 2018",
    "ahs_2021": "AHS 2021",
    "ihs_2025": "IHS 2025",
}
# "p = 6.5e-05" as flags stored before ``wear_off.p_text`` wrote a p-value into a reading.
P_VALUE = re.compile(r"\bp = (\d+(?:\.\d+)?(?:e[-+]?\d+)?)")


@dataclass(frozen=True)
class EvidenceTable:
    caption: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class EvidenceCard:
    summary: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[EvidenceTable] = field(default_factory=list)
    urgent: bool = False
    # What the analysis says now that the finding no longer holds: shown above the evidence,
    # which stays as what was found.
    no_longer_met: str = ""


# The key the nightly scan adds to a flag's evidence when its condition no longer holds
# (``services._flags_no_longer_met``): {"as_of": "YYYY-MM-DD", "summary": ...}.
NO_LONGER_MET = "no_longer_met"


def no_longer_met_text(evidence: Mapping[str, Any] | None) -> str:
    """ "No longer met as of 2 Dec 2026: <what the analysis now says>", or "" while it holds."""
    said = (evidence or {}).get(NO_LONGER_MET)
    if not isinstance(said, Mapping) or not said.get("summary"):
        return ""
    return f"No longer met as of {day_text(said.get('as_of'))}: {said['summary']}"


def day_text(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return date.fromisoformat(value).strftime("%-d %b %Y")
    except ValueError:
        return str(value)


def span_text(start: str | None, end: str | None) -> str:
    return f"{day_text(start)} to {day_text(end)}"


def share_text(count: int | None, logged: int | None, what: str = "headache days") -> str:
    """ "9 headache days of 28 logged days (32 %)": the count, its base, and one percentage."""
    if not logged:
        return "no logged days"
    if count is None:
        return "—"
    if count == 1:
        what = what.removesuffix("s")
    return (
        f"{count} {what} of {logged} logged day{'' if logged == 1 else 's'} "
        f"({round(count * 100 / logged)} %)"
    )


def list_text(items: list[Any]) -> str:
    words = [str(item) for item in items]
    if not words:
        return "none"
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"


def class_text(name: str) -> str:
    if name in MedicationClass.values:
        return MedicationClass(name).label.lower()
    return name.replace("_", " ")


def month_text(value: str) -> str:
    try:
        return date.fromisoformat(f"{value}-01").strftime("%b %Y")
    except ValueError:
        return value


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _still_running(cycle: dict, as_of: str | None) -> bool:
    """A cycle whose end window had not closed when the scan ran: not assessed, not unlogged.

    Its windows were not counted (``wear_off.cycle_windows``), so it carries no end window and
    ends on the scan's day.
    """
    return (
        not cycle.get("pooled")
        and cycle.get("end_window_start") is None
        and not cycle.get("plateau_logged_days")
        and bool(as_of)
        and str(cycle.get("end")) >= str(as_of)
    )


def _wear_off(
    evidence: dict, *, end_windows_close: Mapping[date, date] | None = None
) -> EvidenceCard:
    facts = [("Cycles wearing off", list_text(evidence.get("wear_off_cycles", [])))]
    if evidence.get("pooled_text"):
        # Worded by analytics/wear_off.py: the rise with its interval and the cycles assessed.
        facts.append(("Over all cycles", evidence["pooled_text"]))
    elif evidence.get("pooled_risk_difference") is not None:
        points = round(evidence["pooled_risk_difference"] * 100)
        facts.append(
            (
                "Over all cycles",
                f"the share of headache days is {points} points higher "
                f"{cycle_rules.end_of_cycle_label()} than in {cycle_rules.plateau_label()} "
                f"({p_text(evidence.get('pooled_p_value'))})",
            )
        )
    closing = end_windows_close or {}
    rows = []
    for c in evidence.get("cycles", []):
        reading = reading_text(str(c.get("reason") or c.get("verdict") or ""))
        if _still_running(c, evidence.get("as_of")):
            start = date.fromisoformat(c["start"]) if c.get("start") else None
            closes = closing.get(start) if start else None
            running = "still running, end window closes " + (
                f"on {closes:%-d %b %Y}"
                if closes
                else f"at the planned interval plus {GRACE_WEEKS} week{_plural(GRACE_WEEKS)}"
            )
            plateau = end = running
            if closes:
                reading = (
                    f"Still running: its end window closes at the next injection or on "
                    f"{closes:%-d %b %Y}."
                )
        else:
            plateau = share_text(c.get("plateau_headache_days"), c.get("plateau_logged_days"))
            end = share_text(c.get("end_headache_days"), c.get("end_logged_days"))
        rows.append(
            (str(c.get("cycle")), span_text(c.get("start"), c.get("end")), plateau, end, reading)
        )
    table = EvidenceTable(
        caption=f"Each cycle's plateau ({cycle_rules.plateau_label()}) against its end "
        f"({cycle_rules.end_of_cycle_label()}), overdue weeks left out",
        headers=("Cycle", "Dates", "Plateau", "End of cycle", "Reading"),
        rows=rows,
    )
    return EvidenceCard(summary=evidence.get("summary", ""), facts=facts, tables=[table])


def reading_text(reason: str) -> str:
    """A reading worded by the analytics, its p-values written as the clinic reads one."""
    return P_VALUE.sub(lambda found: p_text(float(found.group(1))), reason)


def _overuse_judged(month: dict) -> str:
    """The classes over a limit, or "not enough data" for a month logged too thinly to tell
    (``OveruseMonth.enough_data``; clinical.md: never "no overuse")."""
    over = month.get("over_threshold") or []
    if over:
        return list_text([class_text(name) for name in over])
    try:
        start = date.fromisoformat(f"{month.get('month')}-01")
    except ValueError:
        return "none"
    judged = OveruseMonth(
        start=start,
        end=month_end(start),
        complete=True,
        logged_days=int(month.get("logged_days") or 0),
        days_by_class=dict(month.get("days_by_class") or {}),
        any_ichd3_class_days=0,
        over_threshold=(),
    )
    return "none" if judged.enough_data else "not enough data"


def _overuse(evidence: dict) -> EvidenceCard:
    rows = []
    for month in evidence.get("months", []):
        by_class = month.get("days_by_class") or {}
        rows.append(
            (
                month_text(month.get("month", "")),
                str(month.get("logged_days", "—")),
                list_text([f"{class_text(k)} on {v} days" for k, v in by_class.items()]),
                _overuse_judged(month),
            )
        )
    facts = []
    if evidence.get("months_over_threshold") is not None:
        facts.append(("Months over the threshold", str(evidence["months_over_threshold"])))
    table = EvidenceTable(
        caption="Acute-medicine days per calendar month",
        headers=("Month", "Days logged", "Days with each medicine class", "Over the threshold"),
        rows=rows,
    )
    return EvidenceCard(summary=evidence.get("summary", ""), facts=facts, tables=[table])


def _percent_text(value: float | None) -> str:
    if value is None:
        return "not assessable"
    return f"{abs(round(value))} % {'fewer' if value <= 0 else 'more'} than at baseline"


def _non_response(evidence: dict) -> EvidenceCard:
    window = span_text(evidence.get("window_start"), evidence.get("window_end"))
    facts = [
        ("Judged after cycle", str(evidence.get("after_cycle") or "—")),
        (
            f"Headache days, {window}",
            share_text(evidence.get("headache_days"), evidence.get("logged_days")),
        ),
        (
            "Headache days per 28 days",
            f"{evidence.get('headache_days_per_28', '—')} against "
            f"{evidence.get('baseline_headache_days_per_28', '—')} at baseline: "
            f"{_percent_text(evidence.get('percent_change'))}",
        ),
    ]
    facts += [
        (GUIDELINE_NAMES.get(name, name), text)
        for name, text in evidence.get("verdicts", {}).items()
    ]
    facts += [("Note", note) for note in evidence.get("notes", [])]
    return EvidenceCard(summary=evidence.get("summary", ""), facts=facts)


def _episodic(evidence: dict) -> EvidenceCard:
    rows = [
        (
            month_text(m.get("month", "")),
            share_text(m.get("headache_days"), m.get("logged_days")),
            str(m.get("headache_days_per_28", "—")),
        )
        for m in evidence.get("months", [])
    ]
    table = EvidenceTable(
        caption="Headache days per calendar month",
        headers=("Month", "Headache days", "Per 28 days"),
        rows=rows,
    )
    return EvidenceCard(summary=evidence.get("summary", ""), tables=[table])


def _red_flag(evidence: dict) -> EvidenceCard:
    kind = evidence.get("side_effect", "")
    label = SideEffectKind(kind).label if kind in SideEffectKind.values else kind
    severity = evidence.get("severity")
    injected, onset = evidence.get("injection_date"), evidence.get("onset_date")
    after = ""
    if injected and onset:
        days = (date.fromisoformat(onset) - date.fromisoformat(injected)).days
        after = f", {days} days after the session of {day_text(injected)}"
    facts = [
        ("Side effect", label),
        ("Severity", SEVERITY_WORDS.get(severity, str(severity)) if severity else "—"),
        ("Began", f"{day_text(onset)}{after}"),
    ]
    summary = evidence.get("summary") or (
        f"{label} reported after botulinum toxin: a possible spread of toxin effect. "
        "The patient was told to seek urgent care."
    )
    return EvidenceCard(summary=summary, facts=facts, urgent=True)


def _low_adherence(evidence: dict) -> EvidenceCard:
    facts = [
        (
            f"Logged, {span_text(evidence.get('window_start'), evidence.get('window_end'))}",
            f"{evidence.get('logged_days', '—')} of 28 days",
        ),
        ("Last injection", day_text(evidence.get("last_injection"))),
    ]
    return EvidenceCard(summary=evidence.get("summary", ""), facts=facts)


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        return list_text([_value_text(item) for item in value])
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_value_text(v)}" for k, v in value.items())
    if value is None:
        return "—"
    return str(value)


def _generic(evidence: dict) -> EvidenceCard:
    facts = [
        (key.replace("_", " ").capitalize(), _value_text(value))
        for key, value in evidence.items()
        if key not in {"summary", "rule", "as_of", "method", NO_LONGER_MET}
        and not key.endswith("_id")
    ]
    return EvidenceCard(summary=evidence.get("summary", ""), facts=facts)


CARDS: dict[str, Callable[[dict], EvidenceCard]] = {
    FlagKind.WEAR_OFF: _wear_off,
    FlagKind.MEDICATION_OVERUSE: _overuse,
    FlagKind.NON_RESPONSE: _non_response,
    FlagKind.EPISODIC: _episodic,
    FlagKind.SIDE_EFFECT_RED_FLAG: _red_flag,
    FlagKind.LOW_ADHERENCE: _low_adherence,
}


def evidence_card(
    *, kind: str, evidence: dict, end_windows_close: Mapping[date, date] | None = None
) -> EvidenceCard:
    """A card for the flag; evidence of an older shape falls back to readable facts.

    ``end_windows_close`` gives, by cycle start, the day each cycle's wear-off end window
    closes, from the patient's current analysis, so a running cycle says when it will count.
    """
    card = _card(kind=kind, evidence=evidence or {}, end_windows_close=end_windows_close)
    return replace(card, no_longer_met=no_longer_met_text(evidence))


def _card(
    *, kind: str, evidence: dict, end_windows_close: Mapping[date, date] | None
) -> EvidenceCard:
    try:
        if kind == FlagKind.WEAR_OFF:
            return _wear_off(evidence, end_windows_close=end_windows_close)
        return CARDS.get(kind, _generic)(evidence)
    except (TypeError, ValueError, KeyError, AttributeError):
        card = _generic(evidence)
        if kind == FlagKind.SIDE_EFFECT_RED_FLAG:
            return EvidenceCard(summary=card.summary, facts=card.facts, urgent=True)
        return card
