"""Every screen in every theme: kind to photophobia, readable at 200 % text, no axe failures.

Screenshots of each screen in each theme are kept in test-output/screenshots/themes/.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image, ImageStat

from diary import selectors, services
from diary.models import User
from tests.browser.conftest import new_context, report_page_messages
from tests.browser.helpers import app_closed, go, serious_axe_violations, sign_up
from tests.factories import InjectionSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THEMES = ("light", "dark", "lowlight")


def seed_diary(email: str) -> None:
    """Five weeks of a realistic diary in a treatment cycle, so every screen has content."""
    user = User.objects.get(email=email)
    patient = user.patient_profile
    today = selectors.local_today(user=user)
    InjectionSessionFactory(patient=patient, date=today - timedelta(days=36))
    for offset in range(1, 36):
        day = today - timedelta(days=offset)
        if offset % 3:
            facts = services.DiaryDayFacts(headache=False)
        else:
            facts = services.DiaryDayFacts(
                headache=True,
                duration_hours=Decimal(offset % 7 + 2),
                peak_severity=offset % 3 + 1,
                intakes=(("Ibuprofen", 2),) if offset % 2 else (),
            )
        services.diary_day_upsert(patient=patient, day=day, facts=facts)


def themed_page(browser, live_server, theme: str, **options):
    # Dark comes from the system's setting; low light is the patient's choice on the device.
    context = new_context(
        browser,
        live_server,
        bypass_csp=True,
        color_scheme="dark" if theme == "dark" else "light",
        **options,
    )
    if theme == "lowlight":
        context.add_init_script("localStorage.setItem('diary-theme', 'lowlight')")
    page = context.new_page()
    page.set_default_timeout(15_000)
    report_page_messages(page)
    return context, page


def visit_every_screen(page, email: str, check) -> None:
    """Walks the patient's screens, calling ``check(name)`` once each has drawn."""
    page.goto("/#/login")
    page.get_by_role("heading", name="Log in").wait_for()
    check("login")
    page.get_by_role("link", name="New here? Create an account").click()
    page.get_by_role("heading", name="Create your headache diary").wait_for()
    check("signup")
    sign_up(page, email)
    go(page, "#/welcome/2")
    page.get_by_role("heading", name="Your last Botox injection").wait_for()
    check("welcome")
    with app_closed(page):
        seed_diary(email)
    today = selectors.local_today(user=User.objects.get(email=email))
    page.get_by_text("Saved on the server").first.wait_for()
    check("today")
    go(page, f"#/day/{today - timedelta(days=3)}")
    page.get_by_label("Ibuprofen: doses taken").wait_for()
    check("day")
    # Last month: a whole month of the seeded diary.
    go(page, f"#/calendar/{today.replace(day=1) - timedelta(days=1):%Y-%m}")
    page.get_by_text("headache days this month").wait_for()
    check("calendar")
    go(page, "#/treatment")
    page.get_by_role("heading", name="Week 6 of 12").wait_for()
    check("treatment")
    go(page, "#/trends")
    page.get_by_role("heading", name="Did your medicines help?").wait_for()
    check("trends")
    go(page, "#/settings")
    page.get_by_role("heading", name="Who has seen my diary").wait_for()
    check("settings")


def mean_brightness(page) -> float:
    image = Image.open(io.BytesIO(page.screenshot())).convert("L")
    return ImageStat.Stat(image).mean[0]


def test_dark_and_low_light_themes_dim_every_screen_and_pass_axe(browser, live_server, screenshots):
    folder = screenshots / "themes"
    folder.mkdir(exist_ok=True)
    brightness: dict[str, dict[str, float]] = {}
    problems: dict[str, list[str]] = {}
    for theme in THEMES:
        context, page = themed_page(browser, live_server, theme)
        brightness[theme] = {}

        def check(screen: str, theme: str = theme, page=page) -> None:
            page.wait_for_function("() => document.documentElement.dataset.theme")
            assert page.evaluate("document.documentElement.dataset.theme") == theme
            brightness[theme][screen] = mean_brightness(page)
            if theme == "lowlight":
                # Large targets in an attack: no visible button under 56 CSS px high.
                smallest = page.evaluate(
                    "() => Math.min(...[...document.querySelectorAll('.button')]"
                    ".filter((el) => el.offsetParent).map((el) => el.offsetHeight))"
                )
                assert smallest >= 56, screen
            page.screenshot(path=folder / f"{screen}-{theme}.png", full_page=True)
            found = serious_axe_violations(page)
            if found:
                problems[f"{screen} ({theme})"] = found

        visit_every_screen(page, f"{theme}@example.org", check)
        context.close()

    assert problems == {}
    for theme in ("dark", "lowlight"):
        too_bright = {
            screen: (round(value), round(brightness["light"][screen]))
            for screen, value in brightness[theme].items()
            if value >= brightness["light"][screen] / 3
        }
        assert too_bright == {}, f"{theme}: (mean, light mean) per screen"
    assert brightness["lowlight"]["today"] < brightness["dark"]["today"]


def test_the_theme_colour_follows_the_patients_choice(browser, live_server):
    context, page = themed_page(browser, live_server, "light")
    sign_up(page, "tui@example.org")
    page.goto("/#/settings")
    page.get_by_label("Low light (for an attack)").check()
    page.wait_for_function("() => document.documentElement.dataset.theme === 'lowlight'")
    theme_colours = page.eval_on_selector_all(
        'meta[name="theme-color"]', "metas => metas.map((m) => m.content)"
    )
    assert theme_colours == ["#000000"]
    # The server draws the next load in it before any script runs.
    html = page.request.get("/").text()
    assert '<html lang="en" data-theme="lowlight">' in html
    page.reload()
    page.wait_for_function("() => document.documentElement.dataset.theme === 'lowlight'")
    context.close()


def test_no_screen_scrolls_sideways_at_200_percent_text(browser, live_server, screenshots):
    folder = screenshots / "text-200"
    folder.mkdir(exist_ok=True)
    context, page = themed_page(
        browser, live_server, "light", viewport={"width": 320, "height": 640}
    )
    context.add_init_script(
        "document.addEventListener('DOMContentLoaded', () =>"
        " { document.documentElement.style.fontSize = '200%'; })"
    )
    overflowing: dict[str, object] = {}

    def check(screen: str) -> None:
        assert page.evaluate("document.documentElement.style.fontSize") == "200%"
        page.screenshot(path=folder / f"{screen}.png", full_page=True)
        widths = page.evaluate(
            """() => ({
                scroll: document.documentElement.scrollWidth,
                client: document.documentElement.clientWidth,
                clipped: [...document.querySelectorAll('.button, button, .chip, .tabs a')]
                    .filter((el) => el.offsetParent && el.scrollWidth > el.clientWidth + 1)
                    .map((el) => el.textContent.trim()),
            })"""
        )
        if widths["scroll"] > widths["client"] or widths["clipped"]:
            overflowing[screen] = widths

    visit_every_screen(page, "wide@example.org", check)
    context.close()
    assert not overflowing, overflowing
