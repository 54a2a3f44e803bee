"""One headless Chromium per session; each test gets a fresh phone-sized context."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

PHONE = {"width": 360, "height": 740}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@pytest.fixture
def profile_context(playwright, live_server, tmp_path):
    """A context with a real profile: Chrome never offers to install from an incognito one."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        viewport=PHONE,
    )
    yield context
    context.close()


def new_context(browser, live_server, **options):
    """A phone in London unless ``options`` say otherwise (a zone, a colour scheme...)."""
    defaults = {
        "base_url": live_server.url,
        "viewport": PHONE,
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
        "service_workers": "allow",
    }
    return browser.new_context(**(defaults | options))


@pytest.fixture
def context(browser, live_server):
    context = new_context(browser, live_server)
    yield context
    context.close()


def report_page_messages(page) -> None:
    """Shown with a failing test's captured output: what the app said and which requests failed."""
    page.on("console", lambda message: print(f"console.{message.type}: {message.text}"))
    page.on("pageerror", lambda error: print(f"page error: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and print(f"{response.request.method} {response.url} -> {response.status}")
        ),
    )
    page.on("requestfailed", lambda request: print(f"{request.method} {request.url} failed"))


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    report_page_messages(page)
    # The app must run under the real Content-Security-Policy: any violation fails the test.
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield page
    assert page.evaluate("window.__cspViolations") == []


@pytest.fixture
def audit_page(browser, live_server):
    """A page where axe-core can be injected: the CSP would block its inline script tag."""
    context = new_context(browser, live_server, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    report_page_messages(page)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
