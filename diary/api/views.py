from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, cast

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from diary import entries, selectors, services
from diary.api import serializers as api
from diary.api.export import patient_export
from diary.api.pagination import LIST_PAGE_PARAMETERS, list_page, paged_response
from diary.api.permissions import IsClinician, IsClinicianElseNotFound, IsPatient
from diary.api.schema import DeleteWithBodySchema
from diary.audit import record_access, record_accesses
from diary.models import (
    AccessEvent,
    DiaryDay,
    FlagStatus,
    InjectionSession,
    MedicationIntake,
    PatientProfile,
    ReviewFlag,
    Role,
)
from diary.paradigms import MIN_INTERVAL_WEEKS

DEFAULT_DIARY_RANGE_DAYS = 90


def parse_day(value: str) -> date:
    # fromisoformat alone also takes 20240115 and 2024-W03-1; the URL is documented as YYYY-MM-DD.
    try:
        if not re.fullmatch(api.ISO_DATE, value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise serializers.ValidationError({"date": ["Use a date as YYYY-MM-DD."]}) from None


# What parse_if_match reads, for the schema: an ETag this API issued, or *.
IF_MATCH_PATTERN = r'^(\*|(W/)?"?[0-9]{1,18}-[0-9]{1,18}"?)$'


def parse_if_match(header: str) -> tuple[int, int] | None:
    """The (id, revision) a client's If-Match names, or None when it names none we issued."""
    tag = header.strip().removeprefix("W/").strip('"')
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    match = re.fullmatch(r"([0-9]{1,18})-([0-9]{1,18})", tag)
    if match:
        return int(match[1]), int(match[2])
    return None


def precondition_failed() -> Response:
    return Response(
        {"detail": "This day has changed since you loaded it. Reload it and try again."},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )


# Accounts -------------------------------------------------------------------------------------


class MeView(APIView):
    schema = DeleteWithBodySchema()

    @extend_schema(responses=api.MeResponseSerializer)
    def get(self, request):
        return Response(api.MeSerializer(request.user).data)

    @extend_schema(request=api.MeSerializer, responses=api.MeResponseSerializer)
    def patch(self, request):
        serializer = api.MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        return Response(api.MeSerializer(user).data)

    @extend_schema(request=api.AccountDeletionSerializer, responses={204: None})
    def delete(self, request):
        serializer = api.AccountDeletionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.account_erase(user=request.user)
        if hasattr(request, "session"):
            request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(responses={200: dict})
    def get(self, request):
        data = patient_export(patient=request.user.patient_profile)
        response = Response(data)
        response["Content-Disposition"] = 'attachment; filename="headache-diary-export.json"'
        return response


class MeAccessLogView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(parameters=LIST_PAGE_PARAMETERS, responses=api.AccessEventSerializer(many=True))
    def get(self, request):
        events, total, limit, offset = list_page(
            request, selectors.access_log(patient=request.user.patient_profile)
        )
        return paged_response(
            request,
            # many=True makes DRF build a ListSerializer, whose data is a list; the stubs keep
            # the named class and type its data as one item's dict.
            cast(list[Any], api.AccessEventSerializer(events, many=True).data),
            total=total,
            limit=limit,
            offset=offset,
        )


class CareLinkListView(APIView):
    @extend_schema(responses=api.CareLinkSerializer(many=True))
    def get(self, request):
        links = list(selectors.care_links_for(user=request.user))
        record_accesses(
            request, patients=[link.patient for link in links], action=AccessEvent.Action.VIEW
        )
        return Response(api.CareLinkSerializer(links, many=True).data)

    @extend_schema(request=None, responses={201: api.CareLinkCreatedSerializer})
    def post(self, request):
        if not IsPatient().has_permission(request, self):
            return Response(
                {"detail": "Only patients create sharing codes."}, status=status.HTTP_403_FORBIDDEN
            )
        link, code = services.care_link_create(patient=request.user.patient_profile)
        return Response(
            {"id": link.pk, "code": code, "expires_at": link.expires_at},
            status=status.HTTP_201_CREATED,
        )


class CareLinkRedeemView(APIView):
    # Redeeming shows the patient's name and email: patient data, behind the second factor.
    permission_classes = [IsClinician]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "care_link_redeem"

    @extend_schema(request=api.CareLinkRedeemSerializer, responses={201: api.CareLinkSerializer})
    def post(self, request):
        serializer = api.CareLinkRedeemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.care_link_redeem(
            clinician=request.user.clinician_profile, code=serializer.validated_data["code"]
        )
        record_access(request, patient=link.patient, action=AccessEvent.Action.VIEW)
        return Response(api.CareLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class CareLinkDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, link_id: int):
        link = get_object_or_404(selectors.care_links_for(user=request.user), pk=link_id)
        services.care_link_revoke(link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Diary ----------------------------------------------------------------------------------------


def diary_range(request, *, user) -> tuple[date, date]:
    query = api.DateRangeSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    date_to = query.validated_data.get("to") or selectors.local_today(user=user)
    date_from = query.validated_data.get("from") or date_to - timedelta(
        days=DEFAULT_DIARY_RANGE_DAYS - 1
    )
    if date_from > date_to:
        raise serializers.ValidationError({"from": ["'from' must not be after 'to'."]})
    if (date_to - date_from).days > api.DateRangeSerializer.MAX_DAYS:
        # A 'from' alone (to defaulting to today) used to skip the cap.
        raise serializers.ValidationError({"from": ["The range may span ten years."]})
    return date_from, date_to


DIARY_RANGE_PARAMETERS = [
    OpenApiParameter(
        "from",
        date,
        description="First day (default: 90 days before 'to'); not after 'to', and at most "
        "ten years before it.",
    ),
    OpenApiParameter("to", date, description="Last day (default: today in the patient's zone)."),
]


class DiaryListView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        parameters=DIARY_RANGE_PARAMETERS, responses=api.DiaryDayOutputSerializer(many=True)
    )
    def get(self, request):
        patient = request.user.patient_profile
        date_from, date_to = diary_range(request, user=request.user)
        days = selectors.diary_days(patient=patient, date_from=date_from, date_to=date_to)
        rule = patient.headache_day_rule
        return Response([api.diary_day_representation(day, rule=rule) for day in days])


def diary_day_response(
    day: DiaryDay,
    patient: PatientProfile,
    *,
    code: int = 200,
    intakes: list[MedicationIntake] | None = None,
) -> Response:
    response = Response(
        api.diary_day_representation(day, rule=patient.headache_day_rule, intakes=intakes),
        status=code,
    )
    response["ETag"] = day.etag
    return response


DAY_PARAMETER = OpenApiParameter(
    "day", date, OpenApiParameter.PATH, description="The calendar day, YYYY-MM-DD."
)
PRECONDITION_FAILED = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}}},
    description="If-Match names another revision, or If-None-Match: * and the day exists.",
)


