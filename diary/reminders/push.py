"""Web Push: the server's VAPID key pair and sending one encrypted notification."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.http import is_same_domain
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from diary.models import PushSubscription

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 10
# Push services keep an undelivered message this long; a daily reminder is stale after a day.
PUSH_TTL_SECONDS = 12 * 60 * 60
VAPID_FILE_NAME = "vapid.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    # base64url of the raw 32-byte private scalar, or of a DER key when configured so.
    private_key: str
    # base64url of the uncompressed P-256 point: the browser's applicationServerKey.
    public_key: str


def _generate() -> VapidKeys:
    private = ec.generate_private_key(ec.SECP256R1())
    raw_private = private.private_numbers().private_value.to_bytes(32, "big")
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(private_key=b64url(raw_private), public_key=b64url(point))


def vapid_keys() -> VapidKeys:
    """The configured key pair, else one generated once into VAR_DIR and reused from then on."""
    if settings.VAPID_PRIVATE_KEY:
        return VapidKeys(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)
    path = Path(settings.VAR_DIR) / VAPID_FILE_NAME
    if not path.exists():
        keys = _generate()
        # O_EXCL: when two processes start at once, the first key pair written wins for both.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                json.dump({"private_key": keys.private_key, "public_key": keys.public_key}, file)
            return keys
    stored = json.loads(path.read_text())
    return VapidKeys(stored["private_key"], stored["public_key"])


def push_endpoint_allowed(endpoint: str, *, allowed: Sequence[str] | None = None) -> bool:
    """Whether the endpoint is on a push service of WEB_PUSH_ALLOWED_HOSTS.

    The worker sends to whatever URL a subscription holds, so any other host (a cloud metadata
    address, a cluster-internal name, a wildcard DNS name pointing inside) would be a
    server-side request the subscriber chose. Patterns as ALLOWED_HOSTS: ".suffix" matches the
    domain and every host under it.
    """
    host = (urlsplit(endpoint).hostname or "").rstrip(".").lower()
    patterns = settings.WEB_PUSH_ALLOWED_HOSTS if allowed is None else allowed
    return bool(host) and any(is_same_domain(host, pattern) for pattern in patterns)


# The parts of an endpoint URL the subscription serializer accepts (ENDPOINT_PATTERN there):
# host labels of at most 30 characters, at most six before the top-level domain.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,28}[A-Za-z0-9])?"
_PORT_AND_PATH = r"(?::[0-9]{1,5})?(?:/(?:[A-Za-z0-9._~:/?@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)?"
MAX_HOST_LABELS = 7


def push_endpoint_pattern(allowed: Sequence[str]) -> str:
    """A regular expression for endpoints on the allowed hosts, for the OpenAPI schema."""
    hosts = []
    for pattern in allowed:
        domain = pattern.lstrip(".")
        spare = MAX_HOST_LABELS - len(domain.split("."))
        escaped = re.escape(domain)
        hosts.append(
            f"(?:{_LABEL}\\.){{0,{spare}}}{escaped}" if pattern.startswith(".") else escaped
        )
    return f"^https://(?:{'|'.join(hosts)}){_PORT_AND_PATH}$"


class PushOutcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    FAILED = "failed"
    # The endpoint is on no allowed push service (stored before the setting changed): nothing
    # is sent, and retrying would not help.
    REFUSED = "refused"


def push_send(*, subscription: PushSubscription, payload: dict) -> PushOutcome:
    """Send one notification; a subscription the push service no longer knows is deleted."""
    if not push_endpoint_allowed(subscription.endpoint):
        logger.warning("Push to subscription %s refused: host not allowed", subscription.pk)
        return PushOutcome.REFUSED
    keys = vapid_keys()
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload),
            vapid_private_key=Vapid02.from_string(keys.private_key),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        if error.status_code in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            return PushOutcome.GONE
        logger.warning("Push to subscription %s failed: %s", subscription.pk, error.status_code)
        return PushOutcome.FAILED
    except requests.RequestException as error:
        logger.warning("Push to subscription %s failed: %s", subscription.pk, type(error).__name__)
        return PushOutcome.FAILED
    return PushOutcome.DELIVERED
