"""A patient in a migraine: low light, 200 % text, a phone held in one hand.

Screenshots are kept in test-output/screenshots/attack/.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from diary import selectors, services
from diary.demo import DEMO_PASSWORD, DEMO_PATIENT_EMAIL
from diary.models import InjectionSession, User
from tests.browser.conftest import new_context
from tests.browser.helpers import (
    PASSWORD,
    app_closed,
    day_card,
    go,
    in_an_attack,
    log_in,
    save_day,
    sign_up,
)
from tests.factories import ClinicianFactory, InjectionSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A word the browser had to break over two lines ("Headach" / "e"), per element.
BROKEN_WORDS = """(selector) => [...document.querySelectorAll(selector)]
    .filter((el) => el.offsetParent)
    .flatMap((el) => el.textContent.trim().split(/\\s+/).filter((word) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.textContent.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
            return tops.size > 1;
        }
        return false;
    }))"""


@pytest.fixture
def attack_page(browser, live_server, screenshots):
    (screenshots / "attack").mkdir(exist_ok=True)
    with in_an_attack(browser, live_server) as page:
        yield page


def test_it_keeps_every_tab_on_screen_at_200_percent_text(attack_page, screenshots):
    sign_up(attack_page, "tabs@example.org")
    attack_page.screenshot(path=screenshots / "attack" / "today-tabs.png")
    width = attack_page.evaluate("document.documentElement.clientWidth")
    height = attack_page.evaluate("window.innerHeight")
    for name in ("Today", "Calendar", "Treatment", "Trends", "Settings"):
        box = attack_page.get_by_role("link", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, name
        assert box["y"] + box["height"] <= height, name
    attack_page.get_by_role("link", name="Settings").click()
    attack_page.locator('[data-screen="settings"]').wait_for()


def test_it_never_breaks_a_word_of_the_big_buttons_at_200_percent_text(attack_page, screenshots):
    sign_up(attack_page, "words@example.org")
    attack_page.screenshot(path=screenshots / "attack" / "today.png", full_page=True)
    assert attack_page.evaluate(BROKEN_WORDS, ".big-buttons .button") == []
    go(attack_page, "#/day/" + attack_page.evaluate("new Date().toISOString().slice(0, 10)"))
    attack_page.screenshot(path=screenshots / "attack" / "day.png", full_page=True)
    assert attack_page.evaluate(BROKEN_WORDS, ".button, .chip, h1, h2") == []


def test_it_says_in_words_whether_a_sharing_code_is_used_and_when_sharing_stopped(page):
    sign_up(page, "ines@example.org")
    go(page, "#/settings")
    page.get_by_role("button", name="Create a sharing code").click()
    code = page.locator(".code").first.text_content().strip()
    listing = page.locator("ul.links")
    listing.get_by_text("not used yet (valid until").wait_for()
    assert "(pending)" not in listing.text_content()

    with app_closed(page):
        clinician = ClinicianFactory(user__display_name="Dr Amal Haddad")
        services.care_link_redeem(clinician=clinician, code=code)
    go(page, "#/settings")
    page.get_by_role("button", name="Stop sharing with Dr Amal Haddad").click()
    listing.get_by_text("You stopped sharing with Dr Amal Haddad").wait_for()
    assert "Shared with Dr Amal Haddad" not in listing.text_content()


def test_it_copies_the_calendar_link_in_one_tap(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_up(page, "noor@example.org")
    go(page, "#/settings")
    page.get_by_role("button", name="Get my calendar link").click()
    feed = page.get_by_label("Your calendar link").input_value()
    page.get_by_role("button", name="Copy the link").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == feed


def test_it_drops_the_old_import_preview_when_a_new_file_is_refused(page, tmp_path):
    sign_up(page, "oren@example.org")
    csv = tmp_path / "diary.csv"
    csv.write_text("date,headache,severity,hours,medicines\n2026-10-01,yes,3,8,\n")
    go(page, "#/settings")
    page.get_by_label("A CSV file from another diary app").set_input_files(csv)
    page.get_by_role("button", name="Show a preview").click()
    page.get_by_role("heading", name="Preview of diary.csv").wait_for()

    # The same file said to come from Migraine Buddy: the server refuses it.
    page.get_by_label("A CSV file from another diary app").set_input_files(csv)
    page.get_by_label("Made by").select_option("migraine_buddy")
    page.get_by_role("button", name="Show a preview").click()
    page.get_by_text("The file has no column").wait_for()
    assert page.get_by_role("button", name="Import these days").count() == 0


def test_the_demo_patient_opens_on_today_with_a_year_of_trends(page):
    call_command("seed_demo", verbosity=0)
    log_in(page, DEMO_PATIENT_EMAIL, password=DEMO_PASSWORD)
    go(page, "#/trends")
    page.get_by_text("fewer headache days than before Botox").wait_for()


@pytest.fixture
def mandatory_verification(settings):
    # As deployed: the tests' default (pyproject) turns verification off.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True


def start_sign_up(page, email: str) -> None:
    page.goto("/#/signup")
    page.get_by_role("heading", name="Create your headache diary").wait_for()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Confirm your email").wait_for()


def test_it_sends_a_new_email_code_when_the_first_did_not_come(
    page, mandatory_verification, mailoutbox
):
    start_sign_up(page, "pia@example.org")
    page.get_by_text("We sent a code to pia@example.org.").wait_for()
    assert len(mailoutbox) == 1
    page.get_by_role("button", name="Send me a new code").click()
    page.get_by_text("A code was sent a moment ago. Wait a few minutes").wait_for()
    with time_machine.travel(timedelta(minutes=4)):
        page.get_by_role("button", name="Send me a new code").click()
        page.get_by_text("A new code is on its way.").wait_for()
    assert len(mailoutbox) == 2
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[-1].body, re.MULTILINE)[1]
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("Setting up: step 1 of").wait_for()


def test_a_mistyped_email_address_can_be_corrected_before_the_code(
    page, mandatory_verification, mailoutbox
):
    start_sign_up(page, "pia@exmaple.org")
    page.get_by_role("button", name="Use a different email address").click()
    page.get_by_role("heading", name="Create your headache diary").wait_for()
    start_sign_up(page, "pia@example.org")
    page.get_by_text("We sent a code to pia@example.org.").wait_for()
    assert mailoutbox[-1].to == ["pia@example.org"]


def test_every_field_of_a_day_is_a_big_target_in_low_light(attack_page, screenshots):
    sign_up(attack_page, "quinn@example.org")
    attack_page.evaluate("document.documentElement.style.fontSize = ''")
    attack_page.locator('[data-action="headache"]').first.click()
    attack_page.get_by_label("Find another medicine (name or brand)").wait_for()
    attack_page.screenshot(path=screenshots / "attack" / "day-fields.png", full_page=True)
    small = attack_page.evaluate(
        """() => [...document.querySelectorAll('main input, main select, main textarea')]
            .filter((el) => !['radio', 'checkbox', 'file'].includes(el.type))
            .filter((el) => el.getBoundingClientRect().height < 44)
            .map((el) => el.name)"""
    )
    assert small == []


def test_a_refused_earlier_injection_keeps_the_last_one_and_can_be_corrected(page):
    sign_up(page, "rosa@example.org", set_up=True)
    today = selectors.local_today(user=User.objects.get(email="rosa@example.org"))
    last, mistyped, meant = (today - timedelta(weeks=weeks) for weeks in (3, 6, 15))
    go(page, "#/welcome/2")
    page.get_by_label("Date of your last injection").fill(last.isoformat())
    page.get_by_text("Add earlier injections").click()
    page.get_by_label("Earlier injection 1").fill(mistyped.isoformat())
    page.get_by_role("button", name="Next").click()
    refusal = page.get_by_role("alert")
    refusal.get_by_text("less than 10 weeks").wait_for()
    assert "early_reason" not in refusal.text_content()

    page.get_by_label("Earlier injection 1").fill(meant.isoformat())
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="Before Botox").wait_for()
    sessions = InjectionSession.objects.filter(patient__user__email="rosa@example.org")
    assert sorted(sessions.values_list("date", flat=True)) == [meant, last]


def test_an_early_injection_is_recorded_with_the_patients_reason(page):
    sign_up(page, "sami@example.org")
    today = selectors.local_today(user=User.objects.get(email="sami@example.org"))
    with app_closed(page):
        InjectionSessionFactory(
            patient=User.objects.get(email="sami@example.org").patient_profile,
            date=today - timedelta(weeks=8),
        )
    go(page, "#/treatment")
    page.get_by_role("button", name="Save injection").click()
    page.get_by_role("alert").get_by_text("less than 10 weeks").wait_for()
    page.get_by_label("If the date is right, why was it sooner than usual?").fill(
        "Brought forward by my clinic before a holiday"
    )
    page.get_by_role("button", name="Save injection").click()
    page.get_by_text("Injection saved.").wait_for()
    early = InjectionSession.objects.get(patient__user__email="sami@example.org", date=today)
    assert early.early_reason == "Brought forward by my clinic before a holiday"


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(part) / 255 for part in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark", "lowlight"])
def test_every_chart_line_stands_out_from_the_card_in_each_theme(
    browser, live_server, screenshots, theme
):
    call_command("seed_demo", verbosity=0)
    context = new_context(browser, live_server, color_scheme="light")
    context.add_init_script(f"localStorage.setItem('diary-theme', '{theme}')")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, DEMO_PATIENT_EMAIL, password=DEMO_PASSWORD)
    go(page, "#/trends")
    page.locator(".u-legend .u-marker").nth(4).wait_for()
    page.screenshot(path=screenshots / "attack" / f"trends-{theme}.png", full_page=True)
    colours = page.evaluate(
        """() => [...document.querySelectorAll('.u-legend .u-marker')].map((marker) => ({
            series: marker.closest('tr').textContent.trim(),
            line: getComputedStyle(marker).borderColor,
            card: getComputedStyle(marker.closest('.card')).backgroundColor,
        }))"""
    )
    context.close()
    faint = [item["series"] for item in colours if contrast(item["line"], item["card"]) < 3]
    assert len(colours) >= 5 and faint == []


def test_a_day_not_yet_logged_says_so_once(page):
    sign_up(page, "tara@example.org")
    today = day_card(page, "Today")
    assert today.locator(".day-state").text_content().split() == ["Not", "logged"]


def test_a_medicine_is_found_by_its_brand_offline_on_the_first_bad_day(page):
    sign_up(page, "uma@example.org")
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    page.locator('[data-action="headache"]').first.click()
    page.get_by_label("Find another medicine (name or brand)").fill("Imigran")
    page.get_by_role("button", name="Add Sumatriptan").click()
    page.get_by_label("Sumatriptan: doses taken").wait_for()


def test_a_stray_tap_on_cancel_does_not_lose_a_bad_day_being_entered(page):
    sign_up(page, "vera@example.org")
    page.locator('[data-action="headache"]').first.click()
    page.get_by_label("Severe").check()
    page.get_by_label("4 hours or more").check()
    page.get_by_label("Notes (optional)").fill("Started at work, had to go home")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Leave without saving?").wait_for()
    page.get_by_role("button", name="Keep editing").click()
    assert page.get_by_label("Notes (optional)").input_value() == "Started at work, had to go home"
    save_day(page)
    assert day_card(page, "Today").get_by_text("Severe headache").count() == 1


def test_cancel_on_an_untouched_day_goes_straight_back(page):
    sign_up(page, "wim@example.org")
    page.locator('[data-action="headache"]').first.click()
    page.locator('[data-screen="day"]').get_by_text("Saved on the server").or_(
        page.get_by_text("Not logged yet")
    ).first.wait_for()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()


def test_a_cleared_reminder_time_is_asked_for_in_words(page):
    sign_up(page, "xena@example.org")
    go(page, "#/settings")
    page.get_by_label("Reminder time").fill("")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Choose a time for your daily reminder, for example 20:00.").wait_for()
    assert page.get_by_text("wrong format").count() == 0


def test_the_undo_offer_names_the_day_it_saved(page):
    sign_up(page, "yara@example.org")
    yesterday = selectors.local_today(user=User.objects.get(email="yara@example.org")) - timedelta(
        days=1
    )
    day_card(page, "Yesterday").get_by_role("button", name="No headache").click()
    offer = page.locator("#snackbar")
    offer.get_by_role("button", name="Undo").wait_for()
    assert f"Saved for {yesterday:%A} {yesterday.day} {yesterday:%B}: No headache." in (
        offer.text_content()
    )


def test_a_tab_tapped_while_a_bad_day_is_being_entered_asks_first(page):
    sign_up(page, "yara@example.org")
    page.locator('[data-action="headache"]').first.click()
    page.get_by_label("Severe").check()
    page.get_by_label("Notes (optional)").fill("Behind the left eye since noon")
    page.get_by_role("link", name="Trends").click()
    page.get_by_text("Leave without saving?").wait_for()
    assert page.locator('[data-screen="day"]').count() == 1
    page.get_by_role("button", name="Keep editing").click()
    assert page.get_by_label("Notes (optional)").input_value() == "Behind the left eye since noon"

    page.get_by_role("link", name="Trends").click()
    page.get_by_role("button", name="Leave without saving").click()
    page.locator('[data-screen="trends"]').wait_for()
