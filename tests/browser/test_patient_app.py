from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from diary import selectors, services
from diary.models import DiaryDay, User
from tests.browser.helpers import (
    add_medicine,
    day_card,
    go,
    save_day,
    serious_axe_violations,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local_today(email: str):
    return selectors.local_today(user=User.objects.get(email=email))


def day_on_server(email: str, day) -> DiaryDay | None:
    return DiaryDay.objects.filter(patient__user__email=email, date=day).first()


def test_a_patient_logs_days_online_and_offline(page, context, screenshots):
    sign_up(page, "alice@example.org")
    today = local_today("alice@example.org")

    # A headache-free day in one tap.
    day_card(page, "Today").get_by_role("button", name="No headache").click()
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    assert day_on_server("alice@example.org", today).headache is False

    # Yesterday in detail.
    day_card(page, "Yesterday").get_by_role("link", name="Headache").click()
    page.get_by_label("Moderate").check()
    page.get_by_label("Or the hours (optional)").fill("6")
    page.get_by_label("Nausea").check()
    page.get_by_label("Bothered by light").check()
    add_medicine(page, "ibupro", "Ibuprofen", 2)
    page.get_by_label("A lot").check()
    page.screenshot(path=screenshots / "day-details.png", full_page=True)
    save_day(page)
    day_card(page, "Yesterday").get_by_text("Saved on the server").wait_for()
    yesterday = day_on_server("alice@example.org", today - timedelta(days=1))
    assert (yesterday.headache, yesterday.peak_severity, yesterday.duration_hours) == (
        True,
        2,
        Decimal(6),
    )
    assert (yesterday.nausea, yesterday.photophobia, yesterday.disability) == (True, True, 2)
    assert [(i.medication.name, i.doses) for i in yesterday.intakes.all()] == [("Ibuprofen", 2)]

    # Offline: two more days wait on the device, and the app still opens after a reload.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    offline_days = [today - timedelta(days=2), today - timedelta(days=3)]
    go(page, f"#/day/{offline_days[0]}")
    page.get_by_label("No headache").check()
    save_day(page)
    go(page, f"#/day/{offline_days[1]}")
    page.get_by_label("Severe").check()
    page.get_by_label("Or the hours (optional)").fill("10")
    save_day(page)
    page.get_by_text("2 days waiting to be sent.").wait_for()
    response = page.reload()
    assert response.from_service_worker
    page.get_by_role("heading", name="How was your head today?").wait_for()
    page.get_by_text("2 days waiting to be sent.").wait_for()
    go(page, f"#/day/{offline_days[1]}")
    page.get_by_text("Waiting on this device").wait_for()
    assert day_on_server("alice@example.org", offline_days[0]) is None

    # Back online, the outbox reaches the server by itself.
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('connection').textContent === ''")
    page.get_by_text("Saved on the server").wait_for()
    assert day_on_server("alice@example.org", offline_days[0]).headache is False
    severe = day_on_server("alice@example.org", offline_days[1])
    assert (severe.headache, severe.peak_severity) == (True, 3)

    # The calendar tells logged, headache-free and missing days apart.
    for day, kind in [(offline_days[0], "free"), (offline_days[1], "sev-3"), (today, "free")]:
        go(page, f"#/calendar/{day:%Y-%m}")
        cell = page.locator(f'[data-date="{day}"]')
        cell.wait_for()
        page.wait_for_function(
            "([date, kind]) => document.querySelector(`[data-date='${date}']`)"
            "?.dataset.kind === kind",
            arg=[str(day), kind],
        )
    go(page, f"#/calendar/{today:%Y-%m}")
    if today.day > 4:
        first_of_month = page.locator(f'[data-date="{today.replace(day=1)}"]')
        assert first_of_month.get_attribute("data-kind") == "missing"
    page.screenshot(path=screenshots / "calendar.png", full_page=True)


def test_a_day_changed_elsewhere_shows_both_versions(page):
    sign_up(page, "bob@example.org")
    today = local_today("bob@example.org")
    day_card(page, "Today").get_by_role("button", name="No headache").click()
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    go(page, f"#/day/{today}")
    page.get_by_label("Yes, headache").wait_for()

    # Another device changes the day after this one loaded it.
    patient = User.objects.get(email="bob@example.org").patient_profile
    services.diary_day_upsert(
        patient=patient,
        day=today,
        facts=services.DiaryDayFacts(headache=True, duration_hours=Decimal(5), peak_severity=1),
    )
    page.get_by_label("Yes, headache").check()
    page.get_by_label("Severe").check()
    page.get_by_label("4 hours or more").check()
    save_day(page)

    go(page, f"#/day/{today}")
    page.get_by_role("heading", name="This day was changed somewhere else").wait_for()
    page.get_by_text("Mild headache, 5 h").wait_for()
    page.get_by_text("Severe headache").wait_for()
    page.get_by_role("button", name="Keep my version").click()
    page.get_by_text("Saved on the server").wait_for()
    assert day_on_server("bob@example.org", today).peak_severity == 3


def test_the_app_is_installable(profile_context):
    context = profile_context
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/")
    page.get_by_role("heading", name="Log in").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp = context.new_cdp_session(page)

    manifest = cdp.send("Page.getAppManifest")
    installability = cdp.send("Page.getInstallabilityErrors")

    assert manifest.get("errors") == []
    assert installability["installabilityErrors"] == []


def test_every_screen_is_accessible_on_a_phone(audit_page, screenshots):
    page = audit_page
    found = {}
    page.goto("/#/login")
    page.get_by_role("heading", name="Log in").wait_for()
    found["login"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "login.png", full_page=True)
    page.get_by_role("link", name="New here? Create an account").click()
    page.get_by_role("heading", name="Create your headache diary").wait_for()
    found["signup"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "signup.png", full_page=True)

    sign_up(page, "carol@example.org")
    today = local_today("carol@example.org")
    found["today"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "today.png", full_page=True)

    go(page, f"#/day/{today}")
    page.get_by_role("button", name="Save this day").wait_for()
    found["day"] = serious_axe_violations(page)

    go(page, "#/calendar")
    page.locator(f'[data-date="{today}"]').wait_for()
    found["calendar"] = serious_axe_violations(page)

    go(page, "#/treatment")
    page.get_by_role("button", name="Save injection").click()
    page.get_by_text("Injection saved.").wait_for()
    page.get_by_role("heading", name="Week 1 of 12").wait_for()
    # Day 0: the needle flare's card, from the server's advice.
    page.get_by_role("heading", name="The first few days").wait_for()
    page.get_by_label("What happened?").select_option("dysphagia")
    page.get_by_role("button", name="Report side effect").click()
    page.get_by_role("alert").get_by_text("Seek urgent medical care now").wait_for()
    found["treatment"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "treatment.png", full_page=True)

    go(page, "#/trends")
    page.get_by_role("heading", name="Trends").wait_for()
    page.wait_for_function("() => !document.body.textContent.includes('Loading your trends')")
    found["trends"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "trends.png", full_page=True)

    go(page, "#/settings")
    page.get_by_role("button", name="Create a sharing code").click()
    page.get_by_text("Give this code to your clinician").wait_for()
    found["settings"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "settings.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    go(page, "#/calendar")
    page.locator(f'[data-date="{today}"]').wait_for()
    found["calendar on a desktop"] = serious_axe_violations(page)
    page.screenshot(path=screenshots / "calendar-desktop.png", full_page=True)

    assert {screen: issues for screen, issues in found.items() if issues} == {}
