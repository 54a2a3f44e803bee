"""Trends' "Why?" under the response: the patient's words, each reason once, no guideline named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diary import selectors
from diary.models import User
from tests.analytics.records import inject, log_days
from tests.browser.helpers import app_closed, go, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLINICIANS_WORDS = ("NICE", "TA260", "EHF", "AHS", "IHS", "PREEMPT", "MIDAS", "assessable")


def response_why(page):
    section = page.locator("section").filter(
        has=page.get_by_role("heading", name="Headache days per 28 days")
    )
    section.get_by_text("Why?").click()
    return section.locator("details.why p")


def test_too_early_to_judge_says_the_reason_once_in_plain_words(page, screenshots):
    sign_up(page, "lea@example.org")
    with app_closed(page):
        patient = User.objects.get(email="lea@example.org").patient_profile
        today = selectors.local_today(user=patient.user)
        log_days(patient, today - timedelta(days=68), "H." * 14 + ".H....." * 6)
        inject(patient, today - timedelta(days=40))

    go(page, "#/trends")
    page.get_by_text("It is too early to say how well Botox works for you").wait_for()
    reasons = response_why(page)
    assert reasons.count() == 1
    text = reasons.first.inner_text()
    assert text.startswith("Doctors judge Botox from your second treatment cycle on")
    assert not [word for word in CLINICIANS_WORDS if word in text]
    page.screenshot(path=screenshots / "trends-why-too-early.png", full_page=True)


def test_three_well_months_tell_the_patient_about_a_break_not_to_continue(page, screenshots):
    sign_up(page, "mo@example.org")
    with app_closed(page):
        patient = User.objects.get(email="mo@example.org").patient_profile
        today = selectors.local_today(user=patient.user)
        first = today - timedelta(days=220)
        # A chronic baseline, then a headache one day a week for three cycles and more.
        log_days(patient, first - timedelta(days=28), "HHHHH.." * 4)
        log_days(patient, first, "......." + "H......" * 31)
        inject(patient, first, first + timedelta(weeks=12), first + timedelta(weeks=24))

    go(page, "#/trends")
    page.get_by_text("fewer headache days than before Botox").wait_for()
    reasons = response_why(page).all_inner_texts()
    assert reasons[0].startswith("You have had fewer than 10 headache days a month for three")
    assert "a break from Botox, and a check 4 to 5 months later" in reasons[0]
    assert len(reasons) == len(set(reasons))
    assert not [word for word in CLINICIANS_WORDS if word in " ".join(reasons)]
    assert "Continue" not in " ".join(reasons)
    page.screenshot(path=screenshots / "trends-why-well.png", full_page=True)
