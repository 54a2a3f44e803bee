"""A met stop-when-well rule is the verdict a clinician reads on the patient page and the PDF,
and its numbers move with the rules' constants (see ``test_rule_labels.py``)."""

from __future__ import annotations

import datetime as dt
import html
import io

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from diary.analytics import baseline as rules
from diary.analytics import verdicts
from diary.demo import seed_demo
from diary.scan import scan_patient
from tests import factories

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def flat(text: str) -> str:
    return " ".join(html.unescape(text).split())


def demo_pages() -> tuple[str, str]:
    """The demo patient's page and PDF text, as its clinician reads them."""
    accounts = seed_demo(today=TODAY)
    scan_patient(patient=accounts.patient, today=TODAY)
    client = Client()
    factories.force_login_with_second_factor(client, accounts.clinician.user)
    page = flat(client.get(f"/clinic/patients/{accounts.patient.pk}/").content.decode())
    response = client.get(f"/api/v1/patients/{accounts.patient.pk}/report.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return page, flat(" ".join(p.extract_text() for p in reader.pages))


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
