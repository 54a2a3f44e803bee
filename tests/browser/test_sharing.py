"""Sharing with a clinic: the patient sees which clinic reads the diary, and who in it."""

from __future__ import annotations

import pytest

from diary import services
from diary.models import ClinicRole
from tests.browser.helpers import app_closed, go, sign_up
from tests.factories import clinic_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_patient_sees_the_clinic_and_each_member_who_reads_the_diary(page, screenshots):
    sign_up(page, "rania@example.org")
    go(page, "#/settings")
    page.get_by_role("button", name="Create a sharing code").click()
    code = page.locator(".code").first.text_content().strip()

    with app_closed(page):
        nurse = clinic_member(
            "Northgate headache clinic", role=ClinicRole.NURSE, user__display_name="Sam Okafor"
        )
        clinic_member("Northgate headache clinic", user__display_name="Dr Lena Brandt")
        services.care_link_redeem(clinician=nurse, code=code)
    go(page, "#/settings")

    listing = page.locator("ul.links")
    listing.get_by_text("Shared with Sam Okafor at Northgate headache clinic").wait_for()
    members = listing.get_by_text("Who at Northgate headache clinic sees your diary:")
    assert "Sam Okafor (nurse)" in members.text_content()
    assert "Dr Lena Brandt (clinician)" in members.text_content()
    page.screenshot(path=screenshots / "settings-sharing-clinic.png", full_page=True)
