"""Day classes computed from the raw facts a patient logged for one day.

Definitions follow the International Headache Society and the trials that use them:

- Headache day: PREEMPT and the onabotulinumtoxinA label count headache lasting >= 4 hours
  (rule set ``preempt_4h``); many recent trials count >= 30 minutes (``trial_30min``; IHS
  guidelines for controlled trials in chronic migraine, Tassorelli et al., Cephalalgia
  2018;38:815-832). Under both, any headache treated with an acute medicine counts.
- Migraine day: a headache day meeting ICHD-3 1.1 criteria C (2 of: unilateral, pulsating,
  moderate or severe, aggravated by routine activity) and D (nausea and/or vomiting, or
  photophobia and phonophobia); or a day with aura (ICHD-3 1.2); or a day on which a triptan or
  ergot was taken (van der Arend et al., Cephalalgia; Leiden headache centre).
- Moderate/severe headache day: a headache day with peak severity 2 or 3 on PREEMPT's 4-point
  scale (0 none, 1 mild, 2 moderate, 3 severe).
- Acute-medication day, by class: the classes of the medicines taken that day.
- Duration unknown (clinical.md, "Duration: never unknown by accident"): a headache logged
  without hours or a duration band (imported days, days stored before bands existed) cannot be
  judged against a threshold. Untreated, it is neither a headache day nor headache-free: it is
  counted apart (``duration_unknown``).

A day's duration is given in hours or as one of the bands the app offers, whose edges are the
rule sets' thresholds, so a band decides every rule set exactly.

A day with no entry is missing and never reaches these functions: callers count it apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

# The migraine features a diary day records, each a yes/no column of ``DiaryDay``.
DAY_FEATURES = (
    "unilateral",
    "pulsating",
    "aggravated_by_activity",
    "nausea",
    "vomiting",
    "photophobia",
    "phonophobia",
    "aura",
)
PAIN_FEATURES = ("unilateral", "pulsating", "aggravated_by_activity")
MIGRAINE_SPECIFIC_CLASSES = frozenset({"triptan", "ergot"})
MODERATE = 2


# The two thresholds of the rule sets below, in hours; the duration bands are cut at them.
TRIAL_MIN_HOURS = Decimal("0.5")
PREEMPT_MIN_HOURS = Decimal(4)

# Each band's shortest duration in hours (api.md "Diary entries, more precisely").
DURATION_BAND_MIN_HOURS: dict[str, Decimal] = {
    "under_30_min": Decimal(0),
    "30_min_to_4_h": TRIAL_MIN_HOURS,
    "4_h_or_more": PREEMPT_MIN_HOURS,
}


@dataclass(frozen=True)
class HeadacheDayRuleSet:
    name: str
    version: int
    min_duration_hours: Decimal
    description: str


RULE_SETS: dict[str, HeadacheDayRuleSet] = {
    "preempt_4h": HeadacheDayRuleSet(
        name="preempt_4h",
        version=1,
        min_duration_hours=PREEMPT_MIN_HOURS,
        description="Headache of 4 hours or more, or any headache treated with acute medicine "
        "(PREEMPT; onabotulinumtoxinA label).",
    ),
    "trial_30min": HeadacheDayRuleSet(
        name="trial_30min",
        version=1,
        min_duration_hours=TRIAL_MIN_HOURS,
        description="Headache of 30 minutes or more, or any headache treated with acute "
        "medicine (IHS trial guidelines 2018).",
    ),
}
DEFAULT_RULE = "preempt_4h"


@dataclass(frozen=True)
class DayFacts:
    headache: bool
    duration_hours: Decimal | None = None
    peak_severity: int = 0
    features: frozenset[str] = frozenset()
    medication_classes: frozenset[str] = frozenset()
    # One of DURATION_BAND_MIN_HOURS, when the patient chose a band instead of hours.
    duration_band: str | None = None

    @property
    def duration_known(self) -> bool:
        return self.duration_hours is not None or self.duration_band is not None


@dataclass(frozen=True)
class DayClasses:
    headache_day: bool
    migraine_day: bool
    moderate_severe_day: bool
    acute_medication_classes: tuple[str, ...]
    # A headache whose duration was not recorded, untreated: not a headache day under any rule
    # set, never headache-free either; counted apart.
    duration_unknown: bool = False


def rule_set(name: str) -> HeadacheDayRuleSet:
    try:
        return RULE_SETS[name]
    except KeyError:
        raise ValueError(f"Unknown headache-day rule {name!r}.") from None


def duration_band_min_hours(band: str) -> Decimal:
    try:
        return DURATION_BAND_MIN_HOURS[band]
    except KeyError:
        raise ValueError(f"Unknown duration band {band!r}.") from None


def is_headache_day(facts: DayFacts, *, rule: str = DEFAULT_RULE) -> bool:
    if not facts.headache:
        return False
    if facts.medication_classes:
        return True
    threshold = rule_set(rule).min_duration_hours
    if facts.duration_hours is not None:
        return Decimal(facts.duration_hours) >= threshold
    if facts.duration_band is not None:
        # Bands are cut at the thresholds: the shortest duration of a band decides.
        return duration_band_min_hours(facts.duration_band) >= threshold
    return False


def is_duration_unknown(facts: DayFacts) -> bool:
    """A headache that no rule set can judge: no duration recorded, and no acute medicine."""
    return facts.headache and not facts.duration_known and not facts.medication_classes


def meets_ichd3_migraine_features(facts: DayFacts) -> bool:
    """ICHD-3 1.1 criteria C (2 of 4 pain features) and D (1 associated symptom)."""
    pain_features = sum(1 for feature in PAIN_FEATURES if feature in facts.features)
    if facts.peak_severity >= MODERATE:
        pain_features += 1
    associated = ("nausea" in facts.features or "vomiting" in facts.features) or (
        "photophobia" in facts.features and "phonophobia" in facts.features
    )
    return pain_features >= 2 and associated


def _is_migraine_day(facts: DayFacts, *, headache_day: bool) -> bool:
    if "aura" in facts.features:
        return True
    if facts.medication_classes & MIGRAINE_SPECIFIC_CLASSES:
        return True
    return headache_day and meets_ichd3_migraine_features(facts)


def _is_moderate_severe_day(facts: DayFacts, *, headache_day: bool) -> bool:
    return headache_day and facts.peak_severity >= MODERATE


def classify_day(facts: DayFacts, *, rule: str = DEFAULT_RULE) -> DayClasses:
    # Once the headache day is decided, the duration plays no part: the rest is cached on what
    # remains, a few thousand combinations in a whole clinic, where days with their durations
    # make tens of thousands.
    return _classes(
        is_headache_day(facts, rule=rule),
        facts.peak_severity,
        facts.features,
        facts.medication_classes,
        is_duration_unknown(facts),
    )


@lru_cache(maxsize=1 << 14)
def _classes(
    headache_day: bool,
    peak_severity: int,
    features: frozenset[str],
    medication_classes: frozenset[str],
    duration_unknown: bool = False,
) -> DayClasses:
    facts = DayFacts(
        headache=headache_day,
        peak_severity=peak_severity,
        features=features,
        medication_classes=medication_classes,
    )
    return DayClasses(
        headache_day=headache_day,
        migraine_day=_is_migraine_day(facts, headache_day=headache_day),
        moderate_severe_day=_is_moderate_severe_day(facts, headache_day=headache_day),
        acute_medication_classes=tuple(sorted(medication_classes)),
        duration_unknown=duration_unknown,
    )


def day_facts(
    *,
    headache: bool,
    duration_hours: Decimal | float | None,
    peak_severity: int,
    features: Iterable[str],
    medication_classes: Iterable[str],
    duration_band: str | None = None,
) -> DayFacts:
    if duration_band is not None:
        duration_band_min_hours(duration_band)  # an unknown band fails here
    return DayFacts(
        headache=headache,
        duration_hours=None if duration_hours is None else Decimal(str(duration_hours)),
        peak_severity=peak_severity,
        features=frozenset(features),
        medication_classes=frozenset(medication_classes),
        duration_band=duration_band or None,
    )
