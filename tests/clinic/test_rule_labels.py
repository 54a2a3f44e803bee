"""A rule's number is one constant: move it and every label, evidence text and PDF line follows.

Each test moves one constant (the wear-off windows, an overuse limit, the stop-when-well rules),
scans the demo patient and reads what a clinician reads: the patient page, its charts, the
review queue's evidence card, the flag's stored evidence and the treatment-review PDF.
"""

from __future__ import annotations

import datetime as dt
import html
import io

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from diary.analytics import baseline as rules
from diary.analytics import cycles, verdicts
from diary.analytics.overuse import THRESHOLD_DAYS
from diary.demo import seed_demo
from diary.models import FlagKind, ReviewFlag
from diary.scan import scan_patient
from tests import factories

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def flat(text: str) -> str:
    return " ".join(html.unescape(text).split())


def scanned_demo() -> tuple[object, Client]:
    accounts = seed_demo(today=TODAY)
    scan_patient(patient=accounts.patient, today=TODAY)
    client = Client()
    factories.force_login_with_second_factor(client, accounts.clinician.user)
    return accounts, client


def pdf_text(client: Client, patient_id: int) -> str:
    response = client.get(f"/api/v1/patients/{patient_id}/report.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return flat(" ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def moved_windows(monkeypatch):
    monkeypatch.setattr(cycles, "PLATEAU_FIRST_WEEK", 4)
    monkeypatch.setattr(cycles, "PLATEAU_LAST_WEEK", 8)
    monkeypatch.setattr(cycles, "END_OF_CYCLE_FIRST_WEEK", 9)


def test_moving_the_wear_off_windows_moves_every_label_that_names_them(db, moved_windows):
    accounts, client = scanned_demo()
    patient = accounts.patient

    page = flat(client.get(f"/clinic/patients/{patient.pk}/").content.decode())
    assert (
        "Weeks 4-8 are the plateau; a rise in weeks 9-13 (the planned interval plus 1 week)" in page
    )
    assert "plateau (weeks 4-8)" in page  # the cycle overlay's band
    assert "weeks 3-9" not in page.lower()

    flag = ReviewFlag.objects.get(patient=patient, kind=FlagKind.WEAR_OFF)
    assert {c["plateau_weeks"] for c in flag.evidence["cycles"]} == {"4-8"}
    queue = flat(client.get("/clinic/flags/").content.decode())
    assert "Each cycle's plateau (weeks 4-8) against its end (from week 9)" in queue

    report = pdf_text(client, patient.pk)
    assert (
        "share of logged days with headache from week 9 to the planned interval plus 1 week, "
        "against weeks 4-8" in report
    )
    assert "plateau (weeks 4-8)" in report  # the PDF's cycle overlay


def test_moving_an_overuse_limit_moves_every_label_that_states_it(db, monkeypatch):
    monkeypatch.setitem(THRESHOLD_DAYS, "triptan", 8)
    accounts, client = scanned_demo()
    patient = accounts.patient

    page = flat(client.get(f"/clinic/patients/{patient.pk}/").content.decode())
    assert "Limits (ICHD-3 8.2): 8 days a month for triptans;" in page
    assert "8 days: triptan" in page  # the medication chart's reference line
    assert "10 days: triptan" not in page

    assert "Limits (ICHD-3 8.2): 8 days a month for triptans;" in pdf_text(client, patient.pk)


def demo_pages() -> tuple[str, str]:
    """The demo patient's page and PDF text, as its clinician reads them."""
    accounts, client = scanned_demo()
    page = flat(client.get(f"/clinic/patients/{accounts.patient.pk}/").content.decode())
    return page, pdf_text(client, accounts.patient.pk)


def test_the_demo_patients_nice_verdict_says_stop_not_continue(db):
    page, report = demo_pages()
    for text in (page, report):
        assert "NICE TA260: Stop (episodic for 3 months: Dec 2025 to Feb 2026)." in text
        assert "NICE TA260: Continue" not in text
        assert "Response: 55 % fewer headache days per 28 days after cycle 3" in text


def test_moving_the_stop_rules_constants_moves_the_verdicts_words(db, monkeypatch):
    monkeypatch.setattr(rules, "CHRONIC_MIN_HEADACHE_DAYS_PER_MONTH", 17)
    monkeypatch.setattr(rules, "EHF_STOP_HEADACHE_DAYS_PER_MONTH", 16)
    monkeypatch.setattr(verdicts, "EHF_REEVALUATE_MONTHS", (3, 6))
    page, report = demo_pages()
    for text in (page, report):
        assert "fewer than 17 headache days a month for 3 consecutive months: met." in text
        assert "EHF 2018: Stop (fewer than 16 headache days a month for 3 months: " in text
        assert "and re-evaluate 3-6 months later." in text
        assert "fewer than 15 headache days" not in text
        assert "fewer than 10 headache days" not in text
        assert "re-evaluate 4-5" not in text
