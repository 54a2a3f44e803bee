"""The production URLs, plus the bare baselines every figure is compared with."""

from django.urls import include, path

from bench import bare

urlpatterns = [
    path("bench/bare/diary/<str:day>/", bare.diary_day_put),
    path("bench/bare/trends/", bare.trends_sql),
    path("", include("config.urls")),
]
