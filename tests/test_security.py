"""Security: headers on health data, a clean `check --deploy`, second factors and sessions."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.test import Client

from diary.checks import mfa_encryption_key_check, site_url_check
from tests import factories
from tests.clinic.conftest import TOTP_SECRET, totp_code

ROOT = Path(__file__).resolve().parent.parent


def test_api_responses_with_health_data_are_never_stored(as_alice):
    response = as_alice.get("/api/v1/diary/")

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_account_responses_are_never_stored(client, db):
    response = client.get("/_allauth/browser/v1/auth/session")

    assert "no-store" in response["Cache-Control"]


def test_api_responses_carry_the_security_headers(as_alice):
    response = as_alice.get("/api/v1/me/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in policy


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DEBUG", "SECURE_SSL_REDIRECT", "EMAIL_VERIFICATION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="diary.example.org",
        SITE_URL="https://diary.example.org",
        VAR_DIR=str(tmp_path),
        MFA_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        TRUSTED_PROXY_COUNT="1",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_app_shell_carries_the_content_security_policy(client, db):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "connect-src 'self'",
    ):
        assert directive in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Permissions-Policy" in response


def test_the_service_worker_is_never_cached_stale_and_is_scoped_to_the_app(client, db):
    response = client.get("/sw.js")

    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert response["Service-Worker-Allowed"] == "/"
    assert "Content-Security-Policy" in response


def test_repeated_failed_logins_are_locked_out_even_with_the_right_password(client, alice):
    def login(password: str):
        return client.post(
            "/_allauth/app/v1/auth/login",
            {"email": "alice@example.org", "password": password},
            content_type="application/json",
        )

    for attempt in range(5):
        login(f"wrong-{attempt}")
    response = login(factories.PASSWORD)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"


# Second factor: used in the session, not just enrolled (issue 15, items 1, 4, 5) ---------------

APP = "/_allauth/app/v1"
RECOVERY_CODES = f"{APP}/account/authenticators/recovery-codes"


def app_post(client: Client, path: str, body: dict, token: str | None = None):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    return client.post(f"{APP}{path}", body, content_type="application/json", **headers)


def app_sign_in(user, *, with_code: bool = True) -> str:
    """An app token as the app obtains it: the password, then (if asked) the current code."""
    client = Client()
    response = app_post(
        client, "/auth/login", {"email": user.email, "password": factories.PASSWORD}
    )
    token = response.json()["meta"]["session_token"]
    if response.status_code == 401 and with_code:
        response = app_post(client, "/auth/2fa/authenticate", {"code": totp_code()}, token)
        # Signing in fully starts a new session: the app keeps the token it is given now.
        token = response.json()["meta"]["session_token"]
    assert response.status_code in (200, 401), response.content
    return token


def with_token(token: str) -> dict:
    return {"HTTP_X_SESSION_TOKEN": token}


def enrol_totp(user) -> None:
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data=factories.totp_data(TOTP_SECRET)
    )


def test_it_refuses_patient_data_to_a_token_signed_in_before_the_clinician_enrolled(alice):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    token = app_sign_in(clinician.user)
    enrol_totp(clinician.user)

    response = Client().get("/api/v1/patients/", **with_token(token))

    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_it_serves_patient_data_to_a_token_that_passed_the_second_factor(carol, alice):
    token = app_sign_in(carol.user)

    response = Client().get("/api/v1/patients/", **with_token(token))

    assert response.status_code == 200
    assert [patient["id"] for patient in response.json()] == [alice.pk]


def test_it_refuses_patient_data_to_a_browser_session_signed_in_with_the_password_only(alice):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    client = Client()
    client.post(
        "/_allauth/browser/v1/auth/login",
        {"email": clinician.user.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    enrol_totp(clinician.user)

    assert client.get("/api/v1/patients/").status_code == 403
    assert client.get("/clinic/")["Location"] == "/clinic/login/code/"


def test_it_shows_recovery_codes_only_after_the_second_factor_even_with_the_password_again(db):
    clinician = factories.ClinicianFactory(with_totp=False)
    token = app_sign_in(clinician.user)
    enrol_totp(clinician.user)
    client = Client()
    app_post(client, "/auth/reauthenticate", {"password": factories.PASSWORD}, token)

    response = client.get(RECOVERY_CODES, **with_token(token))

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "second_factor_required"


def test_it_shows_recovery_codes_to_a_session_that_used_the_second_factor(carol):
    client = Client()
    token = app_sign_in(carol.user)
    app_post(client, "/auth/reauthenticate", {"password": factories.PASSWORD}, token)
    generated = app_post(client, "/account/authenticators/recovery-codes", {}, token)
    assert generated.status_code == 200, generated.content

    response = client.get(RECOVERY_CODES, **with_token(token))

    assert response.status_code == 200
    assert response.json()["data"]["unused_codes"]


def test_it_refuses_a_care_link_code_to_a_clinician_without_the_second_factor(as_alice, db):
    clinician = factories.ClinicianFactory(with_totp=False)
    code = as_alice.post("/api/v1/care-links/").json()["code"]
    token = app_sign_in(clinician.user)

    response = Client().post(
        "/api/v1/care-links/redeem/",
        {"code": code},
        content_type="application/json",
        **with_token(token),
    )

    assert response.status_code == 403
    assert not clinician.care_links.exists()


def test_it_ends_a_clinician_app_token_unused_for_thirty_minutes_after_sign_in(carol, alice):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token = app_sign_in(carol.user)
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert Client().get("/api/v1/patients/", **with_token(token)).status_code == 401


def test_it_ends_a_clinician_app_token_after_thirty_minutes_idle(carol, alice):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token = app_sign_in(carol.user)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert Client().get("/api/v1/patients/", **with_token(token)).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=60), tick=False):
        assert Client().get("/api/v1/patients/", **with_token(token)).status_code == 401
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        # Ended for good: the token does not come back to life on allauth's endpoints either.
        response = Client().get(f"{APP}/auth/session", **with_token(token))
        assert response.status_code in (401, 410)


# Date ranges and cached payloads are bounded (issue 15, item 2) -------------------------------


def test_it_refuses_trends_from_more_than_ten_years_back_when_to_is_left_out(as_alice):
    response = as_alice.get("/api/v1/trends/?from=1990-01-01")

    assert response.status_code == 400
    assert "ten years" in response.json()["from"][0]


def test_it_refuses_a_diary_list_from_more_than_ten_years_back_when_to_is_left_out(as_alice):
    response = as_alice.get("/api/v1/diary/?from=1990-01-01")

    assert response.status_code == 400
    assert "ten years" in response.json()["from"][0]


def test_it_does_not_cache_trends_bigger_than_the_bound(as_alice, alice, monkeypatch):
    from django.core.cache import cache

    from diary.api import trends

    factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 1, 5))
    monkeypatch.setattr(trends, "TRENDS_CACHE_MAX_BYTES", 100)
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        response = as_alice.get("/api/v1/trends/?from=2026-01-01")
        alice.refresh_from_db()
        key = trends.trends_cache_key(
            patient=alice,
            date_from=dt.date(2026, 1, 1),
            date_to=dt.date(2026, 3, 1),
            rule=alice.headache_day_rule,
        )
        cached = cache.get(key)

    assert response.status_code == 200
    assert len(response.content) > 100
    assert cached is None


# Sign-up (issue 15, items 8 and 14) ------------------------------------------------------------


def sign_up(email: str, password: str = factories.PASSWORD):
    return Client().post(
        "/_allauth/app/v1/auth/signup",
        {"email": email, "password": password},
        content_type="application/json",
    )


def verification_on(settings) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True


def test_it_answers_a_sign_up_with_a_taken_email_as_a_new_one_with_verification_on(
    settings, alice, mailoutbox
):
    verification_on(settings)

    taken = sign_up("alice@example.org")
    new = sign_up("newcomer@example.org")

    assert taken.status_code == new.status_code == 401
    assert [flow["id"] for flow in taken.json()["data"]["flows"] if flow.get("is_pending")] == [
        "verify_email"
    ]
    # The account's owner hears of the attempt, with a way to reset the password.
    assert any("alice@example.org" in message.to for message in mailoutbox)


def test_it_refuses_a_password_that_is_the_email_address(db):
    response = sign_up("migraine.sufferer@example.org", password="migraine.sufferer@example.org")

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "password"


def test_it_refuses_a_common_password(db):
    response = sign_up("someone@example.org", password="password123")

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "password"


# Client addresses behind a trusted proxy (issue 15, item 9) ----------------------------------


def failed_login(client: Client, email: str, *, forwarded_for: str):
    return client.post(
        "/_allauth/app/v1/auth/login",
        {"email": email, "password": "not-the-password"},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def limited(response) -> bool:
    return response.json()["errors"][0]["code"] == "too_many_login_attempts"


def test_it_limits_each_client_behind_the_trusted_proxy_not_the_proxy(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for attempt in range(10):
        failed_login(client, f"someone{attempt}@example.org", forwarded_for="198.51.100.7")

    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": alice.user.email, "password": factories.PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )

    assert limited(failed_login(client, "other@example.org", forwarded_for="198.51.100.7"))
    assert response.status_code == 200


def test_it_believes_only_the_hop_the_trusted_proxy_added(settings, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    # A client writes its own X-Forwarded-For; the proxy appends the address it saw.
    for attempt in range(10):
        failed_login(
            client,
            f"someone{attempt}@example.org",
            forwarded_for=f"192.0.2.{attempt}, 198.51.100.7",
        )

    assert limited(
        failed_login(client, "other@example.org", forwarded_for="192.0.2.99, 198.51.100.7")
    )


def test_it_ignores_a_client_sent_x_forwarded_for_without_a_trusted_proxy(client, db):
    statuses = [
        client.get(
            "/api/v1/calendar/not-a-token.ics",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(61)
    ]

    assert statuses[:60] == [404] * 60
    assert statuses[60] == 429


# The access log (issue 15, item 6) ------------------------------------------------------------


def logged(patient, action: str = "view") -> list[str]:
    from diary.models import AccessEvent

    return list(
        AccessEvent.objects.filter(patient=patient, action=action).values_list(
            "resource", flat=True
        )
    )


def test_it_logs_a_clinician_listing_the_patients(as_carol, alice):
    as_carol.get("/api/v1/patients/")

    assert logged(alice) == ["GET /api/v1/patients/"]


def test_it_logs_a_clinician_listing_the_flags(as_carol, alice):
    from diary import services

    services.review_flag_open(patient=alice, kind="wear_off", evidence={})

    as_carol.get("/api/v1/flags/")

    assert logged(alice) == ["GET /api/v1/flags/"]


def test_it_logs_a_clinician_reading_side_effects(as_carol, alice):
    session = factories.InjectionSessionFactory(patient=alice)

    as_carol.get(f"/api/v1/injections/{session.pk}/side-effects/")

    assert logged(alice) == [f"GET /api/v1/injections/{session.pk}/side-effects/"]


def test_it_logs_a_clinician_reading_the_care_links_and_redeeming_a_code(as_alice, as_dave, alice):
    code = as_alice.post("/api/v1/care-links/").json()["code"]

    as_dave.post("/api/v1/care-links/redeem/", {"code": code}, format="json")
    as_dave.get("/api/v1/care-links/")

    assert logged(alice) == ["GET /api/v1/care-links/", "POST /api/v1/care-links/redeem/"]


def test_it_does_not_log_patients_reading_their_own_data(as_alice, alice):
    as_alice.get("/api/v1/care-links/")

    assert logged(alice) == []


def test_it_keeps_the_access_log_pseudonymised_after_the_patient_is_erased(as_carol, alice):
    from diary import services
    from diary.audit import patient_pseudonym
    from diary.models import AccessEvent

    as_carol.get(f"/api/v1/patients/{alice.pk}/diary/")
    pseudonym = patient_pseudonym(alice.pk)

    services.account_erase(user=alice.user)

    event = AccessEvent.objects.get()
    assert event.patient is None
    assert event.patient_pseudonym == pseudonym
    assert event.actor_email == "carol@clinic.example.org"
    assert event.patient_erased_at is not None


def test_it_deletes_the_log_of_an_erased_patient_after_the_retention_period(
    settings, as_carol, alice
):
    from diary import services
    from diary.audit import access_log_purge
    from diary.models import AccessEvent

    settings.AUDIT_RETENTION = dt.timedelta(days=2190)
    as_carol.get(f"/api/v1/patients/{alice.pk}/diary/")
    services.account_erase(user=alice.user)
    erased_at = AccessEvent.objects.get().patient_erased_at

    assert access_log_purge(now=erased_at + dt.timedelta(days=2189)) == 0
    assert access_log_purge(now=erased_at + dt.timedelta(days=2191)) == 1
    assert not AccessEvent.objects.exists()


# The code step locks per account, with back-off (issue 15, item 20) ---------------------------


def wrong_codes(user, count: int) -> None:
    for _ in range(count):
        client = Client()
        pending = app_post(
            client, "/auth/login", {"email": user.email, "password": factories.PASSWORD}
        )
        app_post(
            client,
            "/auth/2fa/authenticate",
            {"code": "000000"},
            pending.json()["meta"]["session_token"],
        )


def code_attempt(user, code: str):
    client = Client()
    pending = app_post(client, "/auth/login", {"email": user.email, "password": factories.PASSWORD})
    return app_post(
        client, "/auth/2fa/authenticate", {"code": code}, pending.json()["meta"]["session_token"]
    )


def test_it_locks_the_code_step_after_five_wrong_codes_even_for_the_right_one(carol, mailoutbox):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        wrong_codes(carol.user, 5)
        response = code_attempt(carol.user, totp_code())

    assert response.status_code == 429
    assert [message.to for message in mailoutbox] == [["carol@clinic.example.org"]]
    assert "change it" in mailoutbox[0].body


def test_it_doubles_each_lock_up_to_an_hour(carol):
    from diary.auth import code_failed, code_step_locked_until

    now = 1_800_000_000.0
    lengths = []
    for _ in range(8):
        for _ in range(5):
            code_failed(carol.user, now=now)
        until = code_step_locked_until(carol.user, now=now)
        lengths.append(until - now)
        now = until + 1

    assert lengths == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_it_opens_the_code_step_again_when_the_lock_ends(carol):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        wrong_codes(carol.user, 5)
    # allauth's own limit (5 wrong codes in 5 minutes) holds the first minute-long lock longer.
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        response = code_attempt(carol.user, totp_code())

    assert response.status_code == 200


def test_it_locks_the_clinic_code_step_too(carol):
    wrong_codes(carol.user, 5)
    client = Client()
    client.post("/clinic/login/", {"email": carol.user.email, "password": factories.PASSWORD})

    response = client.post("/clinic/login/code/", {"code": totp_code()})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# Second-factor secrets encrypted at rest (issue 15, item 16) ---------------------------------


def test_it_stores_a_new_authenticator_secret_encrypted(db):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    user = factories.ClinicianFactory(with_totp=False).user
    totp = TOTP.activate(user, TOTP_SECRET).instance
    codes = RecoveryCodes.activate(user).instance
    totp.refresh_from_db()
    codes.refresh_from_db()

    assert TOTP_SECRET not in str(totp.data)
    assert totp.data["secret"].startswith("fernet:")
    assert codes.data["seed"].startswith("fernet:")
    assert TOTP(totp).validate_code(totp_code())


def test_it_refuses_a_secret_stored_unencrypted(db):
    from allauth.mfa.totp.internal.auth import TOTP

    user = factories.ClinicianFactory(with_totp=False).user
    plain = Authenticator.objects.create(user=user, type="totp", data={"secret": TOTP_SECRET})

    try:
        TOTP(plain).validate_code(totp_code())
    except ValueError as error:
        assert "unencrypted" in str(error)
    else:
        raise AssertionError("a plaintext secret was accepted")


def test_the_migration_encrypts_secrets_stored_before_it(db):
    import importlib

    from allauth.mfa.totp.internal.auth import TOTP
    from django.apps import apps

    migration = importlib.import_module("diary.migrations.0014_encrypt_mfa_secrets")
    user = factories.ClinicianFactory(with_totp=False).user
    plain = Authenticator.objects.create(user=user, type="totp", data={"secret": TOTP_SECRET})

    migration.encrypt_secrets(apps, None)
    migration.encrypt_secrets(apps, None)  # a second run leaves encrypted values alone
    plain.refresh_from_db()

    assert plain.data["secret"].startswith("fernet:")
    assert TOTP(plain).validate_code(totp_code())


def test_check_deploy_warns_when_the_mfa_key_is_left_to_the_default(settings):
    settings.MFA_ENCRYPTION_KEY = None

    assert [warning.id for warning in mfa_encryption_key_check(None)] == ["diary.W001"]


@pytest.mark.parametrize(
    ("site_url", "warned"),
    [
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8000", True),
        ("http://diary.localhost", True),
        ("https://diary.example-clinic.org", False),
    ],
)
def test_check_deploy_warns_when_links_in_emails_would_lead_to_this_machine(
    settings, site_url, warned
):
    settings.SITE_URL = site_url

    assert [warning.id for warning in site_url_check(None)] == (["diary.W002"] if warned else [])
