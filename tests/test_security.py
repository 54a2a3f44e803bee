"""Deployment security: headers on health data, and a clean `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

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
