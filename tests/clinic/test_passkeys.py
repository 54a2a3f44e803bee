"""Passkeys and security keys as the clinic's second factor.

SoftKey plays the browser and the authenticator: it signs allauth's challenges with a real P-256
key, so these tests run fido2's checks (challenge, origin, RP ID, signature) rather than mocks.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from fido2.cose import ES256
from fido2.utils import sha256, websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from tests import factories

FLAG = AuthenticatorData.FLAG
# The test client's host is "testserver", allauth's RP ID; WebAuthn needs a secure origin.
ORIGIN = "https://testserver"
TOO_MANY = "Too many failed attempts"
NOT_ACCEPTED = "was not accepted"


class SoftKey:
    """A software authenticator with one credential, answering as a browser would (toJSON)."""

    def __init__(self, *, origin: str = ORIGIN) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.origin = origin
        self.counter = 0

    def _credential(self, response: dict) -> dict:
        encoded_id = websafe_encode(self.credential_id)
        return {
            "id": encoded_id,
            "rawId": encoded_id,
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
            "response": response,
        }

    def create(self, options: dict) -> dict:
        public_key = options["publicKey"]
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.CREATE,
            challenge=public_key["challenge"],
            origin=self.origin,
        )
        credential_data = AttestedCredentialData.create(
            Aaguid.NONE,
            self.credential_id,
            ES256.from_cryptography_key(self.private_key.public_key()),
        )
        auth_data = AuthenticatorData.create(
            sha256(public_key["rp"]["id"].encode()),
            FLAG.UP | FLAG.UV | FLAG.AT,
            self.counter,
            credential_data,
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return self._credential(
            {
                "clientDataJSON": client_data.b64,
                "attestationObject": websafe_encode(attestation),
                "transports": ["usb"],
            }
        )

    def get(self, options: dict, *, challenge: str | None = None) -> dict:
        public_key = options["publicKey"]
        self.counter += 1
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.GET,
            challenge=challenge or public_key["challenge"],
            origin=self.origin,
        )
        auth_data = AuthenticatorData.create(
            sha256(public_key["rpId"].encode()), FLAG.UP | FLAG.UV, self.counter
        )
        signature = self.private_key.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": client_data.b64,
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
            }
        )


def options_on(response) -> dict:
    html = response.content.decode()
    found = re.search(r'<script id="passkey-options" type="application/json">(.*?)</script>', html)
    assert found, "the page offers no passkey ceremony"
    return json.loads(found.group(1))


def password_step(client: Client, user) -> str:
    response = client.post("/clinic/login/", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def mfa_records(client: Client) -> list[dict]:
    records = client.session.get(AUTHENTICATION_METHODS_SESSION_KEY, [])
    return [record for record in records if record["method"] == "mfa"]


def enrol_at_first_sign_in(user, key: SoftKey, *, name: str = "Clinic laptop") -> Client:
    client = Client()
    assert password_step(client, user) == "/clinic/mfa/setup/"
    options = options_on(client.get("/clinic/mfa/setup/"))
    response = client.post(
        "/clinic/mfa/setup/passkey/", {"name": name, "credential": json.dumps(key.create(options))}
    )
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def erin(db):
    return factories.ClinicianFactory(with_totp=False, user__email="erin@clinic.example.org").user


@pytest.fixture
def erin_key(erin) -> SoftKey:
    key = SoftKey()
    enrol_at_first_sign_in(erin, key)
    return key


def test_a_clinician_enrols_a_passkey_at_first_sign_in(erin):
    client = Client()
    password_step(client, erin)
    options = options_on(client.get("/clinic/mfa/setup/"))["publicKey"]
    # A second factor after the password: no passkey login, so no resident key is asked for.
    assert options["rp"]["id"] == "testserver"
    assert options["authenticatorSelection"]["residentKey"] == "discouraged"
    key = SoftKey()
    response = client.post(
        "/clinic/mfa/setup/passkey/",
        {"name": "Clinic laptop", "credential": json.dumps(key.create({"publicKey": options}))},
    )
    assert response["Location"] == "/clinic/mfa/recovery-codes/"
    passkey = Authenticator.objects.get(user=erin, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Clinic laptop"
    assert passkey.wrap().authenticator_data.credential_data.credential_id == key.credential_id
    assert [(r["type"], r["id"]) for r in mfa_records(client)] == [("webauthn", passkey.pk)]
    codes_page = client.get("/clinic/mfa/recovery-codes/").content.decode()
    assert "Your passkey or security key is active" in codes_page
    codes = Authenticator.objects.get(user=erin, type=Authenticator.Type.RECOVERY_CODES).wrap()
    assert codes.get_unused_codes()[0] in codes_page
    assert client.get("/clinic/").status_code == 200


def test_a_key_made_for_another_challenge_is_not_enrolled(erin):
    client = Client()
    password_step(client, erin)
    stale = options_on(client.get("/clinic/mfa/setup/"))
    client.get("/clinic/mfa/setup/")  # a new page, a new challenge
    response = client.post(
        "/clinic/mfa/setup/passkey/", {"credential": json.dumps(SoftKey().create(stale))}
    )
    assert response.status_code == 200
    assert "could not be checked" in response.content.decode()
    assert not Authenticator.objects.filter(user=erin).exists()
    assert "_auth_user_id" not in client.session


def test_a_clinician_signs_in_with_password_and_passkey(erin, erin_key, alice):
    client = Client()
    assert password_step(client, erin) == "/clinic/login/code/"
    page = client.get("/clinic/login/code/")
    assert "Use your passkey or security key" in page.content.decode()
    # Without an authenticator app, the code field takes recovery codes only.
    assert "Recovery code" in page.content.decode()
    options = options_on(page)
    allowed = [c["id"] for c in options["publicKey"]["allowCredentials"]]
    assert allowed == [websafe_encode(erin_key.credential_id)]
    response = client.post(
        "/clinic/login/passkey/", {"credential": json.dumps(erin_key.get(options))}
    )
    assert response["Location"] == "/clinic/"
    assert int(client.session["_auth_user_id"]) == erin.pk
    passkey = Authenticator.objects.get(user=erin, type=Authenticator.Type.WEBAUTHN)
    assert [(r["type"], r["id"]) for r in mfa_records(client)] == [("webauthn", passkey.pk)]
    assert passkey.last_used_at is not None
    assert client.get("/clinic/").status_code == 200


def test_a_replayed_assertion_is_refused(erin, erin_key):
    first = Client()
    password_step(first, erin)
    assertion = erin_key.get(options_on(first.get("/clinic/login/code/")))
    response = first.post("/clinic/login/passkey/", {"credential": json.dumps(assertion)})
    assert response.status_code == 302

    # The same answer again, in a new sign-in: its challenge is no longer the session's.
    second = Client()
    password_step(second, erin)
    second.get("/clinic/login/code/")
    response = second.post("/clinic/login/passkey/", {"credential": json.dumps(assertion)})
    assert response.status_code == 200
    assert NOT_ACCEPTED in response.content.decode()
    assert "_auth_user_id" not in second.session


def tampered(assertion: dict) -> dict:
    signature = bytearray(websafe_decode(assertion["response"]["signature"]))
    signature[-1] ^= 1
    response = {**assertion["response"], "signature": websafe_encode(bytes(signature))}
    return {**assertion, "response": response}


def dropped_field(assertion: dict) -> dict:
    return {**assertion, "response": {"clientDataJSON": assertion["response"]["clientDataJSON"]}}


def not_client_data(assertion: dict) -> dict:
    response = {**assertion["response"], "clientDataJSON": websafe_encode(b"{}")}
    return {**assertion, "response": response}


@pytest.mark.parametrize(
    "payload",
    [
        lambda key, options: "not json",
        lambda key, options: "[]",
        lambda key, options: json.dumps({"id": "x"}),
        lambda key, options: json.dumps(tampered(key.get(options))),
        lambda key, options: json.dumps(dropped_field(key.get(options))),
        lambda key, options: json.dumps(not_client_data(key.get(options))),
        lambda key, options: json.dumps(SoftKey(origin="https://evil.example.org").get(options)),
        lambda key, options: json.dumps(SoftKey().get(options)),
        lambda key, options: json.dumps(key.get(options, challenge=websafe_encode(b"x" * 32))),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-response",
        "bad-signature",
        "no-signature",
        "empty-client-data",
        "other-origin",
        "unknown-key",
        "other-challenge",
    ],
)
def test_a_bad_assertion_fails_with_a_message(erin, erin_key, payload):
    client = Client()
    password_step(client, erin)
    options = options_on(client.get("/clinic/login/code/"))
    response = client.post("/clinic/login/passkey/", {"credential": payload(erin_key, options)})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert mfa_records(client) == []


def test_another_clinicians_key_is_refused(erin, erin_key, dave):
    client = Client()
    password_step(client, dave.user)
    # Dave has an authenticator app only: the passkey step is not offered to him at all.
    assert "passkey-options" not in client.get("/clinic/login/code/").content.decode()
    response = client.post(
        "/clinic/login/passkey/",
        {"credential": json.dumps(erin_key.get({"publicKey": {"challenge": "AA", "rpId": "x"}}))},
    )
    assert response["Location"] == "/clinic/login/code/"
    assert "_auth_user_id" not in client.session


def test_failed_passkeys_and_codes_share_one_rate_limit(erin, erin_key):
    client = Client()
    password_step(client, erin)
    for _ in range(5):
        options = options_on(client.get("/clinic/login/code/"))
        bad = tampered(erin_key.get(options))
        response = client.post("/clinic/login/passkey/", {"credential": json.dumps(bad)})
        assert NOT_ACCEPTED in response.content.decode()
    options = options_on(response)
    response = client.post(
        "/clinic/login/passkey/", {"credential": json.dumps(erin_key.get(options))}
    )
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session
    codes = Authenticator.objects.get(user=erin, type=Authenticator.Type.RECOVERY_CODES).wrap()
    response = client.post("/clinic/login/code/", {"code": codes.get_unused_codes()[0]})
    assert TOO_MANY in response.content.decode()


def test_a_signed_in_clinician_adds_a_key_with_the_password(carol_client, carol):
    codes_before = RecoveryCodes.activate(carol.user).get_unused_codes()
    page = carol_client.get("/clinic/security/")
    assert page.status_code == 200
    assert "Authenticator app" in page.content.decode()
    key = SoftKey()

    wrong = carol_client.post(
        "/clinic/security/",
        {
            "name": "YubiKey",
            "password": "not-it",
            "credential": json.dumps(key.create(options_on(page))),
        },
    )
    assert wrong.status_code == 200
    assert "password is not right" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=carol.user, type="webauthn").exists()

    response = carol_client.post(
        "/clinic/security/",
        {
            "name": "YubiKey",
            "password": factories.PASSWORD,
            "credential": json.dumps(key.create(options_on(wrong))),
        },
    )
    assert response["Location"] == "/clinic/security/"
    passkey = Authenticator.objects.get(user=carol.user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "YubiKey"
    # Recovery codes already existed: they are kept, not replaced.
    codes = Authenticator.objects.get(user=carol.user, type=Authenticator.Type.RECOVERY_CODES)
    assert codes.wrap().get_unused_codes() == codes_before
    page = carol_client.get("/clinic/security/")
    assert "YubiKey" in page.content.decode()
    # The key cannot be registered twice: the browser is told to refuse it.
    excluded = [c["id"] for c in options_on(page)["publicKey"]["excludeCredentials"]]
    assert excluded == [websafe_encode(key.credential_id)]

    # Next time the passkey is offered beside the app's code, and opens the workspace.
    client = Client()
    password_step(client, carol.user)
    code_page = client.get("/clinic/login/code/").content.decode()
    assert "authenticator app" in code_page
    response = client.post(
        "/clinic/login/passkey/",
        {"credential": json.dumps(key.get(options_on(client.get("/clinic/login/code/"))))},
    )
    assert response["Location"] == "/clinic/"


def test_the_security_page_needs_the_second_factor(carol):
    client = Client()
    password_step(client, carol.user)
    response = client.get("/clinic/security/")
    assert response.status_code == 302
    assert response["Location"].startswith("/clinic/login/")
    response = client.post("/clinic/security/", {"password": factories.PASSWORD})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=carol.user, type="webauthn").exists()


@pytest.mark.parametrize(
    "credential",
    ["not json", "[]", json.dumps({"id": "x"}), json.dumps({"id": "x", "rawId": "x"})],
    ids=["not-json", "not-an-object", "no-raw-id", "no-response"],
)
def test_a_bad_registration_fails_with_a_message(erin, credential):
    client = Client()
    password_step(client, erin)
    client.get("/clinic/mfa/setup/")
    response = client.post("/clinic/mfa/setup/passkey/", {"credential": credential})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Authenticator.objects.filter(user=erin).exists()
    assert "_auth_user_id" not in client.session
