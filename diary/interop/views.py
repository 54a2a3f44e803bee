from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from diary import selectors
from diary.api.exceptions import JSONErrorsMixin
from diary.api.permissions import IsClinicianElseNotFound, IsPatient
from diary.audit import record_access
from diary.interop import calendar, csv_export, fhir, services
from diary.interop import serializers as interop
from diary.interop.importers import MAX_FILE_BYTES, ImportFileError
from diary.interop.models import DiaryImport
from diary.models import AccessEvent, PatientProfile
from diary.timelines import patient_verdicts

# FHIR export ------------------------------------------------------------------------------


class FhirJSONRenderer(JSONRenderer):
    media_type = fhir.FHIR_MEDIA_TYPE
    format = "fhir"


FHIR_BUNDLE = OpenApiResponse(
    OpenApiTypes.OBJECT, description="A FHIR R4 Bundle of type collection."
)
# application/json too: a client that accepts only that (or asks ?format=json) gets the same.
FHIR_RESPONSES = {(200, fhir.FHIR_MEDIA_TYPE): FHIR_BUNDLE, (200, "application/json"): FHIR_BUNDLE}


FHIR_PAGE_PARAMETERS = [
    OpenApiParameter(
        "_count",
        {"type": "integer", "minimum": 1, "maximum": interop.FhirPageSerializer.MAX_DAYS},
        description=f"Diary days per page: {interop.FhirPageSerializer.DEFAULT_DAYS} unless "
        f"given, at most {interop.FhirPageSerializer.MAX_DAYS}. The Bundle's link with "
        'relation "next" fetches the following page; the last page has none. The Patient is on '
        "every page, injection sessions on the first.",
    ),
    OpenApiParameter(
        "after", OpenApiTypes.DATE, description="Only diary days after this one (from 'next')."
    ),
]


def fhir_page(request) -> tuple[int, date | None]:
    """Days per page and the last day of the previous page, from the query."""
    query = interop.FhirPageSerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data["_count"], query.validated_data.get("after")


def bundle_response(
    request, patient: PatientProfile, *, count: int, after: date | None
) -> Response:
    """One page of the record; a 20-year diary in one Bundle was 37 MB and 5 s to build."""
    days = selectors.diary_days(
        patient=patient, date_from=None if after is None else after + timedelta(days=1)
    )
    page = list(days[: count + 1])
    links = [("self", f"{settings.SITE_URL}{request.get_full_path()}")]
    if len(page) > count:
        page = page[:count]
        query = urlencode({"_count": count, "after": page[-1].date.isoformat()})
        links.append(("next", f"{settings.SITE_URL}{request.path}?{query}"))
    bundle = fhir.patient_bundle(
        patient=patient,
        days=page,
        sessions=selectors.injection_sessions(patient=patient) if after is None else [],
        rule=patient.headache_day_rule,
        source=settings.SITE_URL,
        generated_at=timezone.now(),
        links=links,
        verdicts=patient_verdicts(patient=patient) if after is None else (),
    )
    response = Response(bundle)
    response["Content-Disposition"] = 'attachment; filename="headache-diary.fhir.json"'
    return response


class MeFhirView(JSONErrorsMixin, APIView):
    permission_classes = [IsPatient]
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    @extend_schema(
        parameters=FHIR_PAGE_PARAMETERS,
        responses=FHIR_RESPONSES,
        summary="The patient's own record as FHIR R4, a page of diary days at a time",
    )
    def get(self, request):
        count, after = fhir_page(request)
        return bundle_response(request, request.user.patient_profile, count=count, after=after)


class PatientFhirView(JSONErrorsMixin, APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]
    permission_classes = [IsClinicianElseNotFound]

    @extend_schema(
        parameters=FHIR_PAGE_PARAMETERS,
        responses=FHIR_RESPONSES,
        summary="A linked patient's record as FHIR R4, a page of diary days at a time",
    )
    def get(self, request, patient_id: int):
        count, after = fhir_page(request)
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        record_access(request, patient=patient, action=AccessEvent.Action.EXPORT)
        return bundle_response(request, patient, count=count, after=after)


# Generic CSV export -------------------------------------------------------------------------


class MeDiaryCsvView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="The diary as a generic CSV that POST /me/imports/ reads back",
    )
    def get(self, request):
        days = selectors.diary_days(patient=request.user.patient_profile)
        # A BOM, so spreadsheet apps read accented notes as UTF-8.
        body = ("\ufeff" + csv_export.diary_csv(days)).encode()
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="headache-diary.csv"'
        return response


