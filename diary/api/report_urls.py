"""Treatment-review reports; included under /api/v1/."""

from django.urls import path

from diary.api import reports

urlpatterns = [
    path("report.pdf", reports.OwnReportPDFView.as_view(), name="report-pdf"),
    path(
        "patients/<int:patient_id>/report.pdf",
        reports.PatientReportPDFView.as_view(),
        name="patient-report-pdf",
    ),
    path(
        "patients/<int:patient_id>/report.csv",
        reports.PatientReportCSVView.as_view(),
        name="patient-report-csv",
    ),
]
