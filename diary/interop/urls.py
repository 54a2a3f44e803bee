"""FHIR export, diary import and the calendar feed, under /api/v1/."""

from django.urls import path

from diary.interop import views

urlpatterns = [
    path("me/fhir/", views.MeFhirView.as_view(), name="me-fhir"),
    path("patients/<int:patient_id>/fhir/", views.PatientFhirView.as_view(), name="patient-fhir"),
    path("me/diary.csv", views.MeDiaryCsvView.as_view(), name="me-diary-csv"),
    path("me/imports/", views.ImportListView.as_view(), name="imports"),
    path("me/imports/<int:import_id>/", views.ImportDetailView.as_view(), name="import"),
    path(
        "me/imports/<int:import_id>/confirm/",
        views.ImportConfirmView.as_view(),
        name="import-confirm",
    ),
    path("me/calendar-feed/", views.CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/<str:token>.ics", views.CalendarFeedIcsView.as_view(), name="calendar-feed-ics"),
]
