"""Reads: what each person may see. Anything outside a caller's reach is simply not found."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from diary.analytics.day_classes import DayClasses, classify_day, day_facts
from diary.analytics.relief import IntakeAnswers
from diary.models import (
    UNDER_REVIEW,
    CareLink,
    Clinic,
    ClinicMember,
    DiaryDay,
    DiaryDayRevision,
    FlagStatus,
    InjectionSession,
    InjectionSessionVersion,
    Medication,
    MedicationIntake,
    PatientProfile,
    ReportSignOff,
    ReviewFlag,
    Role,
    User,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def local_today(*, user: User) -> date:
    return timezone.now().astimezone(user.zone).date()


def patients_for_clinician(*, clinician_user: User) -> QuerySet[PatientProfile]:
    # A code redeemed by any member links the whole clinic: every member sees the patient.
    return PatientProfile.objects.filter(
        care_links__clinic__members__clinician__user=clinician_user,
        care_links__clinician__isnull=False,
        care_links__revoked_at__isnull=True,
    ).distinct()


def patient_for_clinician(*, clinician_user: User, patient_id: int | str) -> PatientProfile:
    if clinician_user.role != Role.CLINICIAN:
        raise Http404
    try:
        return (
            patients_for_clinician(clinician_user=clinician_user)
            .select_related("user")
            .get(pk=int(patient_id))
        )
    except (PatientProfile.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def care_links_for(*, user: User) -> QuerySet[CareLink]:
    links = CareLink.objects.select_related("patient__user", "clinician__user").order_by(
        "-created_at"
    )
    if user.role == Role.PATIENT:
        return links.filter(patient=user.patient_profile)
    if user.role == Role.CLINICIAN:
        return links.filter(clinic__members__clinician=user.clinician_profile)
    return links.none()


def diary_days(
    *, patient: PatientProfile, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[DiaryDay]:
    days = DiaryDay.objects.filter(patient=patient).prefetch_related(
        Prefetch(
            "intakes",
            queryset=MedicationIntake.objects.select_related("medication").order_by("id"),
        )
    )
    if date_from is not None:
        days = days.filter(date__gte=date_from)
    if date_to is not None:
        days = days.filter(date__lte=date_to)
    return days.order_by("date")


def diary_day_classes(
    *, day: DiaryDay, rule: str, intakes: list[MedicationIntake] | None = None
) -> DayClasses:
    """The day classes of a stored day (its intakes prefetched with their medicines)."""
    intakes = list(day.intakes.all()) if intakes is None else intakes
    return classify_day(
        day_facts(
            headache=day.headache,
            duration_hours=day.duration_hours,
            duration_band=day.duration_band or None,
            peak_severity=day.peak_severity,
            features=[name for name in DiaryDay.FEATURES if getattr(day, name)],
            medication_classes=[intake.medication.medication_class for intake in intakes],
        ),
        rule=rule,
    )


def diary_day_versions(*, patient: PatientProfile, day: date) -> list[DiaryDayRevision]:
    """The kept earlier versions of one day, newest first."""
    return list(DiaryDayRevision.objects.filter(patient=patient, date=day).order_by("-id"))


def intake_relief_answers(
    *, patient: PatientProfile, date_from: date, date_to: date
) -> list[IntakeAnswers]:
    """The patient's intakes in the range, counted by medicine and "did it help?" answer."""
    rows = (
        MedicationIntake.objects.filter(
            diary_day__patient=patient, diary_day__date__range=(date_from, date_to)
        )
        .values("medication_id", "medication__name", "medication__medication_class", "relief")
        .annotate(intakes=Count("id"))
        .order_by()
    )
    return [
        IntakeAnswers(
            medication_id=row["medication_id"],
            name=row["medication__name"],
            medication_class=row["medication__medication_class"],
            relief=row["relief"],
            intakes=row["intakes"],
        )
        for row in rows
    ]


def medications_visible_to(*, patient: PatientProfile | None) -> QuerySet[Medication]:
    if patient is None:
        return Medication.objects.filter(owner__isnull=True)
    return Medication.objects.filter(owner__isnull=True) | Medication.objects.filter(owner=patient)


def injection_sessions(*, patient: PatientProfile) -> QuerySet[InjectionSession]:
    return (
        InjectionSession.objects.filter(patient=patient)
        .prefetch_related("sites", "side_effects")
        .order_by("date")
    )


def flags_for_clinician(*, clinician_user: User) -> QuerySet[ReviewFlag]:
    return ReviewFlag.objects.filter(
        patient__in=patients_for_clinician(clinician_user=clinician_user)
    ).select_related("patient__user")


def access_log(*, patient: PatientProfile):
    return patient.access_events.values(
        "at", "actor_email", "action", "resource", "ip_address"
    ).order_by("-at")


# Clinics and corrected records -------------------------------------------------------------


def clinic_membership_of(*, clinician_user: User) -> ClinicMember | None:
    members = ClinicMember.objects.select_related("clinic")
    return members.filter(clinician__user=clinician_user).first()


def clinic_members(*, clinic: Clinic) -> QuerySet[ClinicMember]:
    return clinic.members.select_related("clinician__user").order_by("role", "id")


def linked_patients_summary(*, clinician_user: User) -> QuerySet[PatientProfile]:
    """The clinic's patients with what the patient list shows beside each: open flags first."""
    return (
        patients_for_clinician(clinician_user=clinician_user)
        .select_related("user")
        .annotate(
            last_entry_date=Max("diary_days__date"),
            open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN), distinct=True),
        )
        .order_by("-open_flags", "user__email")
    )


def injection_history(*, session: InjectionSession) -> QuerySet[InjectionSessionVersion]:
    return session.versions.select_related("changed_by").order_by("number")


def injection_session_with_voided(*, session_id: int, patients: QuerySet[PatientProfile]):
    """A session by id among these patients' records, voided ones included (for its history)."""
    return InjectionSession.with_voided.select_related("patient__user").filter(
        pk=session_id, patient__in=patients
    )


def clinic_members_for_patient(*, patient: PatientProfile) -> QuerySet[ClinicMember]:
    """Members of every clinic the patient shares the diary with: who a flag may go to."""
    return ClinicMember.objects.filter(
        clinic__care_links__patient=patient,
        clinic__care_links__clinician__isnull=False,
        clinic__care_links__revoked_at__isnull=True,
    ).distinct()


class TriageCounts(TypedDict):
    """What ``triage_patients`` adds to each patient."""

    under_review: int


def triage_patients(
    *, clinician_user: User
) -> QuerySet[WithAnnotations[PatientProfile, TriageCounts]]:
    """The clinic's patients for the triage list, each with the count of flags under review."""
    return (
        patients_for_clinician(clinician_user=clinician_user)
        .select_related("user")
        .annotate(
            under_review=Count("flags", filter=Q(flags__status__in=UNDER_REVIEW), distinct=True)
        )
    )


def flags_under_review_by_patient(*, clinician_user: User) -> dict[int, list[ReviewFlag]]:
    flags: dict[int, list[ReviewFlag]] = {}
    under_review = flags_for_clinician(clinician_user=clinician_user)
    for flag in under_review.filter(status__in=UNDER_REVIEW):
        flags.setdefault(flag.patient_id, []).append(flag)
    return flags


def report_sign_off_for(*, patient: PatientProfile, as_of: date, kind: str) -> ReportSignOff | None:
    """The latest sign-off of the patient's report of that kind as of that day."""
    return patient.sign_offs.filter(kind=kind, as_of=as_of).order_by("-signed_at").first()
