"""A nurse's clinic day, on a desktop and on a 768 px tablet: take on a patient by code, record
and correct a session, and review one flag of each kind."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from diary import services
from diary.models import FlagKind, FlagStatus, InjectionSession, ReviewFlag
from tests import factories
from tests.clinic.conftest import totp_code
from tests.clinic.test_review_queue import (
    ADHERENCE_EVIDENCE,
    EPISODIC_EVIDENCE,
    NON_RESPONSE_EVIDENCE,
    OVERUSE_EVIDENCE,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 768, "height": 1024}}

WEAR_OFF_EVIDENCE = {
    "summary": "Headache days rise at the end of 3 of 4 cycles, from week 10.",
    "wear_off_cycles": [2, 3, 4],
    "pooled_p_value": 0.0,
    "pooled_risk_difference": 0.31,
    "cycles": [
        {
            "cycle": n,
            "start": start,
            "end": end,
            "plateau_logged_days": 49,
            "plateau_headache_days": 9,
            "end_logged_days": 21,
            "end_headache_days": 14,
            "plateau_rate": 0.18,
            "end_rate": 0.67,
            "p_value": 0.0,
            "verdict": "wear_off",
            "reason": "More headache days from week 10 than on the plateau.",
        }
        for n, start, end in [(2, "2025-09-01", "2025-11-23"), (3, "2025-11-24", "2026-02-15")]
    ],
}
DECISIONS = {
    FlagKind.SIDE_EFFECT_RED_FLAG: "urgent_assessment",
    FlagKind.WEAR_OFF: "shorten_interval",
    FlagKind.MEDICATION_OVERUSE: "withdraw_acute",
    FlagKind.NON_RESPONSE: "continue",
    FlagKind.EPISODIC: "pause_treatment",
    FlagKind.LOW_ADHERENCE: "contact_patient",
}


@pytest.fixture
def clinic_day(db):
    """Leeds: Dr Carol and Nurse Nina; Alice, injected 12 weeks ago, had ptosis afterwards."""
    carol = factories.clinic_member("Leeds headache clinic", user__display_name="Dr Carol")
    nina = factories.clinic_member(
        "Leeds headache clinic",
        role="nurse",
        user__display_name="Nina Nurse",
        user__email="nina@leeds.example.org",
    )
    alice = factories.PatientFactory(user__display_name="Alice Example")
    today = dt.date.today()
    last = factories.InjectionSessionFactory(patient=alice, date=today - dt.timedelta(weeks=12))
    last.side_effects.create(kind="ptosis", onset_date=last.date + dt.timedelta(days=6), severity=1)
    _, code = services.care_link_create(patient=alice)
    return {"carol": carol, "nina": nina, "alice": alice, "code": code}


def open_flags(alice, carol) -> dict[str, ReviewFlag]:
    services.side_effect_report_create(
        session=alice.injection_sessions.order_by("date").first(),
        reported_by=alice.user,
        kind="dysphagia",
        onset_date=dt.date.today() - dt.timedelta(days=1),
        severity=2,
    )
    flags = {FlagKind.SIDE_EFFECT_RED_FLAG: ReviewFlag.objects.get(patient=alice)}
    for kind, evidence in [
        (FlagKind.WEAR_OFF, WEAR_OFF_EVIDENCE),
        (FlagKind.MEDICATION_OVERUSE, OVERUSE_EVIDENCE),
        (FlagKind.NON_RESPONSE, NON_RESPONSE_EVIDENCE),
        (FlagKind.EPISODIC, EPISODIC_EVIDENCE),
        (FlagKind.LOW_ADHERENCE, ADHERENCE_EVIDENCE),
    ]:
        flags[kind] = ReviewFlag.objects.create(patient=alice, kind=kind, evidence=evidence)
    return flags


def sign_in(page, user) -> None:
    page.goto("/clinic/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Verify and continue").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && [...document.querySelectorAll('.table-scroll')]"
        ".every((box) => box.scrollWidth <= box.clientWidth + 1)"
    )


@pytest.mark.parametrize("size", SIZES)
def test_a_nurse_takes_on_records_corrects_and_reviews(page, clinic_day, screenshots, size):
    page.set_viewport_size(SIZES[size])
    shot = lambda name: page.screenshot(  # noqa: E731
        path=screenshots / f"team-{size}-{name}.png", full_page=True
    )
    alice, nina = clinic_day["alice"], clinic_day["nina"]
    sign_in(page, nina.user)

    # Take on the patient by the code the app showed her; a wrong code says so first.
    page.get_by_role("link", name="Add a patient", exact=True).click()
    page.get_by_label("Sharing code").fill("ZZZZ-ZZZZ-ZZZZ")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("alert")).to_contain_text("No sharing code matches")
    page.get_by_label("Sharing code").fill(clinic_day["code"].lower())
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Alice Example now shares their diary with Leeds headache clinic."
    )
    shot("01-patient-added")

    # Record today's session: the site map carries the technique note after ptosis.
    page.get_by_role("link", name="Record injection session").click()
    expect(page.get_by_role("note")).to_contain_text("frontalis sites higher and give fewer")
    shot("02-site-map-with-technique-note")
    page.get_by_label("Lot").fill("C0001")
    page.get_by_role("button", name="Record session").click()
    expect(page.get_by_role("status").first).to_contain_text("recorded: 155 U")

    # Correct it: the lot was misread. The earlier version stays in the history.
    page.get_by_role("link", name="Correct this record").first.click()
    page.get_by_label("Lot").fill("C0007")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status").first).to_contain_text("the earlier version is kept")
    page.get_by_text("History: 2 versions").click()
    expect(page.locator("details[open]")).to_contain_text("lot C0001")
    shot("03-corrected-with-history")
    session = InjectionSession.objects.get(patient=alice, date=dt.date.today())
    assert (session.lot, session.version, session.recorded_by) == ("C0007", 2, nina.user)

    # Triage on this screen: flags and due dates in view, nothing to scroll sideways.
    flags = open_flags(alice, clinic_day["carol"])
    page.get_by_role("link", name="Patients").click()
    row = page.locator("table.triage tbody tr").first
    expect(row).to_have_class(re.compile("urgent"))
    expect(row.get_by_role("cell").nth(0)).to_contain_text("Urgent")
    expect(page.get_by_role("columnheader", name="Open flags")).to_be_in_viewport()
    expect(page.get_by_role("columnheader", name="Next injection due")).to_be_in_viewport()
    assert no_sideways_scroll(page)
    shot("04-triage")

    # The review queue: the red flag first and urgent; resolving needs a decision.
    page.get_by_role("link", name="Review queue").click()
    red = page.locator(f"#flag-{flags[FlagKind.SIDE_EFFECT_RED_FLAG].pk}")
    expect(page.locator("article.flag").first).to_have_class(re.compile("urgent"))
    expect(red).to_contain_text("Trouble swallowing")
    expect(red.get_by_label("Decision (to resolve)")).not_to_contain_text("Shorten interval")
    assert no_sideways_scroll(page)
    shot("05-review-queue")
    red.get_by_label("Resolve", exact=True).check()
    red.get_by_role("button", name="Save review").click()
    expect(page).to_have_url(re.compile(r"/clinic/flags/\d+/$"))
    expect(page.locator(f"#flag-{flags[FlagKind.SIDE_EFFECT_RED_FLAG].pk}")).to_contain_text(
        "Choose the decision this flag is resolved with."
    )
    shot("06-review-refused-in-the-clinic")

    for kind, decision in DECISIONS.items():
        card = page.locator(f"#flag-{flags[kind].pk}")
        card.get_by_label("Resolve", exact=True).check()
        card.get_by_label("Decision (to resolve)").select_option(decision)
        card.get_by_label("Note (to resolve)").fill(f"Reviewed in clinic ({kind}).")
        card.get_by_role("button", name="Save review").click()
        expect(page.get_by_role("status").first).to_contain_text("resolved")
        flag = ReviewFlag.objects.get(pk=flags[kind].pk)
        assert (flag.status, flag.decision, flag.reviewed_by) == (
            FlagStatus.RESOLVED,
            decision,
            nina.user,
        )
    expect(page.get_by_text("Nothing to review.")).to_be_visible()
    shot("07-queue-empty")
