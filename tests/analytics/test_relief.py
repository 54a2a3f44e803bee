"""'Did it help?' per intake, summed by class and medicine (issue 17 item 7)."""

from __future__ import annotations

from diary.analytics.relief import IntakeAnswers, relief_summary


def answers(name: str, medication_class: str, medication_id: int, **counts: int):
    return [
        IntakeAnswers(medication_id, name, medication_class, relief, count)
        for relief, count in counts.items()
    ]


def test_the_share_is_some_or_full_relief_over_the_answered_intakes_only():
    summary = relief_summary(
        answers("Sumatriptan", "triptan", 1, full=3, some=1, none=4, **{"": 2})
    )

    triptans = summary["by_class"][0]
    assert (triptans["intakes"], triptans["answered"]) == (10, 8)
    assert triptans["relief_share"] == 0.5
    assert triptans["full_relief_share"] == 0.375


def test_medicines_of_one_class_are_pooled_by_class_and_kept_apart_by_medicine():
    summary = relief_summary(
        answers("Sumatriptan", "triptan", 1, full=2) + answers("Rizatriptan", "triptan", 2, none=2)
    )

    assert [(c["medication_class"], c["relief_share"]) for c in summary["by_class"]] == [
        ("triptan", 0.5)
    ]
    assert [(m["name"], m["relief_share"]) for m in summary["by_medication"]] == [
        ("Rizatriptan", 0.0),
        ("Sumatriptan", 1.0),
    ]


def test_a_medicine_never_answered_has_no_share():
    summary = relief_summary(answers("Ibuprofen", "simple_analgesic", 3, **{"": 5}))

    assert summary["by_medication"][0]["relief_share"] is None
    assert summary["by_medication"][0]["intakes"] == 5
