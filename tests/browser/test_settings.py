"""Settings gives a screen to what the service already offers: import, export, the calendar
feed, the access log and the treatment summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diary import selectors
from diary.models import DiaryDay, User
from tests.browser.helpers import go, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_csv_is_imported_after_its_preview_is_confirmed(page, tmp_path, screenshots):
    sign_up(page, "lena@example.org")
    today = selectors.local_today(user=User.objects.get(email="lena@example.org"))
    days = [today - timedelta(days=offset) for offset in (10, 9)]
    csv = tmp_path / "my-old-diary.csv"
    csv.write_text(
        f"date,headache,severity,hours,medicines\n{days[0]},yes,3,8,Ibuprofen x2\n{days[1]},no,,,\n"
    )

    go(page, "#/settings")
    page.get_by_label("A CSV file from another diary app").set_input_files(csv)
    page.get_by_label("Made by").select_option("generic")
    page.get_by_role("button", name="Show a preview").click()
    page.get_by_role("heading", name="Preview of my-old-diary.csv").wait_for()
    page.get_by_text("2 days found; 0 differ from what your diary already says.").wait_for()
    page.screenshot(path=screenshots / "settings-import-preview.png", full_page=True)
    assert not DiaryDay.objects.filter(patient__user__email="lena@example.org").exists()

    page.get_by_role("button", name="Import these days").click()
    page.get_by_text("Imported: 2 new days, 0 replaced, 0 kept as they were.").wait_for()
    stored = DiaryDay.objects.filter(patient__user__email="lena@example.org").order_by("date")
    assert [(day.date, day.headache, day.peak_severity) for day in stored] == [
        (days[0], True, 3),
        (days[1], False, 0),
    ]


def test_the_calendar_link_the_access_log_and_the_downloads_are_in_settings(page):
    sign_up(page, "milo@example.org")
    go(page, "#/settings")

    page.get_by_role("button", name="Get my calendar link").click()
    feed = page.get_by_label("Your calendar link").input_value()
    assert "/api/v1/calendar/" in feed and feed.endswith(".ics")

    page.get_by_role("button", name="Show who has seen my diary").click()
    page.get_by_text("Nobody else has seen your diary.").wait_for()

    for name, kind in [
        ("Download the summary (PDF)", "application/pdf"),
        ("Download my diary as a spreadsheet (CSV)", "text/csv"),
    ]:
        href = page.get_by_role("link", name=name).get_attribute("href")
        response = page.request.get(href)
        assert response.ok and response.headers["content-type"].startswith(kind)


def test_the_recalled_baseline_and_preventives_can_be_changed_later(page):
    sign_up(page, "nia@example.org")
    go(page, "#/settings")
    section = page.locator("section").filter(
        has=page.get_by_role("heading", name="About you and your treatment")
    )
    section.get_by_label("as you remember it").fill("14")
    section.get_by_label("Medicines you take to prevent migraine").fill("Topiramate 50 mg")
    section.get_by_role("button", name="Save").click()
    section.get_by_text("Saved.").wait_for()

    profile = User.objects.get(email="nia@example.org").patient_profile
    assert (profile.recalled_baseline_headache_days, profile.recalled_baseline_source) == (
        14,
        "patient",
    )
    assert profile.preventive_medicines_note == "Topiramate 50 mg"
