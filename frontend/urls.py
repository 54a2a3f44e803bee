"""The patient PWA at / and the clinician workspace under /clinic/."""

from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.app_shell, name="app"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
