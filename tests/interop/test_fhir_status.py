"""A verdict's ClinicalImpression.status says whether the judgement is made (FHIR R4 value set
clinical-impression-status: in-progress | completed | entered-in-error)."""

from __future__ import annotations

import datetime as dt
import json
from datetime import date, timedelta
from typing import get_args

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle

from diary.analytics.trends import patient_analysis
from diary.analytics.verdicts import Status
from diary.interop.fhir import IMPRESSION_STATUS, verdict_impression
from tests.analytics.diaries import ClassifiedTimeline, diary, injections, repeat
from tests.analytics.records import inject, log_days

FIRST = date(2025, 3, 3)
TWELVE_WEEKS = timedelta(weeks=12)
ISSUED = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
QUIET = repeat(".", 7) + repeat("H......", 11)  # about 4 headache days a month
CLINICAL_IMPRESSION_STATUS = {"in-progress", "completed", "entered-in-error"}


def impressions(*cycles: str, as_of_days: int = 10, running: bool = False) -> dict[str, dict]:
    shots = [FIRST + TWELVE_WEEKS * n for n in range(len(cycles) + (0 if running else 1))]
    line = ClassifiedTimeline(
        days=diary(FIRST - timedelta(days=28), repeat("H", 20) + repeat(".", 8))
        | diary(FIRST, "".join(cycles)),
        injections=injections(*shots),
        as_of=shots[-1] + timedelta(days=as_of_days),
    )
    return {
        verdict.guideline: verdict_impression(
            verdict, resource_id="x", patient_ref={"reference": "urn:uuid:p"}, issued=ISSUED
        )
        for verdict in patient_analysis(timeline=line, rule="preempt_4h").verdicts
    }


def finding(impression: dict) -> str:
    return impression["finding"][0]["itemCodeableConcept"]["coding"][0]["code"]


def test_a_verdict_not_yet_possible_is_in_progress_and_says_why():
    found = impressions(QUIET[:40], as_of_days=40, running=True)
    for impression in found.values():
        assert finding(impression) == "not_yet_assessable"
        assert impression["status"] == "in-progress"
        assert impression["statusReason"]["text"].startswith("Not yet assessable: ")


def test_a_judged_verdict_is_completed():
    found = impressions(QUIET, QUIET, QUIET)
    assert finding(found["ahs_2021"]) == "responder"
    assert {i["status"] for i in found.values()} == {"completed"}
    assert not [i for i in found.values() if "statusReason" in i]


def test_a_met_stop_rule_is_the_completed_finding():
    nice = impressions(QUIET, QUIET, QUIET)["nice_ta260"]
    assert finding(nice) == "stop_when_well"
    assert nice["status"] == "completed"
    assert nice["summary"].startswith("NICE TA260: Stop (episodic for 3 months")


def test_a_closed_window_too_thinly_logged_is_completed_as_not_assessable():
    thin = repeat(".", 7) + repeat("-", 40) + repeat(".", 37)
    found = impressions(QUIET, thin, as_of_days=3)
    assert {finding(i) for i in found.values()} == {"not_assessable"}
    assert {i["status"] for i in found.values()} == {"completed"}


def test_every_verdict_status_maps_into_the_r4_value_set():
    assert set(IMPRESSION_STATUS) == set(get_args(Status))
    assert set(IMPRESSION_STATUS.values()) <= CLINICAL_IMPRESSION_STATUS


@pytest.mark.django_db
def test_the_export_of_a_patient_with_one_injection_is_in_progress_and_validates(alice, as_alice):
    today = date(2026, 11, 24)
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        log_days(alice, today - timedelta(days=68), "H." * 14 + ".H....." * 6)
        inject(alice, today - timedelta(days=40))
        response = as_alice.get("/api/v1/me/fhir/")
    assert response.status_code == 200, response.content
    bundle = json.loads(response.content)
    Bundle.model_validate(bundle)
    found = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "ClinicalImpression"
    ]
    assert len(found) == 4
    assert {i["status"] for i in found} == {"in-progress"}
