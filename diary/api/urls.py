from django.urls import include, path

from diary.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/export/", views.MeExportView.as_view(), name="me-export"),
    path("me/access-log/", views.MeAccessLogView.as_view(), name="me-access-log"),
    path("care-links/", views.CareLinkListView.as_view(), name="care-links"),
    path("care-links/redeem/", views.CareLinkRedeemView.as_view(), name="care-link-redeem"),
    path("care-links/<int:link_id>/", views.CareLinkDetailView.as_view(), name="care-link"),
    path("diary/", views.DiaryListView.as_view(), name="diary"),
    path("diary/<str:day>/", views.DiaryDayView.as_view(), name="diary-day"),
    path("diary/<str:day>/history/", views.DiaryDayHistoryView.as_view(), name="diary-day-history"),
    path("diary/<str:day>/restore/", views.DiaryDayRestoreView.as_view(), name="diary-day-restore"),
    path("medications/", views.MedicationListView.as_view(), name="medications"),
    path("injections/", views.InjectionListView.as_view(), name="injections"),
    path("injections/<int:session_id>/", views.InjectionDetailView.as_view(), name="injection"),
    path(
        "injections/<int:session_id>/history/",
        views.InjectionHistoryView.as_view(),
        name="injection-history",
    ),
    path(
        "injections/<int:session_id>/side-effects/",
        views.SideEffectListView.as_view(),
        name="side-effects",
    ),
    path("patients/", views.PatientListView.as_view(), name="patients"),
    path(
        "patients/<int:patient_id>/diary/",
        views.PatientDiaryListView.as_view(),
        name="patient-diary",
    ),
    path(
        "patients/<int:patient_id>/injections/",
        views.PatientInjectionListView.as_view(),
        name="patient-injections",
    ),
    path("flags/", views.FlagListView.as_view(), name="flags"),
    path("flags/<int:flag_id>/", views.FlagDetailView.as_view(), name="flag"),
    path("", include("diary.api.analysis_urls")),
    path("", include("diary.reminders.urls")),
    path("", include("diary.interop.urls")),
    path("", include("diary.api.report_urls")),
]
