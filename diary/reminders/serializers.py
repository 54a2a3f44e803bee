from __future__ import annotations

import binascii

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from diary.models import PushSubscription
from diary.reminders.push import b64url_decode, push_endpoint_allowed, push_endpoint_pattern

P256_POINT_LENGTH = 65
AUTH_SECRET_LENGTH = 16
# The schema states the byte lengths as base64url: 0x04 then 64 bytes make "B", one of A-P and
# 85 more characters; 16 bytes make 22. The validators below check the decoded bytes.
P256DH_PATTERN = r"^B[A-P][A-Za-z0-9_-]{85}=?$"
AUTH_PATTERN = r"^[A-Za-z0-9_-]{22}(?:==)?$"
# Push services are reached by host name over https; an IP literal is refused, so a
# subscription cannot point the server's outgoing requests at an internal address. At most six
# labels of 30 characters keep the host within DNS's 253 (Django's URL check refuses longer).
ENDPOINT_PATTERN = (
    r"^https://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,28}[A-Za-z0-9])?\.){1,6}[A-Za-z]{2,63}"
    r"(?::[0-9]{1,5})?(?:/(?:[A-Za-z0-9._~:/?@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)?$"
)
ENDPOINT_VALIDATOR = RegexValidator(
    ENDPOINT_PATTERN, "A push endpoint must be an https URL with a host name."
)


def _decoded(value: str) -> bytes:
    if not value or set(value) - set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
    ):
        raise serializers.ValidationError("Use base64url.")
    try:
        return b64url_decode(value.rstrip("="))
    except (binascii.Error, ValueError):
        raise serializers.ValidationError("Use base64url.") from None


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(
        max_length=200,
        trim_whitespace=False,
        validators=[RegexValidator(P256DH_PATTERN, "Expected an uncompressed P-256 public key.")],
    )
    auth = serializers.CharField(
        max_length=100,
        trim_whitespace=False,
        validators=[RegexValidator(AUTH_PATTERN, "Expected a 16-byte authentication secret.")],
    )

    def validate_p256dh(self, value: str) -> str:
        point = _decoded(value)
        if len(point) != P256_POINT_LENGTH or point[0] != 0x04:
            raise serializers.ValidationError("Expected an uncompressed P-256 public key.")
        return value

    def validate_auth(self, value: str) -> str:
        if len(_decoded(value)) != AUTH_SECRET_LENGTH:
            raise serializers.ValidationError("Expected a 16-byte authentication secret.")
        return value


class PushEndpointField(serializers.URLField):
    """An endpoint to subscribe: on a push service of WEB_PUSH_ALLOWED_HOSTS."""


class PushEndpointFieldScheme(OpenApiSerializerFieldExtension):
    # The schema states the allowed hosts as configured when it is generated.
    target_class = PushEndpointField

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "format": "uri",
            "maxLength": self.target.max_length,
            "pattern": push_endpoint_pattern(settings.WEB_PUSH_ALLOWED_HOSTS),
            "description": "On a push service of WEB_PUSH_ALLOWED_HOSTS.",
        }


class PushSubscriptionCreateSerializer(serializers.Serializer):
    """The browser's PushSubscription.toJSON(); expirationTime is accepted and ignored."""

    endpoint = PushEndpointField(max_length=1000, validators=[ENDPOINT_VALIDATOR])
    keys = PushKeysSerializer()

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://"):
            raise serializers.ValidationError("A push endpoint must use https.")
        if not push_endpoint_allowed(value):
            raise serializers.ValidationError(
                "A push endpoint must be on a browser push service this server allows."
            )
        return value


class PushSubscriptionDeleteSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000, validators=[ENDPOINT_VALIDATOR])


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "created_at"]


class PushSubscriptionListSerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField(
        help_text="applicationServerKey: base64url of the uncompressed P-256 point."
    )
    subscriptions = PushSubscriptionSerializer(many=True)
