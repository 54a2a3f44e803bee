from __future__ import annotations

import binascii

from rest_framework import serializers

from diary.models import PushSubscription
from diary.reminders.push import b64url_decode

P256_POINT_LENGTH = 65
AUTH_SECRET_LENGTH = 16


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
    p256dh = serializers.CharField(max_length=200, trim_whitespace=False)
    auth = serializers.CharField(max_length=100, trim_whitespace=False)

    def validate_p256dh(self, value: str) -> str:
        point = _decoded(value)
        if len(point) != P256_POINT_LENGTH or point[0] != 0x04:
            raise serializers.ValidationError("Expected an uncompressed P-256 public key.")
        return value

    def validate_auth(self, value: str) -> str:
        if len(_decoded(value)) != AUTH_SECRET_LENGTH:
            raise serializers.ValidationError("Expected a 16-byte authentication secret.")
        return value


class PushSubscriptionCreateSerializer(serializers.Serializer):
    """The browser's PushSubscription.toJSON(); expirationTime is accepted and ignored."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://"):
            raise serializers.ValidationError("A push endpoint must use https.")
        return value


class PushSubscriptionDeleteSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "created_at"]


class PushSubscriptionListSerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField(
        help_text="applicationServerKey: base64url of the uncompressed P-256 point."
    )
    subscriptions = PushSubscriptionSerializer(many=True)
