from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from diary.api.schema import DeleteWithBodySchema
from diary.reminders import selectors
from diary.reminders import serializers as api
from diary.reminders.push import vapid_keys
from diary.reminders.services import (
    PushEndpointTaken,
    push_subscription_remove,
    push_subscription_save,
)


class PushSubscriptionView(APIView):
    """Web Push subscriptions of the signed-in person (patient or clinician)."""

    schema = DeleteWithBodySchema()

    @extend_schema(responses=api.PushSubscriptionListSerializer)
    def get(self, request):
        subscriptions = selectors.push_subscriptions_for(user=request.user)
        return Response(
            {
                "vapid_public_key": vapid_keys().public_key,
                "subscriptions": api.PushSubscriptionSerializer(subscriptions, many=True).data,
            }
        )

    @extend_schema(
        request=api.PushSubscriptionCreateSerializer,
        responses={201: api.PushSubscriptionSerializer},
        description="Idempotent on endpoint: posting the same subscription again answers 201 "
        "with the same id and stores the latest keys. An endpoint stays with the account that "
        "subscribed it first until that account deletes it: anyone else gets 400 on endpoint. "
        "Endpoints must be on a push service of WEB_PUSH_ALLOWED_HOSTS.",
    )
    def post(self, request):
        serializer = api.PushSubscriptionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            subscription = push_subscription_save(
                user=request.user,
                endpoint=data["endpoint"],
                p256dh=data["keys"]["p256dh"],
                auth=data["keys"]["auth"],
            )
        except PushEndpointTaken:
            return Response(
                {"endpoint": ["This push endpoint is subscribed by another account."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            api.PushSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=api.PushSubscriptionDeleteSerializer,
        responses={204: None, 404: OpenApiResponse(description="No such subscription.")},
    )
    def delete(self, request):
        serializer = api.PushSubscriptionDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not push_subscription_remove(
            user=request.user, endpoint=serializer.validated_data["endpoint"]
        ):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
