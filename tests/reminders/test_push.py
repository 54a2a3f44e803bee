"""Web Push against a local fake push service that checks VAPID and decrypts the payload."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from diary.models import PushSubscription
from diary.reminders import delivery
from diary.reminders.push import PushOutcome, b64url, b64url_decode, push_send, vapid_keys
from tests.reminders.conftest import frozen, make_patient, tick


@pytest.fixture(autouse=True)
def local_push_service_allowed(settings):
    # The fake push service below listens on the loopback address.
    settings.WEB_PUSH_ALLOWED_HOSTS = ["127.0.0.1"]


@dataclass
class FakePushService:
    url: str
    status: int = 201
    received: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def verify_vapid(authorization: str, *, audience: str) -> str:
    """Check a `vapid t=<JWT>,k=<key>` header as a push service does; return the key."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = values["t"], values["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    signature = b64url_decode(signature_b64)
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    public_key.verify(
        encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        ),
        f"{header_b64}.{claims_b64}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    claims = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == audience
    assert claims["sub"].startswith(("mailto:", "https://"))
    assert time.time() < claims["exp"] <= time.time() + 24 * 60 * 60
    return key


@pytest.fixture
def browser_keys():
    """The key pair and auth secret a browser makes for its subscription."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private_key, b64url(public), b"0123456789abcdef"


@pytest.fixture
def push_service(browser_keys, settings, tmp_path) -> Iterator[FakePushService]:
    settings.VAR_DIR = tmp_path
    private_key, _, auth_secret = browser_keys

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                key = verify_vapid(self.headers["Authorization"], audience=service.url)
                assert key == vapid_keys().public_key
                assert self.headers["Content-Encoding"] == "aes128gcm"
                assert int(self.headers["TTL"]) > 0
                plain = http_ece.decrypt(
                    body, private_key=private_key, auth_secret=auth_secret, version="aes128gcm"
                )
                service.received.append(json.loads(plain))
            except Exception as error:
                service.errors.append(repr(error))
                self.send_response(400)
            else:
                self.send_response(service.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = FakePushService(url=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()


def subscribe(user, push_service, browser_keys, path="/push/abc") -> PushSubscription:
    _, public, auth_secret = browser_keys
    return PushSubscription.objects.create(
        user=user,
        endpoint=f"{push_service.url}{path}",
        p256dh=public,
        auth=base64.urlsafe_b64encode(auth_secret).decode().rstrip("="),
    )


def test_a_reminder_reaches_the_push_service_signed_and_encrypted(db, push_service, browser_keys):
    patient = make_patient(joined=datetime(2026, 6, 1, 9, 0, tzinfo=UTC), channels=("push",))
    subscribe(patient.user, push_service, browser_keys)
    with frozen(datetime(2026, 6, 1, 19, 0, tzinfo=UTC)):
        (message_id,) = tick()
        assert delivery.message_deliver(message_id=message_id) == "sent"
    assert push_service.errors == []
    assert push_service.received == [
        {
            "title": "Headache diary",
            "body": "A minute for your diary?",
            "url": "/#/diary/2026-06-01",
            "tag": "diary_reminder",
        }
    ]


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_removed(
    alice, push_service, browser_keys, status
):
    push_service.status = status
    subscription = subscribe(alice.user, push_service, browser_keys)
    assert push_send(subscription=subscription, payload={"body": "hi"}) == PushOutcome.GONE
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_push_service_error_keeps_the_subscription_and_retries(alice, push_service, browser_keys):
    push_service.status = 500
    subscription = subscribe(alice.user, push_service, browser_keys)
    assert push_send(subscription=subscription, payload={"body": "hi"}) == PushOutcome.FAILED
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_vapid_keys_are_generated_once_and_reused(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = vapid_keys()
    assert vapid_keys() == first
    assert (tmp_path / "vapid.json").stat().st_mode & 0o777 == 0o600
    point = b64url_decode(first.public_key)
    assert len(point) == 65 and point[0] == 4


def test_configured_vapid_keys_win(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = "private", "public"
    assert vapid_keys().public_key == "public"
    assert not (tmp_path / "vapid.json").exists()


def test_a_subscription_on_a_host_no_longer_allowed_gets_no_request(
    alice, push_service, browser_keys, settings
):
    subscription = subscribe(alice.user, push_service, browser_keys)
    settings.WEB_PUSH_ALLOWED_HOSTS = ["fcm.googleapis.com", ".push.services.mozilla.com"]

    assert push_send(subscription=subscription, payload={"body": "hi"}) == PushOutcome.REFUSED

    assert push_service.received == []
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
