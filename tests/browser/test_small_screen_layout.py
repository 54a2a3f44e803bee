"""A patient in a migraine on a small phone: 320 x 640, low light, 200 % text, one hand.

No label breaks a word, the tab bar stays one row, and the fixed bars (tabs, the undo offer)
never hide what the patient has to tap. Screenshots are kept in
test-output/screenshots/small-screen/.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from diary import selectors
from diary.models import User
from tests.browser.helpers import app_closed, day_card, go, in_an_attack, sign_up
from tests.browser.test_screens import seed_diary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"width": 320, "height": 640}
LABELS = ".button, button, .chip, .tabs a"

# Each visible label that a word of overflows or that the browser split over two lines
# ("notificati" / "ons"). A break after a hyphen is a line break, not a broken word.
BROKEN_LABELS = """(selector) => [...document.querySelectorAll(selector)]
    .filter((el) => el.getClientRects().length)
    .flatMap((el) => {
        const label = el.textContent.trim().replace(/\\s+/g, ' ');
        const found = [];
        if (el.clientWidth && el.scrollWidth > el.clientWidth + 1) found.push(`${label}: too wide`);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.textContent.matchAll(/[^\\s-]+-?/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const tops = new Set([...range.getClientRects()]
                    .filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
                if (tops.size > 1) found.push(`${label}: "${word[0]}" broken`);
            }
        }
        return found;
    })"""

# The tab bar, and the top of each of its links: one row when they all start on the same line.
TAB_ROWS = """() => {
    const nav = document.querySelector('.tabs');
    const links = [...nav.querySelectorAll('a')].map((a) => a.getBoundingClientRect());
    return {
        tops: [...new Set(links.map((rect) => Math.round(rect.top)))],
        height: nav.getBoundingClientRect().height,
        tallest: Math.max(...links.map((rect) => rect.height)),
    };
}"""

# Scrolls each element to the bottom edge of the page's view (the worst place for it), then to
# the top, and names those a fixed bar covers: the point at their centre is not theirs (nor their
# label's), or they overlap a bar or leave the screen.
COVERED = """(selector) => [...document.querySelectorAll(selector)]
    .filter((el) => el.getClientRects().length)
    .flatMap((el) => {
        const owners = [el, ...(el.labels || [])];
        const name = owners[owners.length - 1].textContent.trim() || el.name;
        const bars = () => [...document.querySelectorAll('.tabs, .snackbar')]
            .filter((bar) => bar.getClientRects().length)
            .map((bar) => bar.getBoundingClientRect());
        const problems = [];
        for (const block of ['end', 'start']) {
            el.scrollIntoView({block});
            const box = el.getBoundingClientRect();
            const x = box.left + box.width / 2;
            const y = box.top + box.height / 2;
            const hit = document.elementFromPoint(x, y);
            if (!hit || !owners.some((owner) => owner.contains(hit))) {
                const by = hit ? (hit.closest('[class]') || hit).className : 'nothing';
                problems.push(`${name} (${block}): covered by ${by}`);
            }
            if (bars().some((bar) => box.bottom > bar.top + 0.5 && box.top < bar.bottom))
                problems.push(`${name} (${block}): under a fixed bar`);
            if (box.top < -1 || box.bottom > innerHeight + 1)
                problems.push(`${name} (${block}): off screen`);
        }
        return problems;
    })"""

# What the patient fills in on a bad day, and the buttons that keep or drop it.
DAY_FORM_TARGETS = ", ".join(
    f'[data-screen="day"] {target}'
    for target in (
        ".chip",
        'input:not([type="radio"]):not([type="checkbox"])',
        "textarea",
        ".actions .button",
    )
)


@pytest.fixture
def small_page(browser, live_server, screenshots):
    (screenshots / "small-screen").mkdir(exist_ok=True)
    with in_an_attack(browser, live_server, viewport=SMALL_PHONE) as page:
        yield page


def signed_up_with_a_diary(page, email: str) -> date:
    sign_up(page, email)
    with app_closed(page):
        seed_diary(email)
    page.get_by_text("Saved on the server").first.wait_for()
    assert page.evaluate("document.documentElement.dataset.theme") == "lowlight"
    assert page.evaluate("document.documentElement.style.fontSize") == "200%"
    return selectors.local_today(user=User.objects.get(email=email))


def label_checker(page, folder) -> tuple[Callable[[str], None], dict[str, list[str]]]:
    """``check(screen)`` keeps a screenshot of the screen and its broken labels in ``broken``."""
    broken: dict[str, list[str]] = {}

    def check(screen: str) -> None:
        page.screenshot(path=folder / f"{screen}.png", full_page=True)
        found = page.evaluate(BROKEN_LABELS, LABELS)
        if found:
            broken[screen] = found

    return check, broken


def test_no_label_breaks_a_word_on_the_main_screens(small_page, screenshots):
    today = signed_up_with_a_diary(small_page, "ayla@example.org")
    check, broken = label_checker(small_page, screenshots / "small-screen")
    check("today")
    go(small_page, f"#/calendar/{today.replace(day=1) - timedelta(days=1):%Y-%m}")
    small_page.get_by_text("headache days this month").wait_for()
    check("calendar")
    go(small_page, f"#/day/{today - timedelta(days=3)}")
    small_page.get_by_label("Ibuprofen: doses taken").wait_for()
    check("day")
    go(small_page, "#/treatment")
    small_page.get_by_role("heading", name="Week 6 of 12").wait_for()
    check("treatment")
    go(small_page, "#/trends")
    small_page.get_by_role("heading", name="Did your medicines help?").wait_for()
    check("trends")
    go(small_page, "#/settings")
    small_page.get_by_role("heading", name="Who has seen my diary").wait_for()
    check("settings")
    assert broken == {}


WELCOME_STEPS = (
    "What should we call you?",
    "Your time zone and daily reminder",
    "Your last Botox injection",
    "Before Botox",
    "Medicines you take to prevent migraine",
    "Sharing with your clinic",
)


def test_no_label_breaks_a_word_from_log_in_to_the_last_set_up_step(small_page, screenshots):
    check, broken = label_checker(small_page, screenshots / "small-screen")
    small_page.goto("/#/login")
    small_page.get_by_role("heading", name="Log in").wait_for()
    check("login")
    small_page.get_by_role("link", name="New here? Create an account").click()
    small_page.get_by_role("heading", name="Create your headache diary").wait_for()
    check("signup")
    sign_up(small_page, "dara@example.org")
    for step, title in enumerate(WELCOME_STEPS):
        go(small_page, f"#/welcome/{step}")
        small_page.get_by_role("heading", name=title).wait_for()
        check(f"welcome-{step}")
    assert broken == {}


@pytest.mark.parametrize("width", [320, 360, 390])
def test_the_tab_bar_stays_one_row_and_keeps_every_name(small_page, screenshots, width):
    small_page.set_viewport_size({"width": width, "height": SMALL_PHONE["height"]})
    signed_up_with_a_diary(small_page, f"bruno{width}@example.org")
    go(small_page, "#/treatment")
    small_page.screenshot(path=screenshots / "small-screen" / f"tabs-{width}.png")
    rows = small_page.evaluate(TAB_ROWS)
    assert len(rows["tops"]) == 1, rows
    assert rows["height"] <= rows["tallest"] + 2, rows
    tabs = small_page.get_by_role("navigation", name="Main")
    for name in ("Today", "Calendar", "Treatment", "Trends", "Settings"):
        box = tabs.get_by_role("link", name=name, exact=True).bounding_box()
        assert box["height"] >= 56 and box["width"] >= 44, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, name
    # Every label whole, the current one in bold too: none cut short with "…".
    assert small_page.evaluate(BROKEN_LABELS, ".tabs a, .tab-label") == []


def test_the_undo_offer_hides_nothing_of_the_day_form(small_page, screenshots):
    signed_up_with_a_diary(small_page, "chloe@example.org")
    day_card(small_page, "Today").get_by_role("button", name="No headache").click()
    offer = small_page.locator("#snackbar")
    offer.get_by_role("button", name="Undo").wait_for()
    small_page.screenshot(path=screenshots / "small-screen" / "today-undo.png")
    assert small_page.evaluate(COVERED, '[data-screen="today"] .button') == []
    # The offer follows the save to the next screen: the day form of yesterday.
    day_card(small_page, "Yesterday").get_by_role("link", name="Headache").click()
    small_page.get_by_role("button", name="Save this day").wait_for()
    assert offer.get_by_role("button", name="Undo").is_visible()
    small_page.screenshot(path=screenshots / "small-screen" / "day-undo.png")
    covered = small_page.evaluate(COVERED, DAY_FORM_TARGETS)
    small_page.get_by_role("button", name="Save this day").scroll_into_view_if_needed()
    small_page.screenshot(path=screenshots / "small-screen" / "day-undo-save.png")
    assert covered == []
    # The bars leave at least half of the screen to the form.
    bars = small_page.evaluate(
        "() => ['.tabs', '.snackbar'].map((s) => document.querySelector(s)"
        ".getBoundingClientRect().height)"
    )
    assert sum(bars) <= SMALL_PHONE["height"] / 2, bars


# Each table title on the screen that reaches past its right edge: read only by scrolling.
TITLES_OFF_SCREEN = """() => [...document.querySelectorAll('.table-wrap')]
    .filter((wrap) => wrap.getClientRects().length)
    .map((wrap) => document.getElementById(wrap.getAttribute('aria-labelledby')))
    .filter((title) => !title || title.getBoundingClientRect().right > innerWidth + 1)
    .map((title) => (title ? title.textContent : 'a table without a title'))"""


def test_the_trends_tables_are_titled_within_the_screen(small_page, screenshots):
    signed_up_with_a_diary(small_page, "dev@example.org")
    go(small_page, "#/trends")
    small_page.get_by_role("heading", name="Did your medicines help?").wait_for()
    titles = small_page.locator(".table-title")
    assert titles.count() >= 2
    titles.first.scroll_into_view_if_needed()
    small_page.screenshot(path=screenshots / "small-screen" / "trends-table.png")
    assert small_page.evaluate(TITLES_OFF_SCREEN) == []
    # A screen reader still reads each table by its title.
    assert small_page.get_by_role("table", name="Each 28-day period").count() == 1


# The text pieces of an element that the browser split over two lines.
SPLIT_PIECES = """(el) => [...el.childNodes]
    .filter((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim())
    .filter((node) => {
        const range = document.createRange();
        range.selectNodeContents(node);
        const tops = [...range.getClientRects()].filter((rect) => rect.width > 0)
            .map((rect) => Math.round(rect.top));
        return new Set(tops).size > 1;
    })
    .map((node) => node.textContent)"""


def test_a_long_email_address_breaks_only_before_its_at_and_dots(small_page, screenshots):
    email = "bartholomew.fenwick@clinic.example.org"
    sign_up(small_page, email)
    go(small_page, "#/settings")
    account = small_page.get_by_text("Logged in as")
    account.scroll_into_view_if_needed()
    small_page.screenshot(path=screenshots / "small-screen" / "settings-account.png")
    assert account.text_content() == f"Logged in as {email}."
    assert account.evaluate(SPLIT_PIECES) == []
