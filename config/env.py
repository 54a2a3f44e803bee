"""Strict parsing of the environment: a bad value stops start-up naming the variable."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable

import environ
from django.core.exceptions import ImproperlyConfigured

DATABASE_SCHEMES = ("postgres", "postgresql", "pgsql", "sqlite")
REDIS_SCHEMES = ("redis", "rediss", "unix")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw == "True":
        return True
    if raw == "False":
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    raw = os.environ.get(name, default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list with no empty items.")
    return items


def env_choice(name: str, choices: Iterable[str], default: str) -> str:
    raw = os.environ.get(name) or default
    allowed = tuple(choices)
    if raw not in allowed:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(allowed)}, not {raw!r}.")
    return raw


def database_config(name: str, default: str) -> dict:
    url = os.environ.get(name) or default
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must be a postgres:// or sqlite:// URL, not {url.split('@')[-1]!r}."
        )
    config = environ.Env.db_url_config(url)
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database.")
    return config


def redis_url(name: str) -> str | None:
    url = os.environ.get(name)
    if not url:
        return None
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in REDIS_SCHEMES:
        raise ImproperlyConfigured(f"{name} must be a redis://, rediss:// or unix:// URL.")
    return url


def email_config(name: str, default: str) -> dict:
    url = os.environ.get(name) or default
    try:
        config = environ.Env.email_url_config(url)
    except (ImproperlyConfigured, ValueError) as error:
        raise ImproperlyConfigured(f"{name} is not a valid email URL: {error}") from None
    if url.startswith("filemail://"):
        # environ drops the leading slash of an absolute path.
        path = url[len("filemail://") :]
        if not path:
            raise ImproperlyConfigured(f"{name} with filemail:// needs a folder path.")
        config["EMAIL_FILE_PATH"] = path
    return config


def env_fernet_key(name: str) -> str | None:
    """A Fernet key (``Fernet.generate_key()``: 32 bytes, URL-safe base64), or None if unset."""
    raw = os.environ.get(name)
    if not raw:
        return None
    try:
        decoded = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        decoded = b""
    if len(decoded) != 32 or len(raw) != 44:
        raise ImproperlyConfigured(
            f"{name} must be a Fernet key (44 characters of URL-safe base64, from "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'`)."
        )
    return raw