# Imports ----------------------------------------------------------------------------------


def own_import(request, import_id: int) -> DiaryImport:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise Http404
    # An expired preview is gone for the patient even before the nightly task deletes it.
    expired = services.pending_imports_expired(now=timezone.now())
    return get_object_or_404(
        DiaryImport.objects.select_related("patient__user").exclude(pk__in=expired.values("pk")),
        pk=import_id,
        patient=patient,
    )


def import_representation(diary_import: DiaryImport) -> dict:
    return {
        "id": diary_import.pk,
        "format": diary_import.format,
        "status": diary_import.status,
        "file_name": diary_import.file_name,
        "created_at": diary_import.created_at,
        **services.diary_import_preview_rows(diary_import=diary_import),
        "errors": diary_import.errors,
    }


class ImportListView(APIView):
    permission_classes = [IsPatient]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": interop.ImportUploadSerializer},
        responses={201: interop.DiaryImportSerializer, 400: interop.ImportRejectedSerializer},
        summary="Upload a diary file for a preview; nothing is written until confirmed",
    )
    def post(self, request):
        serializer = interop.ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > MAX_FILE_BYTES:
            return Response(
                {"file": [f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            diary_import = services.diary_import_preview(
                patient=request.user.patient_profile,
                data=upload.read(MAX_FILE_BYTES + 1),
                file_name=upload.name or "",
                format=serializer.validated_data.get("format"),
            )
        except ImportFileError as error:
            return Response({"file": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        except services.ImportRejected as error:
            return Response(
                {"file": [str(error)], "errors": error.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(import_representation(diary_import), status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    @extend_schema(responses=interop.DiaryImportSerializer, summary="An import's preview")
    def get(self, request, import_id: int):
        return Response(import_representation(own_import(request, import_id)))

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Discard an import; days it already wrote stay in the diary",
    )
    def delete(self, request, import_id: int):
        services.diary_import_discard(diary_import=own_import(request, import_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImportConfirmView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=interop.ImportConfirmSerializer,
        responses={200: interop.ImportResultSerializer, 409: OpenApiTypes.OBJECT},
        summary="Write a previewed import into the diary",
    )
    def post(self, request, import_id: int):
        diary_import = own_import(request, import_id)
        serializer = interop.ImportConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            outcome = services.diary_import_confirm(
                diary_import=diary_import,
                overwrite_conflicts=serializer.validated_data["overwrite_conflicts"],
            )
        except services.ImportAlreadyCommitted:
            return Response(
                {"detail": "This import has already been confirmed."},
                status=status.HTTP_409_CONFLICT,
            )
        except services.ImportInterrupted:
            return Response(
                {"detail": "The diary changed while importing; nothing was written. Try again."},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"id": diary_import.pk, "status": diary_import.status, **outcome})


# Calendar feed ----------------------------------------------------------------------------


class CalendarFeedView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        request=None,
        responses={201: interop.CalendarFeedSerializer},
        summary="Create the private calendar URL, or replace it (the old one stops working)",
    )
    def post(self, request):
        token = services.calendar_feed_rotate(patient=request.user.patient_profile)
        path = reverse("calendar-feed-ics", kwargs={"token": token})
        return Response({"url": f"{settings.SITE_URL}{path}"}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Revoke the calendar URL")
    def delete(self, request):
        services.calendar_feed_revoke(patient=request.user.patient_profile)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarFeedThrottle(AnonRateThrottle):
    rate = "60/min"


class CalendarFeedIcsView(APIView):
    # The token in the URL is the credential: calendar apps cannot sign in.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CalendarFeedThrottle]

    @extend_schema(
        auth=[],
        responses={(200, "text/calendar"): OpenApiTypes.STR, 404: None},
        summary="The iCalendar feed: injection due date and side-effect check-ins",
    )
    def get(self, request, token: str):
        patient = services.calendar_feed_patient(token=token)
        if patient is None:
            raise Http404
        sessions = list(selectors.injection_sessions(patient=patient))
        body = calendar.calendar_ics(
            calendar.feed_events(sessions),
            domain=urlsplit(settings.SITE_URL).hostname or "localhost",
            generated_at=timezone.now(),
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, no-cache"
        response["Referrer-Policy"] = "no-referrer"
        return response
