"""The demo clinician's morning: enrol TOTP, triage, patient, a session, a flag, the PDF."""

from __future__ import annotations

import io
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from diary.demo import DEMO_CLINICIAN_EMAIL, DEMO_PASSWORD, DEMO_PATIENT_EMAIL
from diary.models import FlagDecision, FlagKind, FlagStatus, InjectionSession, ReviewFlag

pytestmark = pytest.mark.browser


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time() // 30)))


def sign_in_with_password(page) -> None:
    page.goto("/clinic/")
    page.get_by_label("Email").fill(DEMO_CLINICIAN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_the_demo_clinician_reviews_the_demo_patient(page, screenshots):
    call_command("seed_demo", verbosity=0)
    call_command("scan_patients", verbosity=0)
    flag = ReviewFlag.objects.get(patient__user__email=DEMO_PATIENT_EMAIL, kind=FlagKind.WEAR_OFF)
    sessions_before = InjectionSession.objects.count()

    # First sign-in: enrol an authenticator app, see the recovery codes.
    sign_in_with_password(page)
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.screenshot(path=screenshots / "01-enrol-totp.png")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    page.get_by_role("button", name=re.compile("Sign out")).click()

    # Every later sign-in: password, then the current TOTP code.
    sign_in_with_password(page)
    expect(page.get_by_role("heading", name="Enter your authentication code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Verify and continue").click()

    # Triage: the demo patient first, with the open wear-off flag.
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    first_row = page.locator("table.triage tbody tr").first
    expect(first_row).to_contain_text("Demo Patient")
    expect(first_row).to_contain_text("End-of-cycle wear-off")
    page.screenshot(path=screenshots / "02-triage.png", full_page=True)

    # The patient: the overlaid cycle profiles show the end-of-cycle rise.
    first_row.get_by_role("link", name="Demo Patient").click()
    expect(page.get_by_role("heading", name="Cycle profiles, overlaid")).to_be_visible()
    cycles = page.get_by_role("img", name=re.compile("each cycle overlaid"))
    expect(cycles.locator("g.series")).to_have_count(4)
    expect(cycles.locator("rect.band-end")).to_have_count(1)
    page.screenshot(path=screenshots / "03-patient.png", full_page=True)

    # Record a session with two follow-the-pain sites, added on the site map.
    page.get_by_role("link", name="Record injection session").click()
    expect(page.locator("#site-totals")).to_contain_text("31 points, 155 U")
    page.get_by_role("button", name="Add a 5 U site to temporalis (left)").click()
    page.get_by_role("button", name="Add a 5 U site to occipitalis (right)").click()
    expect(page.locator("#site-totals")).to_contain_text("33 points, 165 U")
    expect(page.get_by_label("Paradigm")).to_have_value("preempt_follow_the_pain")
    expect(page.get_by_label("Total units (U)")).to_have_value("165")
    page.screenshot(path=screenshots / "04-site-map.png", full_page=True)
    page.get_by_role("button", name="Record session").click()
    expect(page.get_by_role("status").first).to_contain_text("recorded: 165 U")
    assert InjectionSession.objects.count() == sessions_before + 1
    recorded = InjectionSession.objects.latest("created_at")
    assert recorded.paradigm == "preempt_follow_the_pain"
    assert sum(site.points for site in recorded.sites.all()) == 33

    # Resolve the wear-off flag by shortening the interval to 10 weeks.
    page.get_by_role("link", name="Review queue").click()
    card = page.locator(f"#flag-{flag.pk}")
    expect(card).to_contain_text("plateau (weeks 3-9) against its end (from week 10")
    page.screenshot(path=screenshots / "05-review-queue.png", full_page=True)
    card.get_by_label("Resolve", exact=True).check()
    card.get_by_label("Decision (to resolve)").select_option(FlagDecision.SHORTEN_INTERVAL)
    card.get_by_label("Note (to resolve)").fill("Wears off from week 10: next at 10 weeks.")
    card.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("status").first).to_contain_text("resolved")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.decision == FlagDecision.SHORTEN_INTERVAL

    # The treatment-review PDF states the baseline and the % change.
    page.goto(f"/clinic/patients/{flag.patient_id}/")
    expect(page.get_by_role("cell", name="Shorten interval to 10 weeks")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Treatment review (PDF)").click()
    pdf = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    # Five cycles and a decision: the charts and the signature take a second page.
    assert len(pdf.pages) <= 2
    assert re.search(r"Baseline: [\d.]+ headache days per 28 days", text)
    assert re.search(r"Change: [-+][\d.]+ %", text)
    page.screenshot(path=screenshots / "06-patient-after-review.png", full_page=True)
