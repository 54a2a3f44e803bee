"""Web Push subscription endpoints, under /api/v1/."""

from django.urls import path

from diary.reminders import views

urlpatterns = [
    path("push-subscriptions/", views.PushSubscriptionView.as_view(), name="push-subscriptions"),
]
