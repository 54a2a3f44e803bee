"""How often acute medicines helped: the patient's "did it help?" answer per intake.

The answer is relief within 2 hours (none, some or full), the window acute-treatment trials
read (IHS guidelines for acute treatment trials: pain freedom and relief at 2 h). A share is
taken over the intakes answered only: an unanswered intake is not "no relief".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RELIEF_ANSWERS = ("none", "some", "full")
HELPED = frozenset({"some", "full"})


@dataclass(frozen=True)
class IntakeAnswers:
    """Intakes of one medicine with one answer ("" unanswered), counted."""

    medication_id: int
    name: str
    medication_class: str
    relief: str
    intakes: int


def _summary(answers: list[IntakeAnswers]) -> dict:
    by_answer = dict.fromkeys(RELIEF_ANSWERS, 0)
    unanswered = 0
    for answer in answers:
        if answer.relief in by_answer:
            by_answer[answer.relief] += answer.intakes
        else:
            unanswered += answer.intakes
    answered = sum(by_answer.values())
    helped = sum(count for relief, count in by_answer.items() if relief in HELPED)
    return {
        "intakes": answered + unanswered,
        "answered": answered,
        **{f"{relief}_relief": count for relief, count in by_answer.items()},
        "relief_share": round(helped / answered, 3) if answered else None,
        "full_relief_share": round(by_answer["full"] / answered, 3) if answered else None,
    }


def relief_summary(answers: Iterable[IntakeAnswers]) -> dict:
    """Shares of answered intakes that brought some or full relief, by class and by medicine."""
    by_class: dict[str, list[IntakeAnswers]] = {}
    by_medication: dict[int, list[IntakeAnswers]] = {}
    for answer in answers:
        by_class.setdefault(answer.medication_class, []).append(answer)
        by_medication.setdefault(answer.medication_id, []).append(answer)
    return {
        "by_class": [
            {"medication_class": name, **_summary(group)}
            for name, group in sorted(by_class.items())
        ],
        "by_medication": [
            {
                "medication": medication_id,
                "name": group[0].name,
                "medication_class": group[0].medication_class,
                **_summary(group),
            }
            for medication_id, group in sorted(by_medication.items(), key=lambda i: i[1][0].name)
        ],
    }
