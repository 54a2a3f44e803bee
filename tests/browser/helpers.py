"""Steps shared by the browser tests, written as a patient would do them."""

from __future__ import annotations

from contextlib import contextmanager

from tests.browser.conftest import AXE, new_context, report_page_messages

PASSWORD = "correct horse battery 42"


def sign_up(page, email: str, *, set_up: bool = False) -> None:
    """Creates an account; unless ``set_up``, skips the first-run steps and waits for Today."""
    page.goto("/")
    page.get_by_role("link", name="New here? Create an account").click()
    # The login form also has an Email field: typing before the sign-up form replaces it
    # would be lost, and the sign-up form would be sent empty.
    page.get_by_role("heading", name="Create your headache diary").wait_for()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    if set_up:
        page.get_by_text("Setting up: step 1 of").wait_for()
        return
    page.locator('[data-screen="welcome"], [data-screen="today"]').wait_for()
    if page.locator('[data-screen="welcome"]').count():
        page.get_by_role("button", name="Skip the set-up for now").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()


def log_in(page, email: str, *, password: str = PASSWORD) -> None:
    page.goto("/#/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="How was your head today?").wait_for()


@contextmanager
def in_an_attack(browser, live_server, **options):
    """A page as a patient in a migraine sets the app: the low-light theme and 200 % text."""
    context = new_context(
        browser, live_server, color_scheme="dark", device_scale_factor=2, **options
    )
    context.add_init_script(
        "localStorage.setItem('diary-theme', 'lowlight');"
        "document.addEventListener('DOMContentLoaded', () =>"
        " { document.documentElement.style.fontSize = '200%'; })"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    report_page_messages(page)
    try:
        yield page
    finally:
        context.close()


@contextmanager
def app_closed(page):
    """The app closed while the test writes to the database: SQLite locks a table that a
    request of the app's is writing, so the test waits for no request; then the app reopens."""
    page.goto("about:blank")
    yield
    page.goto("/#/today")
    page.get_by_role("heading", name="How was your head today?").wait_for()


def go(page, hash_route: str) -> None:
    """Client-side navigation: works offline, unlike a full page load of a new URL."""
    page.evaluate("route => { location.hash = route; }", hash_route)
    page.locator(f'[data-screen="{hash_route.split("/")[1]}"]').wait_for()


def save_day(page, back_to: str = "today") -> None:
    page.get_by_role("button", name="Save this day").click()
    page.locator(f'[data-screen="{back_to}"]').wait_for()


def add_medicine(page, search: str, name: str, doses: int) -> None:
    page.get_by_label("Find another medicine (name or brand)").fill(search)
    page.get_by_role("button", name=f"Add {name}").first.click()
    page.get_by_label(f"{name.split(' (')[0]}: doses taken").fill(str(doses))


def day_card(page, label: str):
    return page.locator("section.card").filter(has=page.get_by_role("heading", name=label))


def serious_axe_violations(page) -> list[str]:
    """Serious or critical violations, and every rule axe could not run (a silent pass else)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    # axe reports a rule that threw or is unsupported here ("Skipping ... rule") as incomplete
    # with an error, not as a violation: listed so the page fails rather than passes unchecked.
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return {
                violations: r.violations,
                passed: r.passes.length,
                errored: r.incomplete.filter((rule) => rule.error)
                    .map((rule) => `${rule.id}: ${rule.message}`),
            };
        }"""
    )
    found = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    found += [f"rule not run: {error}" for error in results["errored"]]
    if not results["passed"]:
        found.append("axe passed no rule at all: the page was not checked")
    return found
