"""Analysis endpoints (trends); kept apart from the diary's own routes."""

from django.urls import path

from diary.api import trends

urlpatterns = [
    path("trends/", trends.TrendsView.as_view(), name="trends"),
    path(
        "patients/<int:patient_id>/trends/",
        trends.PatientTrendsView.as_view(),
        name="patient-trends",
    ),
]
