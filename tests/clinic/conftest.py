from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from diary.demo import seed_demo
from diary.scan import scan_patient
from tests import factories

TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # the factories' clinician secret


@pytest.fixture(autouse=True)
def clinic_settings(settings):
    # Page tests render templates without a collectstatic run; the browser tests use the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


def sign_in(client: Client, user, *, secret: str = TOTP_SECRET) -> None:
    """The clinic's sign-in: password, then the authenticator app's current code."""
    response = client.post("/clinic/login/", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.content
    assert response["Location"] == "/clinic/login/code/"
    response = client.post("/clinic/login/code/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content


@pytest.fixture
def carol_client(carol) -> Client:
    client = Client()
    sign_in(client, carol.user)
    return client


@pytest.fixture
def dave_client(dave) -> Client:
    client = Client()
    sign_in(client, dave.user)
    return client


def secret_on_page(html: str) -> str:
    return re.search(r'id="totp-secret" class="secret">([A-Z2-7]+)<', html).group(1)


DEMO_TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def demo(db):
    """The demo patient (four cycles wearing off in weeks 10-12), scanned: flags are open."""
    accounts = seed_demo(today=DEMO_TODAY)
    scan_patient(patient=accounts.patient, today=DEMO_TODAY)
    Authenticator.objects.create(
        user=accounts.clinician.user, type="totp", data=factories.totp_data()
    )
    accounts.clinician.user.set_password(factories.PASSWORD)
    accounts.clinician.user.save()
    return accounts


@pytest.fixture
def demo_client(demo):
    client = Client()
    sign_in(client, demo.clinician.user)
    return client
