"""Configuration is read strictly: a bad value stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def environ(monkeypatch):
    def set_variables(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_variables


@pytest.mark.parametrize(("raw", "expected"), [("True", True), ("False", False), ("", True)])
def test_booleans_are_exactly_true_or_false(environ, raw, expected):
    environ(DEBUG=raw)

    assert env.env_bool("DEBUG", True) is expected


@pytest.mark.parametrize("raw", ["true", "1", "yes", "on", "TRUE"])
def test_a_loose_boolean_stops_start_up_naming_the_variable(environ, raw):
    environ(DEBUG=raw)

    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env.env_bool("DEBUG", False)


def test_database_url_accepts_postgres(environ):
    environ(DATABASE_URL="postgres://diary:secret@db.internal:5432/diary")

    config = env.database_config("DATABASE_URL", "sqlite:///x")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"]) == ("db.internal", "diary")


@pytest.mark.parametrize("url", ["mysql://db/diary", "nonsense", "postgres://db:5432/"])
def test_a_bad_database_url_names_the_variable(environ, url):
    environ(DATABASE_URL=url)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.database_config("DATABASE_URL", "sqlite:///x")


def test_a_bad_redis_url_names_the_variable(environ):
    environ(REDIS_URL="http://localhost:6379")

    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env.redis_url("REDIS_URL")


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("consolemail://", "django.core.mail.backends.console.EmailBackend"),
        ("smtp+tls://user:pw@mail.example.org:587", "django.core.mail.backends.smtp.EmailBackend"),
        ("filemail:///var/mail/diary", "django.core.mail.backends.filebased.EmailBackend"),
    ],
)
def test_email_url_chooses_the_backend(environ, url, backend):
    environ(EMAIL_URL=url)

    assert env.email_config("EMAIL_URL", "consolemail://")["EMAIL_BACKEND"] == backend


def test_filemail_keeps_an_absolute_path(environ):
    environ(EMAIL_URL="filemail:///var/mail/diary")

    assert env.email_config("EMAIL_URL", "consolemail://")["EMAIL_FILE_PATH"] == "/var/mail/diary"


def test_a_bad_email_url_names_the_variable(environ):
    environ(EMAIL_URL="pigeon://loft")

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env.email_config("EMAIL_URL", "consolemail://")


def test_an_unknown_email_verification_mode_names_the_variable(environ):
    environ(EMAIL_VERIFICATION="sometimes")

    with pytest.raises(ImproperlyConfigured, match="EMAIL_VERIFICATION"):
        env.env_choice("EMAIL_VERIFICATION", ("mandatory", "optional", "none"), "mandatory")


def test_allowed_hosts_refuses_empty_items(environ):
    environ(ALLOWED_HOSTS="diary.example.org,,")

    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env.env_list("ALLOWED_HOSTS", "localhost")


def run_check(tmp_path, **variables) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_check(tmp_path, DEBUG="False")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_fresh_checkout_starts_with_no_servers(tmp_path):
    result = run_check(tmp_path, DEBUG="True")

    assert result.returncode == 0, result.stderr


def test_start_up_names_a_mistyped_variable(tmp_path):
    result = run_check(tmp_path, DEBUG="True", CLINICIAN_MFA_REQUIRED="yes")

    assert result.returncode != 0
    assert "CLINICIAN_MFA_REQUIRED" in result.stderr


def test_an_mfa_encryption_key_is_read_strictly(environ):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    environ(MFA_ENCRYPTION_KEY=key)

    assert env.env_fernet_key("MFA_ENCRYPTION_KEY") == key


@pytest.mark.parametrize("raw", ["secret", "x" * 44, "c2hvcnQ=", "A" * 45])
def test_a_malformed_mfa_encryption_key_names_the_variable(environ, raw):
    environ(MFA_ENCRYPTION_KEY=raw)

    with pytest.raises(ImproperlyConfigured, match="MFA_ENCRYPTION_KEY"):
        env.env_fernet_key("MFA_ENCRYPTION_KEY")


@pytest.mark.parametrize("raw", ["-1", "some"])
def test_a_bad_audit_retention_names_the_variable(environ, raw):
    environ(AUDIT_RETENTION_DAYS=raw)

    with pytest.raises(ImproperlyConfigured, match="AUDIT_RETENTION_DAYS"):
        env.env_int("AUDIT_RETENTION_DAYS", 2190, minimum=1)
