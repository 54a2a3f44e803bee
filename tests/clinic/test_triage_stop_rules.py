"""Triage: a met stop-when-well rule is the verdict in the list, named by its guidelines, never
"responder" beside it (verdicts.py)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine

from diary.analytics import baseline as rules
from diary.analytics.baseline import response_label
from diary.analytics.trends import patient_analysis
from diary.timelines import patient_timeline
from frontend.clinic.triage import triage_row


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def verdict_cell(client) -> str:
    """The demo patient's verdict column, as the clinic reads it."""
    page = " ".join(html.unescape(client.get("/clinic/").content.decode()).split())
    row = page[page.index("Demo Patient") :]
    return row[: row.index("</tr>")]


def test_a_met_nice_rule_reads_stop_when_well_not_responder(demo, demo_client):
    cell = verdict_cell(demo_client)

    assert "stop when well (NICE TA260)" in cell
    assert "Dec 2025 to Feb 2026, every month below the limit" in cell
    assert "responder ≥" not in cell
    # The response figure still follows, with the window it judged.
    assert "after cycle 3" in cell and "55 % fewer headache days" in cell


def test_both_guidelines_are_named_when_both_rules_are_met(demo, demo_client, monkeypatch):
    monkeypatch.setattr(rules, "EHF_STOP_HEADACHE_DAYS_PER_MONTH", 16)

    assert "stop when well (NICE TA260, EHF 2018)" in verdict_cell(demo_client)


def test_no_rule_met_keeps_the_response_label(demo, monkeypatch):
    monkeypatch.setattr(rules, "CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH", 1)
    monkeypatch.setattr(rules, "EHF_STOP_HEADACHE_DAYS_PER_MONTH", 1)
    patient = demo.patient
    row = triage_row(patient=patient, open_flags=0, flag_kinds=())

    timeline = patient_timeline(patient=patient, as_of=row.as_of)
    analysis = patient_analysis(timeline=timeline, rule=patient.headache_day_rule)
    assert row.responder == response_label(analysis.response) == "responder ≥50 %"
    assert row.stop_when_well_text == ""


def test_a_patient_with_no_injection_is_not_yet_assessable(alice):
    row = triage_row(patient=alice, open_flags=0, flag_kinds=())

    assert row.responder == "not yet assessable"
    assert row.stop_when_well_text == ""
