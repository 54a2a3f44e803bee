"""Deployment security: headers on health data, and a clean `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests import factories

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
        VAR_DIR=str(tmp_path),
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
