"""A new account starts in the device's time zone and sets up its treatment in a first run."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary.models import DiaryDay, InjectionSession, RecalledBaselineSource, User
from tests.browser.conftest import new_context, report_page_messages
from tests.browser.helpers import app_closed, day_card, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def auckland_page(browser, live_server):
    context = new_context(browser, live_server, timezone_id="Pacific/Auckland")
    page = context.new_page()
    page.set_default_timeout(15_000)
    report_page_messages(page)
    yield page
    context.close()


def test_a_sign_up_in_auckland_is_in_auckland_and_saves_its_local_date(auckland_page):
    page = auckland_page
    sign_up(page, "aroha@example.org")
    user = User.objects.get(email="aroha@example.org")
    assert user.timezone == "Pacific/Auckland"

    day_card(page, "Today").get_by_role("button", name="No headache").click()
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    auckland_today = datetime.now(ZoneInfo("Pacific/Auckland")).date()
    assert list(DiaryDay.objects.filter(patient__user=user).values_list("date", flat=True)) == [
        auckland_today
    ]


def test_a_traveller_is_offered_the_phones_time_zone(auckland_page):
    page = auckland_page
    sign_up(page, "tama@example.org")
    with app_closed(page):
        User.objects.filter(email="tama@example.org").update(timezone="Europe/London")
    page.get_by_role("heading", name="Are you in a different time zone?").wait_for()
    page.get_by_role("button", name="Use Pacific/Auckland").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()
    page.get_by_role("heading", name="Are you in a different time zone?").wait_for(state="detached")
    assert User.objects.get(email="tama@example.org").timezone == "Pacific/Auckland"


def test_the_first_run_records_the_last_injection_and_a_recalled_baseline(page, screenshots):
    sign_up(page, "rua@example.org", set_up=True)
    user = User.objects.get(email="rua@example.org")
    today = datetime.now(ZoneInfo(user.timezone)).date()
    last, earlier = today - timedelta(days=30), today - timedelta(days=30 + 84)

    page.get_by_label("Your name").fill("Rua Walker")
    page.screenshot(path=screenshots / "welcome.png", full_page=True)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Your time zone and daily reminder").wait_for()
    page.get_by_label("Reminder time").fill("21:15")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Your last Botox injection").wait_for()
    page.get_by_label("Date of your last injection").fill(str(last))
    page.get_by_text("Add earlier injections").click()
    page.get_by_label("Earlier injection 1").fill(str(earlier))
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Before Botox").wait_for()
    page.get_by_label("on how many days did you have a headache?").fill("18")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Medicines you take to prevent migraine").wait_for()
    page.get_by_label("Your preventive medicines").fill("Propranolol 80 mg twice a day")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Sharing with your clinic").wait_for()
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()

    user.refresh_from_db()
    profile = user.patient_profile
    assert user.display_name == "Rua Walker"
    assert profile.reminder_time.strftime("%H:%M") == "21:15"
    assert sorted(
        InjectionSession.objects.filter(patient=profile).values_list("date", flat=True)
    ) == [
        earlier,
        last,
    ]
    assert (profile.recalled_baseline_headache_days, profile.recalled_baseline_source) == (
        18,
        RecalledBaselineSource.PATIENT,
    )
    assert profile.preventive_medicines_note == "Propranolol 80 mg twice a day"
    assert profile.onboarded is True


def test_the_first_run_can_be_skipped_at_once(page):
    sign_up(page, "mere@example.org", set_up=True)
    page.get_by_role("button", name="Skip the set-up for now").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()
    assert User.objects.get(email="mere@example.org").patient_profile.onboarded is True
