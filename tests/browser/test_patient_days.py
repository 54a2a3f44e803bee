"""A day's entry is never lost by a stray tap, asks how long a headache lasted, and back-fills."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from diary import selectors, services
from diary.models import DiaryDay, User
from tests.browser.helpers import add_medicine, app_closed, day_card, go, save_day, sign_up
from tests.factories import InjectionSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local_today(email: str):
    return selectors.local_today(user=User.objects.get(email=email))


def day_on_server(email: str, day) -> DiaryDay | None:
    return DiaryDay.objects.filter(patient__user__email=email, date=day).first()


def log_a_severe_migraine(page, day) -> None:
    go(page, f"#/day/{day}")
    page.get_by_label("Severe").check()
    page.get_by_label("Or the hours (optional)").fill("9")
    page.get_by_label("Nausea").check()
    add_medicine(page, "ibupro", "Ibuprofen", 2)
    page.get_by_label("Notes (optional)").fill("Woke up with it; dark room all day.")
    save_day(page)
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()


def assert_the_migraine_is_stored(email: str, day) -> None:
    stored = day_on_server(email, day)
    assert (stored.headache, stored.peak_severity, stored.duration_hours) == (True, 3, Decimal(9))
    assert stored.notes == "Woke up with it; dark room all day."
    assert [(i.medication.name, i.doses) for i in stored.intakes.all()] == [("Ibuprofen", 2)]


def test_it_asks_before_no_headache_replaces_a_detailed_day(page, screenshots):
    sign_up(page, "alice@example.org")
    today = local_today("alice@example.org")
    log_a_severe_migraine(page, today)

    day_card(page, "Today").get_by_role("button", name="No headache").click()
    page.get_by_text('Replace "Severe headache, 9 h, 1 medicine" with "No headache"?').wait_for()
    page.screenshot(path=screenshots / "today-confirm-replace.png", full_page=True)
    assert_the_migraine_is_stored("alice@example.org", today)

    page.get_by_role("button", name="Keep what I logged").click()
    page.get_by_role("button", name="Yes, replace with No headache").wait_for(state="detached")
    assert_the_migraine_is_stored("alice@example.org", today)


def test_an_undo_restores_a_replaced_day(page):
    sign_up(page, "bob@example.org")
    today = local_today("bob@example.org")
    log_a_severe_migraine(page, today)

    day_card(page, "Today").get_by_role("button", name="No headache").click()
    page.get_by_role("button", name="Yes, replace with No headache").click()
    day_card(page, "Today").locator("strong").get_by_text("No headache", exact=True).wait_for()
    page.wait_for_function("() => !document.getElementById('connection').textContent")
    page.wait_for_function(
        "() => document.querySelector('[data-action=\"no-headache\"]')"
        "?.getAttribute('aria-pressed') === 'true'"
    )
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    assert day_on_server("bob@example.org", today).headache is False

    page.get_by_role("button", name="Undo").click()
    page.get_by_text("Undone: the earlier version is back.").wait_for()
    day_card(page, "Today").get_by_text("Severe headache, 9 h, 1 medicine").wait_for()
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    assert_the_migraine_is_stored("bob@example.org", today)


def test_an_undo_offline_restores_a_replaced_day(page, context):
    sign_up(page, "carol@example.org")
    today = local_today("carol@example.org")
    log_a_severe_migraine(page, today)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    day_card(page, "Today").get_by_role("button", name="No headache").click()
    page.get_by_role("button", name="Yes, replace with No headache").click()
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("Undone: the earlier version is back.").wait_for()
    day_card(page, "Today").get_by_text("Severe headache, 9 h, 1 medicine").wait_for()

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('connection').textContent === ''")
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    assert_the_migraine_is_stored("carol@example.org", today)


def test_the_day_screen_brings_back_the_version_a_save_replaced(page):
    sign_up(page, "dave@example.org")
    today = local_today("dave@example.org")
    log_a_severe_migraine(page, today)
    go(page, f"#/day/{today}")
    page.get_by_label("Mild").check()
    save_day(page)
    day_card(page, "Today").get_by_text("Mild headache, 9 h").wait_for()
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()

    go(page, f"#/day/{today}")
    page.get_by_text("Before your last change this day said: Severe headache, 9 h").wait_for()
    with page.expect_response(lambda r: r.request.method == "PUT" and r.ok):
        page.get_by_role("button", name="Bring back the earlier version").click()
    page.get_by_text("Before your last change").wait_for(state="detached")
    assert page.get_by_label("Severe").is_checked()
    assert_the_migraine_is_stored("dave@example.org", today)


def test_headache_severe_save_asks_how_long(page, screenshots):
    sign_up(page, "erin@example.org")
    today = local_today("erin@example.org")
    day_card(page, "Today").get_by_role("link", name="Headache").click()
    page.get_by_label("Severe").check()
    page.get_by_role("button", name="Save this day").click()

    page.get_by_role("alert").get_by_text("Choose how long the headache lasted").wait_for()
    page.screenshot(path=screenshots / "day-asks-duration.png", full_page=True)
    assert day_on_server("erin@example.org", today) is None
    page.get_by_label("4 hours or more").check()
    save_day(page)
    day_card(page, "Today").get_by_text("Severe headache, 4 hours or more").wait_for()
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    stored = day_on_server("erin@example.org", today)
    assert (stored.headache, stored.peak_severity, stored.duration_band) == (True, 3, "4_h_or_more")


def test_menstruation_is_ticked_on_a_day(page):
    sign_up(page, "fay@example.org")
    today = local_today("fay@example.org")
    go(page, f"#/day/{today}")
    page.get_by_label("No headache").check()
    page.get_by_label("I had my period (menstruation) this day").check()
    save_day(page)
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    assert day_on_server("fay@example.org", today).menstruation is True


def test_a_medicine_is_found_by_its_brand_and_its_relief_is_kept(page):
    sign_up(page, "gus@example.org")
    today = local_today("gus@example.org")
    go(page, f"#/day/{today}")
    page.get_by_label("Moderate").check()
    page.get_by_label("30 minutes to 4 hours").check()
    page.get_by_label("Find another medicine (name or brand)").fill("imigran")
    page.get_by_role("button", name="Add Sumatriptan").first.click()
    page.get_by_label("Sumatriptan: doses taken").fill("1")
    page.get_by_role("group", name="Did Sumatriptan help within 2 hours?").get_by_label(
        "Full relief"
    ).check()
    save_day(page)
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    intake = day_on_server("gus@example.org", today).intakes.get()
    assert (intake.medication.name, intake.relief) == ("Sumatriptan", "full")

    go(page, "#/trends")
    page.get_by_role("heading", name="Did your medicines help?").wait_for()
    relief = page.get_by_role("region", name="Relief within 2 hours, by medicine")
    assert relief.get_by_role("row", name="Sumatriptan").inner_text().split() == [
        "Sumatriptan",
        "0",
        "0",
        "1",
    ]


def test_a_patient_adds_their_own_medicine_with_its_class(page):
    sign_up(page, "hal@example.org")
    today = local_today("hal@example.org")
    go(page, f"#/day/{today}")
    page.get_by_label("Mild").check()
    page.get_by_label("Under 30 minutes").check()
    page.get_by_text("Not in the list? Add your own medicine").click()
    page.get_by_label("Name of your medicine").fill("Migraleve Pink")
    page.get_by_label("What kind of medicine is it?").select_option("combination_analgesic")
    page.get_by_role("button", name="Add my medicine").click()
    page.get_by_label("Migraleve Pink: doses taken").wait_for()
    save_day(page)
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()
    intake = day_on_server("hal@example.org", today).intakes.get()
    assert (intake.medication.name, intake.medication.medication_class) == (
        "Migraleve Pink",
        "combination_analgesic",
    )


def test_a_past_day_saved_from_the_calendar_returns_to_its_month(page, screenshots):
    sign_up(page, "ida@example.org")
    today = local_today("ida@example.org")
    with app_closed(page):
        patient = User.objects.get(email="ida@example.org").patient_profile
        past = (today.replace(day=1) - timedelta(days=1)).replace(day=10)
        InjectionSessionFactory(patient=patient, date=past - timedelta(days=3))
        for offset in range(3):
            services.diary_day_upsert(
                patient=patient,
                day=past + timedelta(days=offset + 1),
                facts=services.DiaryDayFacts(
                    headache=True,
                    duration_hours=Decimal(6),
                    peak_severity=2,
                    intakes=(("Ibuprofen", 1),),
                ),
            )

    go(page, f"#/calendar/{past:%Y-%m}")
    page.get_by_text("3 headache days this month").wait_for()
    page.locator(f'[data-date="{past}"]').click()
    page.get_by_label("Severe").check()
    page.get_by_label("4 hours or more").check()
    save_day(page, back_to="calendar")
    page.get_by_role("heading", name=f"{past:%B %Y}").wait_for()
    page.get_by_text("4 headache days this month").wait_for()
    injection = page.locator(f'[data-date="{past - timedelta(days=3)}"]')
    assert injection.get_attribute("data-injection") == "true"
    assert "injection day" in injection.get_attribute("aria-label")
    medicine = page.locator(f'[data-date="{past + timedelta(days=1)}"]')
    assert medicine.get_attribute("data-medicine") == "true"
    page.screenshot(path=screenshots / "calendar-backfilled.png", full_page=True)


def test_a_version_kept_on_the_server_is_restored_from_the_day_screen(page):
    sign_up(page, "joy@example.org")
    today = local_today("joy@example.org")
    log_a_severe_migraine(page, today)
    # Another device replaced it: only the server kept the earlier version.
    with app_closed(page):
        patient = User.objects.get(email="joy@example.org").patient_profile
        services.diary_day_upsert(
            patient=patient, day=today, facts=services.DiaryDayFacts(headache=False)
        )

    go(page, f"#/day/{today}")
    page.get_by_text("Earlier versions of this day (1)").click()
    page.get_by_role("button", name="Restore the version replaced").click()
    # The restore keeps the version it replaced in its turn.
    page.get_by_text("Earlier versions of this day (2)").wait_for()
    assert page.get_by_label("Severe").is_checked()
    assert_the_migraine_is_stored("joy@example.org", today)


def test_trends_say_it_in_plain_words_with_the_references_behind_why(page, screenshots):
    sign_up(page, "kim@example.org")
    today = local_today("kim@example.org")
    with app_closed(page):
        patient = User.objects.get(email="kim@example.org").patient_profile
        InjectionSessionFactory(patient=patient, date=today - timedelta(days=40))
        for offset in range(40):
            headache = offset % 3 == 1
            services.diary_day_upsert(
                patient=patient,
                day=today - timedelta(days=offset),
                facts=services.DiaryDayFacts(
                    headache=headache,
                    duration_hours=Decimal(5) if headache else None,
                    peak_severity=2 if headache else 0,
                    intakes=(("Ibuprofen", 1),) if headache else (),
                ),
            )

    go(page, "#/trends")
    medicines = page.locator("section").filter(
        has=page.get_by_role("heading", name="Acute medicines")
    )
    medicines.get_by_text("below the level that can make headaches more frequent").wait_for()
    page.get_by_text("It is too early to say how well Botox works for you").wait_for()
    assert not page.get_by_text("ICHD-3").is_visible()
    assert not page.get_by_text("NICE TA260").is_visible()

    medicines.get_by_text("Why?").click()
    assert medicines.get_by_text("ICHD-3 8.2").is_visible()
    page.screenshot(path=screenshots / "trends-why.png", full_page=True)


def test_the_one_tap_keeps_a_ticked_period(page):
    sign_up(page, "ola@example.org")
    today = local_today("ola@example.org")
    go(page, f"#/day/{today}")
    page.get_by_label("No headache").check()
    page.get_by_label("I had my period (menstruation) this day").check()
    save_day(page)
    day_card(page, "Today").get_by_text("Saved on the server").wait_for()

    with page.expect_response(lambda r: r.request.method == "PUT" and r.ok):
        day_card(page, "Today").get_by_role("button", name="No headache").click()
    stored = day_on_server("ola@example.org", today)
    assert (stored.headache, stored.menstruation, stored.revision) == (False, True, 2)
