"""Writes: every change to the domain goes through these functions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from diary.models import (
    RED_FLAG_SIDE_EFFECTS,
    AccessEvent,
    CareLink,
    ClinicianProfile,
    DiaryDay,
    FlagKind,
    FlagStatus,
    InjectionSession,
    InjectionSite,
    Medication,
    MedicationIntake,
    PatientProfile,
    ReviewFlag,
    SideEffectReport,
    User,
)
from diary.paradigms import PREEMPT_SITES, SiteDose, injection_pattern_errors
from diary.reminders.services import reminder_schedule_refresh, side_effect_red_flag_notify

# Crockford's base32 without I, L, O, U: easy to read aloud and type.
CARE_LINK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CARE_LINK_CODE_LENGTH = 12


def patient_profile_create(*, user: User) -> PatientProfile:
    profile, _ = PatientProfile.objects.get_or_create(user=user)
    reminder_schedule_refresh(patient=profile)
    return profile


def clinician_create(
    *, email: str, password: str | None, display_name: str = "", clinic: str = ""
) -> ClinicianProfile:
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, display_name=display_name)
        return ClinicianProfile.objects.create(user=user, clinic=clinic)


def account_erase(*, user: User) -> None:
    """Erase an account and, through cascades, every diary day, injection, flag and link.

    Other sessions of the user die with it: Django and allauth resolve a session's user by id
    and password hash, and ids are never reused.
    """
    user.delete()


def account_close(*, user: User) -> None:
    """Close an account: nobody signs in to it, and it is erased when the retention ends."""
    User.objects.filter(pk=user.pk, closed_at__isnull=True).update(
        is_active=False, closed_at=timezone.now()
    )


def closed_accounts_erase(*, now: datetime | None = None) -> int:
    """Erase accounts closed longer ago than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - settings.CLOSED_ACCOUNT_RETENTION
    erased = 0
    for user in User.objects.filter(closed_at__lt=cutoff, is_active=False).iterator():
        account_erase(user=user)
        erased += 1
    return erased


# Care links -----------------------------------------------------------------------------------


def care_link_code_digest(code: str) -> str:
    normalized = code.upper().replace("-", "").replace(" ", "")
    return hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def care_link_create(*, patient: PatientProfile) -> tuple[CareLink, str]:
    """Make a one-time code the patient hands to a clinician; only its digest is stored."""
    raw = "".join(secrets.choice(CARE_LINK_ALPHABET) for _ in range(CARE_LINK_CODE_LENGTH))
    code = "-".join(raw[i : i + 4] for i in range(0, CARE_LINK_CODE_LENGTH, 4))
    link = CareLink.objects.create(
        patient=patient,
        code_digest=care_link_code_digest(code),
        expires_at=timezone.now() + settings.CARE_LINK_CODE_TTL,
    )
    return link, code


def care_link_redeem(*, clinician: ClinicianProfile, code: str) -> CareLink:
    now = timezone.now()
    with transaction.atomic():
        link = (
            CareLink.objects.select_for_update()
            .filter(code_digest=care_link_code_digest(code))
            .first()
        )
        if link is None or link.revoked_at or link.redeemed_at or link.expires_at <= now:
            raise ValidationError({"code": ["This code is not valid, used or expired."]})
        already = CareLink.objects.active().filter(patient=link.patient, clinician=clinician)
        if already.exists():
            raise ValidationError({"code": ["You are already linked with this patient."]})
        link.clinician = clinician
        link.redeemed_at = now
        link.save(update_fields=["clinician", "redeemed_at"])
    return link


