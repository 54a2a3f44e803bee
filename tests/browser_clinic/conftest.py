"""Headless Chromium against the live server, at a desktop size, under the real CSP."""

from __future__ import annotations

from pathlib import Path

import pytest

DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "clinic-screenshots"


@pytest.fixture
def clinic_server(live_server, settings):
    # pytest-django's live server answers /static/ itself, through the staticfiles finders
    # (unhashed names), ahead of WhiteNoise: {% static %} must give those names, so no
    # collectstatic run or manifest is needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return live_server


@pytest.fixture
def page(browser, clinic_server):
    context = browser.new_context(
        base_url=clinic_server.url,
        viewport=DESKTOP,
        locale="en-GB",
        timezone_id="Europe/London",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every page must run under the real Content-Security-Policy: a violation fails the test.
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield page
    violations = page.evaluate("window.__cspViolations")
    context.close()
    assert violations == []


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
