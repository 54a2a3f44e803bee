"""A clinician enrols a passkey, then signs in with password and passkey (Chromium's virtual
authenticator stands in for the key)."""

from __future__ import annotations

import base64

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.browser


def sign_in_with_password(page, email: str) -> None:
    page.goto("/clinic/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_a_clinician_enrols_a_passkey_and_signs_in_with_it(page, clinic_server):
    # WebAuthn needs a secure context and an RP ID matching the host: http://localhost is one.
    assert clinic_server.url.startswith("http://localhost:")
    clinician = factories.ClinicianFactory(with_totp=False, user__email="erin@clinic.example.org")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator_id = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    # First sign-in: no factor yet, so add a passkey.
    sign_in_with_password(page, clinician.user.email)
    expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
    page.get_by_label("Name for this key").fill("Clinic laptop")
    page.get_by_role("button", name="Add a passkey or security key").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.get_by_text("Your passkey or security key is active")).to_be_visible()
    passkey = Authenticator.objects.get(user=clinician.user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Clinic laptop"
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the clinic")).to_be_visible()

    # Later sign-ins: password, then the passkey.
    sign_in_with_password(page, clinician.user.email)
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_role("button", name="Use your passkey or security key").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    # The browser's key is the one stored, and it signed (registration counts too).
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})[
        "credentials"
    ]
    stored = passkey.wrap().authenticator_data.credential_data.credential_id
    assert base64.b64decode(credential["credentialId"]) == stored
    assert credential["signCount"] >= 1