@extend_schema(parameters=[DAY_PARAMETER])
class DiaryDayView(APIView):
    permission_classes = [IsPatient]

    def get_day(self, patient: PatientProfile, day: date) -> DiaryDay:
        found = selectors.diary_days(patient=patient, date_from=day, date_to=day).first()
        if found is None:
            raise Http404
        return found

    def day_response(
        self,
        day: DiaryDay,
        patient: PatientProfile,
        code: int = 200,
        intakes: list[MedicationIntake] | None = None,
    ) -> Response:
        return diary_day_response(day, patient, code=code, intakes=intakes)

    @extend_schema(responses=api.DiaryDayOutputSerializer)
    def get(self, request, day: str):
        patient = request.user.patient_profile
        return self.day_response(self.get_day(patient, parse_day(day)), patient)

    @extend_schema(
        request=api.DiaryDayInputSerializer,
        responses={
            200: api.DiaryDayOutputSerializer,
            201: api.DiaryDayOutputSerializer,
            412: PRECONDITION_FAILED,
        },
        description="Refused with 400 (naming the field): a day after today in the patient's "
        "zone; headache false with a severity or duration; headache true without a severity "
        "of 1-3; a medicine the patient cannot see, or listed twice.",
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag last seen; a stale one gets 412 and changes nothing.",
            ),
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="'*' creates the day only if it does not exist yet, else 412.",
            ),
        ],
    )
    def put(self, request, day: str):
        patient = request.user.patient_profile
        the_day = parse_day(day)
        today = selectors.local_today(user=request.user)
        future = entries.future_day_error(day=the_day, today=today)
        if future:
            raise serializers.ValidationError({"date": [future]})
        serializer = api.DiaryDayInputSerializer(data=request.data, context={"patient": patient})
        serializer.is_valid(raise_exception=True)

        create_only = request.headers.get("If-None-Match", "").strip() == "*"
        try:
            expected = expected_revision(request, patient=patient, day=the_day)
            written = services.diary_day_upsert(
                patient=patient,
                day=the_day,
                facts=serializer.to_facts(),
                expected_revision=expected,
                create_only=create_only,
            )
        except services.UnknownMedications as unknown:
            # Shaped as DRF shapes errors in a list: by the position of each refused item.
            raise serializers.ValidationError(
                {"medications": {str(i): error for i, error in enumerate(unknown.errors) if error}}
            ) from None
        except services.StaleRevision:
            return precondition_failed()
        # The response is built from what was just written: no second read.
        return self.day_response(
            written.day, patient, code=201 if written.created else 200, intakes=written.intakes
        )

    @extend_schema(
        responses={204: None},
        description="The deleted day is kept as a version (history/) that restore/ brings back.",
    )
    def delete(self, request, day: str):
        if not services.diary_day_delete(patient=request.user.patient_profile, day=parse_day(day)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


def expected_revision(request, *, patient: PatientProfile, day: date) -> tuple[int, int] | None:
    """The (id, revision) an If-Match names, None without one; StaleRevision if none can match."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        return None
    if if_match.strip() == "*":
        current = DiaryDay.objects.filter(patient=patient, date=day).first()
        if current is None:
            raise services.StaleRevision
        return (current.pk, current.revision)
    parsed = parse_if_match(if_match)
    if parsed is None:
        raise serializers.ValidationError(
            {"If-Match": ['Send back the day\'s ETag as it was given ("id-revision"), or *.']}
        )
    return parsed


@extend_schema(parameters=[DAY_PARAMETER])
class DiaryDayHistoryView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        responses=api.DiaryDayVersionSerializer(many=True),
        description="The earlier versions of the day, newest first: each replace, undo or "
        "delete keeps the version it overwrote.",
    )
    def get(self, request, day: str):
        patient = request.user.patient_profile
        versions = selectors.diary_day_versions(patient=patient, day=parse_day(day))
        return Response(api.diary_day_versions_representation(versions))


@extend_schema(parameters=[DAY_PARAMETER])
class DiaryDayRestoreView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        request=api.DiaryDayRestoreSerializer,
        responses={
            200: api.DiaryDayOutputSerializer,
            201: api.DiaryDayOutputSerializer,
            404: OpenApiResponse(description="No kept version of this day has this id."),
            409: OpenApiResponse(
                {"type": "object", "properties": {"version": {"type": "array"}}},
                description="A medicine of this version is no longer in the patient's list.",
            ),
            412: PRECONDITION_FAILED,
        },
        description="Undo: writes a kept version (from history/) back as the day; the version "
        "it replaces is kept in its turn. Honours If-Match like PUT.",
        parameters=[
            OpenApiParameter(
                "If-Match",
                {"type": "string", "pattern": IF_MATCH_PATTERN},
                OpenApiParameter.HEADER,
                description="The ETag last seen (or *); a stale one gets 412 and changes nothing.",
            )
        ],
    )
    def post(self, request, day: str):
        patient = request.user.patient_profile
        the_day = parse_day(day)
        serializer = api.DiaryDayRestoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            expected = expected_revision(request, patient=patient, day=the_day)
            written = services.diary_day_restore(
                patient=patient,
                day=the_day,
                version_id=serializer.validated_data["version"],
                expected_revision=expected,
            )
        except services.DiaryDayVersionNotFound:
            raise NotFound("No kept version of this day has this id.") from None
        except services.UnknownMedications:
            return Response(
                {"version": ["A medicine of this version is no longer in your list."]},
                status=status.HTTP_409_CONFLICT,
            )
        except services.StaleRevision:
            return precondition_failed()
        return diary_day_response(
            written.day, patient, code=201 if written.created else 200, intakes=written.intakes
        )


class MedicationListView(APIView):
    @extend_schema(responses=api.MedicationSerializer(many=True))
    def get(self, request):
        patient = getattr(request.user, "patient_profile", None)
        medications = (
            selectors.medications_visible_to(patient=patient)
            .prefetch_related("aliases")
            .order_by("name")
        )
        return Response(api.MedicationSerializer(medications, many=True).data)

    @extend_schema(request=api.MedicationSerializer, responses={201: api.MedicationSerializer})
    def post(self, request):
        if not IsPatient().has_permission(request, self):
            return Response(
                {"detail": "Only patients add their own medicines."},
                status=status.HTTP_403_FORBIDDEN,
            )
        patient = request.user.patient_profile
        serializer = api.MedicationSerializer(data=request.data, context={"patient": patient})
        serializer.is_valid(raise_exception=True)
        medication = services.medication_create(
            patient=patient,
            name=serializer.validated_data["name"],
            medication_class=serializer.validated_data["medication_class"],
        )
        return Response(api.MedicationSerializer(medication).data, status=status.HTTP_201_CREATED)


# Injections -----------------------------------------------------------------------------------


class InjectionListMixin:
    def list_response(self, patient: PatientProfile) -> Response:
        sessions = selectors.injection_sessions(patient=patient)
        return Response(api.InjectionSessionSerializer(sessions, many=True).data)

    def create_response(self, request, patient: PatientProfile) -> Response:
        serializer = api.InjectionSessionSerializer(data=request.data, context={"patient": patient})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        site_input = api.InjectionSiteSerializer()
        session = services.injection_session_record(
            patient=patient,
            recorded_by=request.user,
            injected_on=data["date"],
            total_units=data["total_units"],
            paradigm=data["paradigm"],
            sites=[site_input.to_site_dose(site) for site in data.get("sites", [])],
            product=data.get("product") or "onabotulinumtoxinA",
            injector=data.get("injector", ""),
            lot=data.get("lot", ""),
            planned_interval_weeks=data["planned_interval_weeks"],
            notes=data.get("notes", ""),
            early_reason=data.get("early_reason", ""),
        )
        session = selectors.injection_sessions(patient=patient).get(pk=session.pk)
        return Response(
            api.InjectionSessionSerializer(session).data, status=status.HTTP_201_CREATED
        )


class InjectionListView(InjectionListMixin, APIView):
    permission_classes = [IsPatient]

    @extend_schema(responses=api.InjectionSessionSerializer(many=True))
    def get(self, request):
        return self.list_response(request.user.patient_profile)

    @extend_schema(
        request=api.InjectionSessionSerializer, responses={201: api.InjectionSessionSerializer}
    )
    def post(self, request):
        return self.create_response(request, request.user.patient_profile)


class PatientInjectionListView(InjectionListMixin, APIView):
    permission_classes = [IsClinicianElseNotFound]

    @extend_schema(responses=api.InjectionSessionSerializer(many=True))
    def get(self, request, patient_id: int):
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
        return self.list_response(patient)

    @extend_schema(
        request=api.InjectionSessionSerializer, responses={201: api.InjectionSessionSerializer}
    )
    def post(self, request, patient_id: int):
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        response = self.create_response(request, patient)
        record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
        return response


def injection_session_for(request, session_id: int) -> InjectionSession:
    """The session if the caller is its patient or a clinician linked (with MFA) to them."""
    user = request.user
    sessions = InjectionSession.objects.select_related("patient__user")
    if user.role == Role.PATIENT:
        return get_object_or_404(sessions, pk=session_id, patient=user.patient_profile)
    if IsClinician().has_permission(request, None):
        patients = selectors.patients_for_clinician(clinician_user=user)
        return get_object_or_404(sessions, pk=session_id, patient__in=patients)
    raise Http404


def _patients_in_reach(request):
    """The patients whose records the caller may read: their own, or their clinic's (with MFA)."""
    user = request.user
    if user.role == Role.PATIENT:
        return PatientProfile.objects.filter(pk=user.patient_profile.pk)
    if IsClinician().has_permission(request, None):
        return selectors.patients_for_clinician(clinician_user=user)
    return PatientProfile.objects.none()


class InjectionDetailView(APIView):
    """One session: the clinic corrects it (a patient their own unconfirmed report), keeping
    every earlier version, or voids it as entered in error."""

    schema = DeleteWithBodySchema()

    def get_session(self, request, session_id: int) -> InjectionSession:
        return get_object_or_404(
            InjectionSession.objects.select_related("patient__user")
            .prefetch_related("sites", "side_effects")
            .filter(patient__in=_patients_in_reach(request)),
            pk=session_id,
        )

    def check_may_change(self, request, session: InjectionSession) -> None:
        if request.user.role == Role.PATIENT and session.confirmed:
            raise PermissionDenied("Your clinic keeps this record; ask them to correct it.")

    @extend_schema(responses=api.InjectionSessionSerializer)
    def get(self, request, session_id: int):
        session = self.get_session(request, session_id)
        record_access(request, patient=session.patient, action=AccessEvent.Action.VIEW)
        return Response(api.InjectionSessionSerializer(session).data)

    @extend_schema(
        request=api.InjectionSessionUpdateSerializer,
        responses=api.InjectionSessionSerializer,
        description="Changes the record and keeps the earlier version (see history/). A new "
        f"date less than {MIN_INTERVAL_WEEKS} weeks from another session needs early_reason.",
    )
    def patch(self, request, session_id: int):
        session = self.get_session(request, session_id)
        self.check_may_change(request, session)
        serializer = api.InjectionSessionUpdateSerializer(
            session, data=request.data, context={"patient": session.patient}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        site_input = api.InjectionSiteSerializer()
        sites = data.pop("sites", None)
        if not data and sites is None:
            raise serializers.ValidationError({"non_field_errors": ["Nothing to change."]})
        services.injection_session_update(
            session=session,
            changed_by=request.user,
            changes={k: v for k, v in data.items() if k in services.INJECTION_FIELDS},
            sites=None if sites is None else [site_input.to_site_dose(site) for site in sites],
        )
        record_access(request, patient=session.patient, action=AccessEvent.Action.CHANGE)
        session = self.get_session(request, session_id)
        return Response(api.InjectionSessionSerializer(session).data)

    @extend_schema(request=api.InjectionVoidSerializer, responses={204: None})
    def delete(self, request, session_id: int):
        session = self.get_session(request, session_id)
        self.check_may_change(request, session)
        serializer = api.InjectionVoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.injection_session_void(
            session=session, voided_by=request.user, reason=serializer.validated_data["reason"]
        )
        record_access(request, patient=session.patient, action=AccessEvent.Action.CHANGE)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InjectionHistoryView(APIView):
    @extend_schema(responses=api.InjectionVersionSerializer(many=True))
    def get(self, request, session_id: int):
        session = get_object_or_404(
            selectors.injection_session_with_voided(
                session_id=session_id, patients=_patients_in_reach(request)
            )
        )
        record_access(request, patient=session.patient, action=AccessEvent.Action.VIEW)
        versions = selectors.injection_history(session=session)
        return Response(api.InjectionVersionSerializer(versions, many=True).data)


class SideEffectListView(APIView):
    @extend_schema(responses=api.SideEffectSerializer(many=True))
    def get(self, request, session_id: int):
        session = injection_session_for(request, session_id)
        record_access(request, patient=session.patient, action=AccessEvent.Action.VIEW)
        return Response(api.SideEffectSerializer(session.side_effects.all(), many=True).data)

    @extend_schema(
        request=api.SideEffectSerializer, responses={201: api.SideEffectCreatedSerializer}
    )
    def post(self, request, session_id: int):
        session = injection_session_for(request, session_id)
        serializer = api.SideEffectSerializer(data=request.data, context={"session": session})
        serializer.is_valid(raise_exception=True)
        report = services.side_effect_report_create(
            session=session, reported_by=request.user, **serializer.validated_data
        )
        record_access(request, patient=session.patient, action=AccessEvent.Action.CHANGE)
        return Response(
            api.SideEffectCreatedSerializer(report).data, status=status.HTTP_201_CREATED
        )


# Clinicians -----------------------------------------------------------------------------------


class PatientListView(APIView):
    permission_classes = [IsClinician]

    @extend_schema(
        parameters=LIST_PAGE_PARAMETERS, responses=api.LinkedPatientSerializer(many=True)
    )
    def get(self, request):
        patients, total, limit, offset = list_page(
            request, selectors.linked_patients_summary(clinician_user=request.user)
        )
        record_accesses(request, patients=patients, action=AccessEvent.Action.VIEW)
        return paged_response(
            request,
            [
                {
                    "id": patient.pk,
                    "display_name": str(patient.user),
                    "email": patient.user.email,
                    "timezone": patient.user.timezone,
                    "last_entry_date": patient.last_entry_date,
                    "open_flags": patient.open_flags,
                }
                for patient in patients
            ],
            total=total,
            limit=limit,
            offset=offset,
        )


class PatientDiaryListView(APIView):
    permission_classes = [IsClinicianElseNotFound]

    @extend_schema(
        parameters=DIARY_RANGE_PARAMETERS, responses=api.DiaryDayOutputSerializer(many=True)
    )
    def get(self, request, patient_id: int):
        patient = selectors.patient_for_clinician(
            clinician_user=request.user, patient_id=patient_id
        )
        date_from, date_to = diary_range(request, user=patient.user)
        record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
        days = selectors.diary_days(patient=patient, date_from=date_from, date_to=date_to)
        rule = patient.headache_day_rule
        return Response([api.diary_day_representation(day, rule=rule) for day in days])


class FlagListView(GenericAPIView):
    permission_classes = [IsClinician]
    serializer_class = api.ReviewFlagSerializer

    @extend_schema(
        operation_id="v1_flags_list",
        parameters=[
            OpenApiParameter("status", str, enum=[choice for choice, _ in FlagStatus.choices]),
            OpenApiParameter(
                "assignee",
                str,
                pattern=r"^(me|none|[0-9]{1,18})$",
                description="'me' (the caller), 'none' (unassigned) or a member's id.",
            ),
            *LIST_PAGE_PARAMETERS,
        ],
    )
    def get(self, request):
        flags = selectors.flags_for_clinician(clinician_user=request.user)
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in FlagStatus.values:
                raise serializers.ValidationError(
                    {"status": [f"Use one of {', '.join(FlagStatus.values)}."]}
                )
            flags = flags.filter(status=wanted)
        assignee = request.query_params.get("assignee")
        if assignee is not None:
            if assignee == "me":
                flags = flags.filter(assignee__clinician__user=request.user)
            elif assignee == "none":
                flags = flags.filter(assignee__isnull=True)
            elif assignee.isdigit() and len(assignee) <= 18:
                flags = flags.filter(assignee_id=int(assignee))
            else:
                raise serializers.ValidationError(
                    {"assignee": ["Use 'me', 'none' or a member's id."]}
                )
        page, total, limit, offset = list_page(request, flags)
        record_accesses(
            request, patients=[flag.patient for flag in page], action=AccessEvent.Action.VIEW
        )
        return paged_response(
            request,
            # A ListSerializer's data, a list (see MeAccessLogView).
            cast(list[Any], api.ReviewFlagSerializer(page, many=True).data),
            total=total,
            limit=limit,
            offset=offset,
        )


class FlagDetailView(APIView):
    permission_classes = [IsClinicianElseNotFound]

    def get_flag(self, request, flag_id: int) -> ReviewFlag:
        return get_object_or_404(
            selectors.flags_for_clinician(clinician_user=request.user), pk=flag_id
        )

    @extend_schema(responses=api.ReviewFlagSerializer)
    def get(self, request, flag_id: int):
        flag = self.get_flag(request, flag_id)
        record_access(request, patient=flag.patient, action=AccessEvent.Action.VIEW)
        return Response(api.ReviewFlagSerializer(flag).data)

    @extend_schema(request=api.ReviewFlagUpdateSerializer, responses=api.ReviewFlagSerializer)
    def patch(self, request, flag_id: int):
        flag = self.get_flag(request, flag_id)
        serializer = api.ReviewFlagUpdateSerializer(data=request.data, context={"flag": flag})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "assignee" in data:
            assignee_id = data.pop("assignee")
            services.review_flag_assign(
                flag=flag,
                assignee=None
                if assignee_id is None
                else selectors.clinic_members_for_patient(patient=flag.patient).get(pk=assignee_id),
            )
        if "status" in data:
            flag = services.review_flag_update(flag=flag, reviewer=request.user, **data)
        record_access(request, patient=flag.patient, action=AccessEvent.Action.CHANGE)
        return Response(api.ReviewFlagSerializer(flag).data)
