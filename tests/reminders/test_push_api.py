"""GET/POST/DELETE /api/v1/push-subscriptions/."""

from __future__ import annotations

import re

import pytest

from diary.models import PushSubscription
from diary.reminders.push import b64url, b64url_decode

URL = "/api/v1/push-subscriptions/"
P256DH = b64url(b"\x04" + bytes(range(64)))
AUTH = b64url(b"0123456789abcdef")


def body(endpoint="https://fcm.googleapis.com/fcm/send/abc", p256dh=P256DH, auth=AUTH):
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_it_gives_the_application_server_key_and_the_callers_subscriptions(as_alice, alice, bob):
    PushSubscription.objects.create(
        user=bob.user, endpoint="https://fcm.googleapis.com/fcm/send/bob"
    )
    created = as_alice.post(URL, body(), format="json")
    assert created.status_code == 201
    data = as_alice.get(URL).json()
    key = b64url_decode(data["vapid_public_key"])
    assert len(key) == 65 and key[0] == 4
    assert [s["endpoint"] for s in data["subscriptions"]] == [
        "https://fcm.googleapis.com/fcm/send/abc"
    ]
    assert set(data["subscriptions"][0]) == {"id", "endpoint", "created_at"}


def test_subscribing_twice_keeps_one_subscription(as_alice, alice):
    first = as_alice.post(URL, body(), format="json")
    new_auth = b64url(b"fedcba9876543210")
    second = as_alice.post(URL, body(auth=new_auth), format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert PushSubscription.objects.get().auth == new_auth


def test_clinicians_may_subscribe(as_carol, carol):
    assert as_carol.post(URL, body(), format="json").status_code == 201
    assert PushSubscription.objects.get().user == carol.user


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(endpoint="http://push.example.org/x"), "endpoint"),
        (body(endpoint="not a url"), "endpoint"),
        (body(p256dh="not+base64/url"), "p256dh"),
        (body(p256dh=b64url(b"\x04" + bytes(10))), "p256dh"),
        (body(auth=b64url(b"short")), "auth"),
        ({"endpoint": "https://push.example.org/x"}, "keys"),
    ],
)
def test_it_refuses_a_malformed_subscription_naming_the_field(as_alice, payload, field):
    response = as_alice.post(URL, payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors or field in errors.get("keys", {})
    assert not PushSubscription.objects.exists()


def test_unsubscribing_removes_only_the_callers_subscription(as_alice, as_bob, alice, bob):
    as_alice.post(URL, body(), format="json")
    assert as_bob.delete(URL, {"endpoint": body()["endpoint"]}, format="json").status_code == 404
    assert as_alice.delete(URL, {"endpoint": body()["endpoint"]}, format="json").status_code == 204
    assert not PushSubscription.objects.exists()
    assert as_alice.delete(URL, {"endpoint": body()["endpoint"]}, format="json").status_code == 404


def test_anonymous_callers_are_refused(anonymous):
    assert anonymous.get(URL).status_code in (401, 403)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://10.0.0.1.nip.io/push",
        "https://kube-dns.kube-system.svc.cluster.local/push",
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "https://notfcm.googleapis.com/fcm/send/abc",
        "https://push.example.org/send/abc",
    ],
)
def test_an_endpoint_off_the_browser_push_services_is_refused(as_alice, endpoint):
    response = as_alice.post(URL, body(endpoint=endpoint), format="json")

    assert response.status_code == 400
    assert "push service" in response.json()["endpoint"][0]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGuQyavX",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ],
)
def test_the_browsers_push_services_are_allowed_by_default(as_alice, endpoint):
    assert as_alice.post(URL, body(endpoint=endpoint), format="json").status_code == 201


def test_the_allowed_push_services_come_from_the_setting(as_alice, settings):
    settings.WEB_PUSH_ALLOWED_HOSTS = [".push.example.org"]

    assert (
        as_alice.post(
            URL, body(endpoint="https://eu.push.example.org/a"), format="json"
        ).status_code
        == 201
    )
    assert as_alice.post(URL, body(), format="json").status_code == 400


def test_re_posting_someone_elses_endpoint_does_not_move_it(as_alice, as_bob, alice, bob):
    as_alice.post(URL, body(), format="json")

    response = as_bob.post(URL, body(auth=b64url(b"fedcba9876543210")), format="json")

    assert response.status_code == 400
    assert "another account" in response.json()["endpoint"][0]
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.auth) == (alice.user, AUTH)
    assert as_bob.get(URL).json()["subscriptions"] == []


def test_an_endpoint_its_owner_unsubscribed_can_be_subscribed_by_another(as_alice, as_bob, bob):
    as_alice.post(URL, body(), format="json")
    as_alice.delete(URL, {"endpoint": body()["endpoint"]}, format="json")

    assert as_bob.post(URL, body(), format="json").status_code == 201

    assert PushSubscription.objects.get().user == bob.user


def test_the_schema_states_the_allowed_push_services(as_alice):
    schema = as_alice.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body_schema = schema["components"]["schemas"]["PushSubscriptionCreateRequest"]
    pattern = body_schema["properties"]["endpoint"]["pattern"]

    assert re.fullmatch(pattern, "https://updates.push.services.mozilla.com/wpush/v2/abc")
    assert re.fullmatch(pattern, "https://fcm.googleapis.com/fcm/send/abc")
    assert not re.fullmatch(pattern, "https://metadata.google.internal/computeMetadata/v1/")
    assert not re.fullmatch(pattern, "https://fcm.googleapis.com.evil.example/send")
