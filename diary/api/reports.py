"""The treatment-review report as a PDF and the daily entries as CSV (``diary.reports``)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from diary import selectors
from diary.analytics.baseline import RESPONDER_NICE_PERCENT, RESPONDER_TRIAL_PERCENT
from diary.analytics.cycles import RESPONSE_FIRST_DAY
from diary.api.exceptions import JSONErrorsMixin
from diary.api.permissions import IsClinicianElseNotFound, IsPatient
from diary.audit import record_access
from diary.models import AccessEvent, PatientProfile, ReportKind
from diary.reports import report_csv, report_pdf, treatment_review


class FileRenderer(BaseRenderer):
    """Lets a client ask for the file type; errors still go out as JSON text."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class PDFRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class CSVRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


def _filename(patient: PatientProfile, as_of, extension: str) -> str:
    return f"treatment-review-{patient.pk}-{as_of.isoformat()}.{extension}"


def pdf_response(
    patient: PatientProfile, *, clinician_name: str = "", clinic_name: str = "", signs_off=True
) -> HttpResponse:
    review = treatment_review(patient=patient)
    sign_off = selectors.report_sign_off_for(
        patient=patient, as_of=review.as_of, kind=ReportKind.TREATMENT_REVIEW
    )
    response = HttpResponse(
        report_pdf(
            review,
            clinician_name=clinician_name,
            clinic_name=clinic_name,
            signs_off=signs_off,
            sign_off=sign_off,
        ),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(patient, review.as_of, "pdf")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(patient: PatientProfile) -> HttpResponse:
    review = treatment_review(patient=patient)
    response = HttpResponse(report_csv(review), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(patient, review.as_of, "csv")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


class PatientReportPDFView(JSONErrorsMixin, APIView):
    permission_classes = [IsClinicianElseNotFound]
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="One-page treatment review of a linked patient: baseline, headache days "
        f"per 28 days per cycle (days {RESPONSE_FIRST_DAY} to the planned interval), % change, "
        f"responder status at {RESPONDER_NICE_PERCENT} % and {RESPONDER_TRIAL_PERCENT} %, each "
        "guideline's verdict (NICE TA260, EHF 2018, AHS 2021, IHS 2025) or why it is not "
        "assessable, migraine and acute-medication days, overuse status, injections and side "
        "effects.",
    )
    def get(self, request, patient_id: int):
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        record_access(request, patient=patient, action=AccessEvent.Action.EXPORT)
        member = selectors.clinic_membership_of(clinician_user=request.user)
        return pdf_response(
            patient,
            clinician_name=str(request.user),
            clinic_name=member.clinic.name if member else "",
            # Nurses prepare the report; a clinician of the clinic signs it off.
            signs_off=member is None or member.signs_off_reports,
        )


class PatientReportCSVView(JSONErrorsMixin, APIView):
    permission_classes = [IsClinicianElseNotFound]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR},
        description="The linked patient's daily entries with their day classes, one row a "
        "day. Cells that start with =, +, - or @ are prefixed with ' against formula injection.",
    )
    def get(self, request, patient_id: int):
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        record_access(request, patient=patient, action=AccessEvent.Action.EXPORT)
        return csv_response(patient)


class OwnReportPDFView(JSONErrorsMixin, APIView):
    permission_classes = [IsPatient]
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="The patient's own one-page treatment review, to bring to the clinic.",
    )
    def get(self, request):
        return pdf_response(request.user.patient_profile)
