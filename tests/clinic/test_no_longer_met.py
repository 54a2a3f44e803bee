"""A flag still under review whose condition no longer holds says so, above the evidence it was
opened on, which stays as what was found: on the review queue and on the patient's page."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
import time_machine

from diary import services
from diary.models import FlagKind, ReviewFlag
from diary.scan import scan_patient
from frontend.clinic.evidence import evidence_card
from tests import factories

TODAY = dt.date(2026, 12, 2)

OVERUSE_EVIDENCE = {
    "rule": "preempt_4h",
    "as_of": "2026-11-02",
    "summary": "Triptan on 10 days or more a month for more than 3 months.",
    "months_over_threshold": 4,
    "months": [
        {
            "month": "2026-10",
            "logged_days": 31,
            "days_by_class": {"triptan": 12},
            "over_threshold": ["triptan"],
        }
    ],
}
NOW = "No ICHD-3 8.2 threshold met in the latest month."
LINE = f"No longer met as of 2 Dec 2026: {NOW}"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def flat(page: str) -> str:
    return " ".join(html.unescape(page).split())


def overuse_flag(patient, **said) -> ReviewFlag:
    evidence = dict(OVERUSE_EVIDENCE)
    if said:
        evidence["no_longer_met"] = said
    return services.review_flag_open(
        patient=patient, kind=FlagKind.MEDICATION_OVERUSE, evidence=evidence
    )


def test_the_queue_says_no_longer_met_above_what_was_found(alice, carol_client):
    flag = overuse_flag(alice, as_of="2026-12-02", summary=NOW)

    page = flat(carol_client.get("/clinic/flags/").content.decode())
    card = page[page.index(f'id="flag-{flag.pk}"') :]
    assert LINE in card
    # The original evidence stays, below, as what was found.
    assert card.index(LINE) < card.index("What was found") < card.index(OVERUSE_EVIDENCE["summary"])
    assert "Acute-medicine days per calendar month" in card
    assert "triptan on 12 days" in card
    # The new key is a statement above the card, not one of its facts.
    assert "No longer met</dt>" not in card


def test_the_patient_page_says_no_longer_met_beside_what_was_found(alice, carol_client):
    overuse_flag(alice, as_of="2026-12-02", summary=NOW)

    page = flat(carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode())
    flags = page[page.index('id="flags-h"') :]
    assert LINE in flags
    assert flags.index(LINE) < flags.index(f"What was found: {OVERUSE_EVIDENCE['summary']}")


def test_a_flag_that_still_holds_says_nothing_of_the_kind(alice, carol_client):
    overuse_flag(alice)

    for url in ("/clinic/flags/", f"/clinic/patients/{alice.pk}/"):
        page = flat(carol_client.get(url).content.decode())
        assert OVERUSE_EVIDENCE["summary"] in page
        assert "No longer met" not in page
        assert "What was found" not in page


def test_the_queue_and_the_patient_page_write_the_day_alike(alice, carol_client):
    for as_of in ("2026-01-09", "2026-09-30", "2026-12-02"):
        flag = overuse_flag(alice, as_of=as_of, summary=NOW)
        line = evidence_card(kind=flag.kind, evidence=flag.evidence).no_longer_met
        for url in ("/clinic/flags/", f"/clinic/patients/{alice.pk}/"):
            assert line in flat(carol_client.get(url).content.decode())
    assert evidence_card(kind=flag.kind, evidence=flag.evidence).no_longer_met.startswith(
        "No longer met as of 2 Dec 2026: "
    )


def test_a_clinician_of_another_clinic_sees_none_of_it(alice, dave_client):
    overuse_flag(alice, as_of="2026-12-02", summary=NOW)

    assert NOW not in dave_client.get("/clinic/flags/").content.decode()
    assert dave_client.get(f"/clinic/patients/{alice.pk}/").status_code == 404


def test_the_nightly_scan_marks_a_low_adherence_flag_once_the_diary_is_logged(alice, carol_client):
    factories.InjectionSessionFactory(patient=alice, date=TODAY - dt.timedelta(days=40))
    (flag,) = [
        f for f in scan_patient(patient=alice, today=TODAY) if f.kind == FlagKind.LOW_ADHERENCE
    ]
    found = flag.evidence["summary"]
    for offset in range(1, 29):
        services.diary_day_upsert(
            patient=alice,
            day=TODAY - dt.timedelta(days=offset),
            facts=services.DiaryDayFacts(
                headache=offset % 4 == 0, duration_hours=Decimal(5) if offset % 4 == 0 else None
            ),
        )
    scan_patient(patient=alice, today=TODAY)

    flag.refresh_from_db()
    assert flag.status == "open"
    page = flat(carol_client.get("/clinic/flags/").content.decode())
    card = page[page.index(f'id="flag-{flag.pk}"') :]
    assert "No longer met as of 2 Dec 2026: 28 of the last 28 days logged." in card
    assert card.index("No longer met") < card.index("What was found") < card.index(found)