def care_link_revoke(*, link: CareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


# Diary ----------------------------------------------------------------------------------------


class StaleRevision(Exception):
    """The client's If-Match names a revision that is no longer current."""


@dataclass(frozen=True)
class DiaryDayFacts:
    headache: bool
    duration_hours: Decimal | None = None
    peak_severity: int = 0
    features: frozenset[str] = frozenset()
    disability: int = 0
    notes: str = ""
    intakes: tuple[tuple[int, int], ...] = field(default=())  # (medication id, doses)


_UPSERT_COLUMNS = (
    "headache",
    "duration_hours",
    "peak_severity",
    *DiaryDay.FEATURES,
    "disability",
    "notes",
)


_TABLE = DiaryDay._meta.db_table
# Identifiers come from the model; every value is a query parameter.
_UPSERT_SQL = (
    f"INSERT INTO {_TABLE} (patient_id, date, {', '.join(_UPSERT_COLUMNS)}, revision, "  # noqa: S608  # nosec B608
    f"created_at, updated_at) VALUES (%s, %s, {', '.join(['%s'] * len(_UPSERT_COLUMNS))}, 1, "
    f"%s, %s) ON CONFLICT (patient_id, date) DO UPDATE SET "
    f"{', '.join(f'{column} = excluded.{column}' for column in _UPSERT_COLUMNS)}, "
    f"revision = {_TABLE}.revision + 1, updated_at = excluded.updated_at "
    f"RETURNING id, revision, created_at"
)
_INSERT_ONLY_SQL = (
    _UPSERT_SQL[: _UPSERT_SQL.index(" ON CONFLICT")]
    + " ON CONFLICT (patient_id, date) DO NOTHING RETURNING id, revision, created_at"
)
_CONDITIONAL_UPDATE_SQL = (
    f"UPDATE {_TABLE} SET {', '.join(f'{column} = %s' for column in _UPSERT_COLUMNS)}, "  # noqa: S608  # nosec B608
    f"revision = revision + 1, updated_at = %s "
    f"WHERE patient_id = %s AND date = %s AND id = %s AND revision = %s "
    f"RETURNING id, revision, created_at"
)


def _fact_values(facts: DiaryDayFacts) -> list:
    return [
        facts.headache,
        facts.duration_hours,
        facts.peak_severity,
        *(feature in facts.features for feature in DiaryDay.FEATURES),
        facts.disability,
        facts.notes,
    ]


def diary_day_upsert(
    *,
    patient: PatientProfile,
    day: date,
    facts: DiaryDayFacts,
    expected_revision: tuple[int, int] | None = None,
    create_only: bool = False,
) -> tuple[DiaryDay, bool]:
    """Create or replace one day in a single statement, safe under concurrent retries.

    With ``expected_revision`` (the day's id and revision from its ETag) the write happens only
    if the stored day is still that version, else ``StaleRevision`` is raised and nothing changes.
    With ``create_only`` (If-None-Match: *) it happens only if the day does not exist yet.
    """
    now = timezone.now()
    with transaction.atomic():
        if create_only:
            sql = _INSERT_ONLY_SQL
            params = [patient.pk, day, *_fact_values(facts), now, now]
        elif expected_revision is None:
            sql = _UPSERT_SQL
            params = [patient.pk, day, *_fact_values(facts), now, now]
        else:
            sql = _CONDITIONAL_UPDATE_SQL
            params = [*_fact_values(facts), now, patient.pk, day, *expected_revision]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            raise StaleRevision
        day_id, revision, created_at = row
        MedicationIntake.objects.filter(diary_day_id=day_id).delete()
        if facts.intakes:
            MedicationIntake.objects.bulk_create(
                MedicationIntake(diary_day_id=day_id, medication_id=medication_id, doses=doses)
                for medication_id, doses in facts.intakes
            )
    diary_day = DiaryDay(
        id=day_id,
        patient=patient,
        date=day,
        revision=revision,
        created_at=created_at,
        updated_at=now,
        headache=facts.headache,
        duration_hours=facts.duration_hours,
        peak_severity=facts.peak_severity,
        disability=facts.disability,
        notes=facts.notes,
        **{feature: feature in facts.features for feature in DiaryDay.FEATURES},
    )
    return diary_day, revision == 1


def diary_day_delete(*, patient: PatientProfile, day: date) -> bool:
    deleted, _ = DiaryDay.objects.filter(patient=patient, date=day).delete()
    if deleted:
        patient_data_changed(patient=patient)
    return bool(deleted)


def patient_data_changed(*, patient: PatientProfile) -> None:
    """Mark the patient for the next incremental scan (diary writes are found by updated_at)."""
    PatientProfile.objects.filter(pk=patient.pk).update(data_changed_at=timezone.now())


def medication_create(*, patient: PatientProfile, name: str, medication_class: str) -> Medication:
    return Medication.objects.create(
        owner=patient, name=name.strip(), medication_class=medication_class
    )


# Injections -----------------------------------------------------------------------------------


def injection_session_record(
    *,
    patient: PatientProfile,
    recorded_by: User,
    injected_on: date,
    total_units: Decimal,
    paradigm: str,
    sites: list[SiteDose],
    product: str = "onabotulinumtoxinA",
    injector: str = "",
    lot: str = "",
    planned_interval_weeks: int = 12,
    notes: str = "",
) -> InjectionSession:
    errors = injection_pattern_errors(
        paradigm=paradigm, total_units=total_units, sites=sites, notes=notes
    )
    if errors:
        raise ValidationError(errors)
    if paradigm == "preempt" and not sites:
        sites = list(PREEMPT_SITES)
    if InjectionSession.objects.filter(patient=patient, date=injected_on).exists():
        raise ValidationError({"date": ["A session is already recorded on this date."]})
    with transaction.atomic():
        session = InjectionSession.objects.create(
            patient=patient,
            date=injected_on,
            product=product,
            total_units=total_units,
            paradigm=paradigm,
            injector=injector,
            lot=lot,
            planned_interval_weeks=planned_interval_weeks,
            notes=notes,
            recorded_by=recorded_by,
        )
        InjectionSite.objects.bulk_create(
            InjectionSite(
                session=session,
                muscle=site.muscle,
                side=site.side,
                units=site.units,
                points=site.points,
            )
            for site in sites
        )
        patient_data_changed(patient=patient)
    return session


def side_effect_report_create(
    *,
    session: InjectionSession,
    reported_by: User,
    kind: str,
    onset_date: date,
    severity: int,
    notes: str = "",
) -> SideEffectReport:
    """Record a side effect; a red-flag kind opens a review flag at once, not at night."""
    with transaction.atomic():
        report = SideEffectReport.objects.create(
            session=session,
            kind=kind,
            onset_date=onset_date,
            severity=severity,
            notes=notes,
            reported_by=reported_by,
        )
        if kind in RED_FLAG_SIDE_EFFECTS:
            flag = review_flag_open(
                patient=session.patient,
                kind=FlagKind.SIDE_EFFECT_RED_FLAG,
                evidence={
                    "side_effect_id": report.pk,
                    "side_effect": kind,
                    "onset_date": onset_date.isoformat(),
                    "severity": severity,
                    "injection_date": session.date.isoformat(),
                },
            )
            side_effect_red_flag_notify(report=report, flag=flag)
        patient_data_changed(patient=session.patient)
    return report


# Audit ----------------------------------------------------------------------------------------


def access_event_record(
    *, actor: User, patient: PatientProfile, action: str, resource: str, ip_address: str | None
) -> None:
    """Record a view, export or change of a patient's data by anyone but the patient."""
    if actor.pk == patient.user_id:
        return
    AccessEvent.objects.create(
        patient=patient,
        actor=actor,
        actor_email=actor.email,
        action=action,
        resource=resource[:200],
        ip_address=ip_address,
    )


# Review flags ---------------------------------------------------------------------------------


def review_flag_open(*, patient: PatientProfile, kind: str, evidence: dict) -> ReviewFlag:
    """Open a flag unless one of that kind is already under review; then refresh its evidence."""
    under_review = ReviewFlag.objects.filter(
        patient=patient, kind=kind, status__in=[FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]
    ).first()
    if under_review is not None:
        under_review.evidence = evidence
        under_review.save(update_fields=["evidence", "updated_at"])
        return under_review
    try:
        with transaction.atomic():
            return ReviewFlag.objects.create(patient=patient, kind=kind, evidence=evidence)
    except IntegrityError:
        # A concurrent scan opened it first.
        return ReviewFlag.objects.get(
            patient=patient, kind=kind, status__in=[FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]
        )


def review_flag_update(
    *, flag: ReviewFlag, reviewer: User, status: str, note: str = "", decision: str = ""
) -> ReviewFlag:
    flag.status = status
    if note:
        flag.note = note
    if decision:
        flag.decision = decision
    flag.reviewed_by = reviewer
    flag.reviewed_at = timezone.now()
    flag.save(
        update_fields=["status", "note", "decision", "reviewed_by", "reviewed_at", "updated_at"]
    )
    return flag
