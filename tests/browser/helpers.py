"""Steps shared by the browser tests, written as a patient would do them."""

from __future__ import annotations

from tests.browser.conftest import AXE

PASSWORD = "correct horse battery 42"


def sign_up(page, email: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="New here? Create an account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()


def log_in(page, email: str) -> None:
    page.goto("/#/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()


def go(page, hash_route: str) -> None:
    """Client-side navigation: works offline, unlike a full page load of a new URL."""
    page.evaluate("route => { location.hash = route; }", hash_route)
    page.locator(f'[data-screen="{hash_route.split("/")[1]}"]').wait_for()


def save_day(page) -> None:
    page.get_by_role("button", name="Save this day").click()
    page.locator('[data-screen="today"]').wait_for()


def day_card(page, label: str):
    return page.locator("section.card").filter(has=page.get_by_role("heading", name=label))


def serious_axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
