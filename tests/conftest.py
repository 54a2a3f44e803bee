"""Personas: alice and bob are patients; carol is alice's clinician; dave is linked to nobody."""

from __future__ import annotations

import os
import shutil

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def alice(db):
    return factories.PatientFactory(
        user__email="alice@example.org", user__display_name="Alice", user__timezone="Europe/London"
    )


@pytest.fixture
def bob(db):
    return factories.PatientFactory(
        user__email="bob@example.org", user__display_name="Bob", user__timezone="America/New_York"
    )


@pytest.fixture
def carol(db, alice):
    clinician = factories.ClinicianFactory(
        user__email="carol@clinic.example.org", user__display_name="Dr Carol"
    )
    factories.link(alice, clinician)
    return clinician


@pytest.fixture
def dave(db):
    return factories.ClinicianFactory(
        user__email="dave@clinic.example.org", user__display_name="Dr Dave"
    )


def client_for(user) -> APIClient:
    client = APIClient()
    # A clinician's token carries the session's record of a second factor used, as after a
    # real sign-in: patient data is served only to such a session.
    token = factories.signed_in_session(user) if hasattr(user, "clinician_profile") else None
    client.force_authenticate(user, token=token)
    return client


@pytest.fixture
def as_alice(alice):
    return client_for(alice.user)


@pytest.fixture
def as_bob(bob):
    return client_for(bob.user)


@pytest.fixture
def as_carol(carol):
    return client_for(carol.user)


@pytest.fixture
def as_dave(dave):
    return client_for(dave.user)


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate limits and throttles live in the cache; each test starts from none.
    from django.core.cache import cache

    cache.clear()
    yield


def _service_missing(marker: str) -> str | None:
    from django.conf import settings

    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium package (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    """Tests needing a service skip visibly on a laptop without it, and fail in CI."""
    in_ci = os.environ.get("CI") == "true"
    for item in items:
        for marker in ("postgres", "redis", "browser"):
            if item.get_closest_marker(marker) is None:
                continue
            reason = _service_missing(marker)
            if reason is None:
                continue
            if in_ci:
                item.add_marker(pytest.mark.usefixtures("_fail_missing_service"))
                item.user_properties.append(("missing_service", reason))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_missing_service(request):
    reasons = [value for key, value in request.node.user_properties if key == "missing_service"]
    pytest.fail(f"CI must provide this service: {'; '.join(reasons)}")


@pytest.fixture(autouse=True)
def medication_catalogue(request):
    """Put back the catalogue a data migration made, which transactional tests flush away."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and marker.kwargs.get("transaction"))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    from diary.catalogue import ACUTE_MEDICATIONS
    from diary.models import Medication

    if not Medication.objects.filter(owner=None).exists():
        Medication.objects.bulk_create(
            Medication(name=name, medication_class=medication_class)
            for name, medication_class in ACUTE_MEDICATIONS
        )
    # The brand names (MedicationAlias) come from a data migration too.
    from diary.catalogue import BRAND_NAMES
    from diary.models import MedicationAlias

    if not MedicationAlias.objects.exists():
        by_name = {m.name: m for m in Medication.objects.filter(owner=None)}
        MedicationAlias.objects.bulk_create(
            MedicationAlias(medication=by_name[generic], name=brand)
            for generic, brands in BRAND_NAMES.items()
            if generic in by_name
            for brand in brands
        )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Password hashing is deliberately slow; tests check who gets in, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole run: its sync API allows only one event loop per thread."""
    from playwright.sync_api import sync_playwright

    # That loop makes Django think it runs async; the ORM calls in tests are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="session")
def browser(playwright):
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def static_files_without_manifest(settings):
    # Production serves hashed names from collectstatic's manifest; tests render pages without
    # running collectstatic, so {% static %} gives the plain names the finders serve.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
