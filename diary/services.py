"""Writes: every change to the domain goes through these functions."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from diary.analytics.baseline import FrozenBaseline
from diary.erasure import account_traces_erase
from diary.models import (
    RED_FLAG_SIDE_EFFECTS,
    UNDER_REVIEW,
    CareLink,
    Clinic,
    ClinicianProfile,
    ClinicMember,
    ClinicRole,
    DiaryDay,
    DiaryDayRevision,
    FlagKind,
    FlagStatus,
    InjectionChange,
    InjectionSession,
    InjectionSessionVersion,
    InjectionSite,
    InjectionSource,
    Medication,
    MedicationAlias,
    MedicationIntake,
    PatientProfile,
    RecalledBaselineSource,
    ReportKind,
    ReportSignOff,
    ReviewFlag,
    SideEffectReport,
    TreatmentBaseline,
    User,
)
from diary.paradigms import (
    MIN_INTERVAL_WEEKS,
    PREEMPT_SITES,
    SiteDose,
    injection_pattern_errors,
    interval_too_short,
    matches_self_report,
)
from diary.reminders.services import reminder_schedule_refresh, side_effect_red_flag_notify

# Crockford's base32 without I, L, O, U: easy to read aloud and type.
CARE_LINK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CARE_LINK_CODE_LENGTH = 12


def patient_profile_create(*, user: User) -> PatientProfile:
    profile, _ = PatientProfile.objects.get_or_create(user=user)
    reminder_schedule_refresh(patient=profile)
    return profile


USER_SETTINGS = ("display_name", "timezone")
PATIENT_SETTINGS = (
    "reminder_time",
    "reminder_channels",
    "reminders_enabled",
    "weekly_nudge_enabled",
    "treatment_messages_enabled",
    "headache_day_rule",
    "onboarded",
    "preventive_medicines_note",
)


def profile_update(*, user: User, changes: dict[str, Any]) -> User:
    """Apply a person's own settings (already validated); a patient's reminders follow them.

    A recalled baseline given here is the patient's own recollection, kept marked so; a figure
    the clinic entered is theirs to change.
    """
    user_fields = [name for name in USER_SETTINGS if name in changes]
    profile = getattr(user, "patient_profile", None)
    profile_fields = [name for name in PATIENT_SETTINGS if name in changes]
    with transaction.atomic():
        for name in user_fields:
            setattr(user, name, changes[name])
        if user_fields:
            user.save(update_fields=user_fields)
        if profile is None:
            return user
        for name in profile_fields:
            setattr(profile, name, changes[name])
        if "recalled_baseline_headache_days" in changes:
            profile_fields += _patient_recalled_baseline_set(
                profile=profile, headache_days=changes["recalled_baseline_headache_days"]
            )
        if profile_fields:
            profile.save(update_fields=profile_fields)
        if user_fields or profile_fields:
            reminder_schedule_refresh(patient=profile)
    return user


def _patient_recalled_baseline_set(
    *, profile: PatientProfile, headache_days: int | None
) -> list[str]:
    if profile.recalled_baseline_source == RecalledBaselineSource.CLINICIAN:
        raise ValidationError(
            {
                "recalled_baseline_headache_days": [
                    "Your clinic entered this figure; ask them to change it."
                ]
            }
        )
    profile.recalled_baseline_headache_days = headache_days
    profile.recalled_baseline_source = (
        "" if headache_days is None else RecalledBaselineSource.PATIENT
    )
    profile.recalled_baseline_entered_at = None if headache_days is None else timezone.now()
    return [
        "recalled_baseline_headache_days",
        "recalled_baseline_source",
        "recalled_baseline_entered_at",
    ]


def clinician_create(
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    clinic: str = "",
    role: str = ClinicRole.CLINICIAN,
) -> ClinicianProfile:
    """A clinician or nurse, member of the clinic named (created when new), else of their own."""
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, display_name=display_name)
        profile = ClinicianProfile.objects.create(user=user, clinic=clinic)
        clinic_member_add(clinician=profile, clinic_name=clinic or None, role=role)
        return profile


# Clinics --------------------------------------------------------------------------------------


def own_clinic_name(*, clinician: ClinicianProfile) -> str:
    wanted = clinician.clinic.strip() or clinician.user.email
    if Clinic.objects.filter(name=wanted).exists():
        wanted = f"{wanted} ({clinician.user.email})"
    return wanted


def clinic_member_add(
    *, clinician: ClinicianProfile, clinic_name: str | None, role: str = ClinicRole.CLINICIAN
) -> ClinicMember:
    """Put a clinician in the named clinic (created when new) or, with no name, in one of
    their own."""
    if clinic_name:
        clinic, _ = Clinic.objects.get_or_create(name=clinic_name.strip())
    else:
        clinic = Clinic.objects.create(name=own_clinic_name(clinician=clinician))
    return ClinicMember.objects.create(clinic=clinic, clinician=clinician, role=role)


def clinic_membership(*, clinician: ClinicianProfile) -> ClinicMember:
    """The clinician's membership; a profile made outside clinician_create (the admin) gets a
    clinic of its own the first time it needs one."""
    try:
        return ClinicMember.objects.select_related("clinic").get(clinician=clinician)
    except ClinicMember.DoesNotExist:
        return clinic_member_add(clinician=clinician, clinic_name=None)


def account_erase(*, user: User) -> None:
    """Erase an account and, through cascades, every diary day, injection, flag and link.

    Other sessions of the user die with it: Django and allauth resolve a session's user by id
    and password hash, and ids are never reused. Their rows, cached trends and the admin log's
    text are erased too (``diary.erasure``).
    """
    account_traces_erase(user=user)
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


CODE_UNKNOWN = "No sharing code matches this one. Check it with the patient, letter by letter."
CODE_USED = "This code was already used. Ask the patient for a new one in the diary app."
CODE_WITHDRAWN = "The patient withdrew this code. Ask them for a new one."
CODE_EXPIRED = "This code expired {when}. Ask the patient for a new one in the diary app."


def care_link_redeem(*, clinician: ClinicianProfile, code: str) -> CareLink:
    """Link the patient to the redeeming member's whole clinic."""
    now = timezone.now()
    member = clinic_membership(clinician=clinician)
    with transaction.atomic():
        link = (
            CareLink.objects.select_for_update()
            .filter(code_digest=care_link_code_digest(code))
            .first()
        )
        if link is None:
            raise ValidationError({"code": [CODE_UNKNOWN]})
        if link.redeemed_at:
            raise ValidationError({"code": [CODE_USED]})
        if link.revoked_at:
            raise ValidationError({"code": [CODE_WITHDRAWN]})
        if link.expires_at <= now:
            when = timezone.localtime(link.expires_at).strftime("on %d %b %Y at %H:%M")
            raise ValidationError({"code": [CODE_EXPIRED.format(when=when)]})
        already = CareLink.objects.active().filter(patient=link.patient, clinic=member.clinic)
        if already.exists():
            raise ValidationError(
                {"code": [f"{member.clinic} is already linked with this patient."]}
            )
        link.clinician = clinician
        link.clinic = member.clinic
        link.redeemed_at = now
        link.save(update_fields=["clinician", "clinic", "redeemed_at"])
    return link


def care_link_revoke(*, link: CareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


# Diary ----------------------------------------------------------------------------------------


class StaleRevision(Exception):
    """The client's If-Match names a revision that is no longer current."""


# A medicine as a diary entry names it: its id, or its name as the patient typed it.
MedicationReference = int | str


@dataclass(frozen=True)
class DiaryDayFacts:
    headache: bool
    duration_hours: Decimal | None = None
    peak_severity: int = 0
    features: frozenset[str] = frozenset()
    disability: int = 0
    notes: str = ""
    intakes: tuple[tuple[MedicationReference, int], ...] = field(default=())  # (medicine, doses)
    duration_band: str = ""  # instead of hours; "" when hours were given or none
    duration_known: bool = True  # False only for an imported headache without any duration
    menstruation: bool | None = None
    # "Did it help?" of each listed intake, in the order of ``intakes`` ("" not answered);
    # empty when none was answered.
    reliefs: tuple[str, ...] = field(default=())

    def relief(self, position: int) -> str:
        return self.reliefs[position] if self.reliefs else ""


class UnknownMedications(Exception):
    """Some medicines a day lists are not visible to the patient, or are listed twice."""

    def __init__(self, errors: list[dict[str, list[str]]]):
        super().__init__(errors)
        self.errors = errors  # one entry per listed medicine, in order; {} where it was fine


class DiaryDayWritten(NamedTuple):
    day: DiaryDay
    created: bool
    intakes: list[MedicationIntake]  # with their medicines, in the order the entry listed them


_UPSERT_COLUMNS = (
    "headache",
    "duration_hours",
    "duration_band",
    "duration_known",
    "peak_severity",
    *DiaryDay.FEATURES,
    "disability",
    "notes",
    "menstruation",
)
_DAY = DiaryDay._meta.db_table
_INTAKE = MedicationIntake._meta.db_table
_MEDICATION = Medication._meta.db_table
_ALIAS = MedicationAlias._meta.db_table
_PROFILE = PatientProfile._meta.db_table
_REVISION = DiaryDayRevision._meta.db_table

# Identifiers below come from the models; every value is a query parameter.
_DAY_VALUES = ", ".join(
    ["%s"] * (len(_UPSERT_COLUMNS) + 5)
)  # patient, date, facts, times, revision
_DAY_INSERT = (
    f"INSERT INTO {_DAY} (patient_id, date, {', '.join(_UPSERT_COLUMNS)}, created_at, "  # nosec B608
    f"updated_at, revision)"
)
_ON_CONFLICT_REPLACE = (
    f"ON CONFLICT (patient_id, date) DO UPDATE SET "  # nosec B608
    f"{', '.join(f'{column} = excluded.{column}' for column in _UPSERT_COLUMNS)}, "
    f"revision = {_DAY}.revision + 1, updated_at = excluded.updated_at"
)
_CONDITIONAL_UPDATE = (
    f"UPDATE {_DAY} SET {', '.join(f'{column} = %s' for column in _UPSERT_COLUMNS)}, "  # noqa: S608  # nosec B608
    f"revision = revision + 1, updated_at = %s "
    f"WHERE patient_id = %s AND date = %s"
)
_RETURNING = "RETURNING id, revision, created_at"


def _fact_values(facts: DiaryDayFacts) -> list:
    return [
        facts.headache,
        facts.duration_hours,
        facts.duration_band,
        facts.duration_known,
        facts.peak_severity,
        *(feature in facts.features for feature in DiaryDay.FEATURES),
        facts.disability,
        facts.notes,
        facts.menstruation,
    ]


def _resolution_ctes(patient_id: int, references: list[MedicationReference]) -> tuple[str, list]:
    """CTEs ending in ``resolved``: each listed medicine the patient can see, by position.

    The rule, in SQL so one statement can both check and write: an id names that medicine; a
    name (any case) names the patient's own medicine of that name, else the catalogue's, else
    the catalogue medicine it is a brand of (``MedicationAlias``).
    """
    params: list = []
    if references:
        rows = []
        for position, reference in enumerate(references):
            rows.append("(CAST(%s AS integer), CAST(%s AS bigint), CAST(%s AS text))")
            if isinstance(reference, int):
                params += [position, reference, None]
            else:
                params += [position, None, reference.lower()]
        wanted = f"wanted (position, ref_id, ref_name) AS (VALUES {', '.join(rows)})"
    else:
        wanted = (
            "wanted (position, ref_id, ref_name) AS "
            "(SELECT CAST(0 AS integer), CAST(NULL AS bigint), CAST(NULL AS text) WHERE 1 = 0)"
        )
    visible = "(m.owner_id IS NULL OR m.owner_id = %s)"
    by_name = any(isinstance(r, str) for r in references)
    # Only the lookups the entry needs: by id (the app's usual case), by name, or both.
    lookups = [
        f"SELECT w.position, m.id, m.name, m.medication_class, m.owner_id, "  # noqa: S608  # nosec B608
        f"{via_alias} AS via_alias FROM wanted w JOIN {join} WHERE {visible}"
        for join, via_alias, needed in (
            (
                f"{_MEDICATION} m ON m.id = w.ref_id",
                0,
                not references or any(isinstance(r, int) for r in references),
            ),
            (f"{_MEDICATION} m ON lower(m.name) = w.ref_name", 0, by_name),
            (
                f"{_ALIAS} a ON lower(a.name) = w.ref_name "
                f"JOIN {_MEDICATION} m ON m.id = a.medication_id",
                1,
                by_name,
            ),
        )
        if needed
    ]
    sql = (
        f"{wanted}, matched AS ({' UNION ALL '.join(lookups)}), ranked AS ("  # noqa: S608  # nosec B608
        f"SELECT position, id, name, medication_class, ROW_NUMBER() OVER "
        f"(PARTITION BY position ORDER BY owner_id IS NULL, via_alias, id) AS preference "
        f"FROM matched"
        f"), resolved AS ("
        f"SELECT position, id, name, medication_class FROM ranked WHERE preference = 1)"
    )
    return sql, [*params, *[patient_id] * len(lookups)]


def _medication_errors(
    references: list[MedicationReference], resolved: dict[int, Medication]
) -> list[dict[str, list[str]]]:
    errors: list[dict[str, list[str]]] = []
    seen: set[int] = set()
    for position, reference in enumerate(references):
        medication = resolved.get(position)
        if medication is None:
            errors.append({"medication": [f"Unknown medicine {reference!r}."]})
        elif medication.pk in seen:
            errors.append({"medication": ["This medicine is listed twice; add the doses."]})
        else:
            seen.add(medication.pk)
            errors.append({})
    return errors


def _day_write_sql(
    mode: str, patient_id: int, day: date, facts: DiaryDayFacts, now: datetime, guard: str
) -> tuple[str, list]:
    """The day's INSERT or UPDATE ... RETURNING, written only where the SQL ``guard`` holds."""
    if mode == "update":
        return (
            f"{_CONDITIONAL_UPDATE} AND {guard} {_RETURNING}",
            [*_fact_values(facts), now, patient_id, day],
        )
    conflict = (
        _ON_CONFLICT_REPLACE if mode == "upsert" else "ON CONFLICT (patient_id, date) DO NOTHING"
    )
    return (
        f"{_DAY_INSERT} SELECT {_DAY_VALUES} WHERE {guard} {conflict} {_RETURNING}",
        [patient_id, day, *_fact_values(facts), now, now, 1],
    )


def diary_day_upsert(
    *,
    patient: PatientProfile,
    day: date,
    facts: DiaryDayFacts,
    expected_revision: tuple[int, int] | None = None,
    create_only: bool = False,
) -> DiaryDayWritten:
    """Create or replace one day and its medicines, safe under concurrent retries.

    With ``expected_revision`` (the day's id and revision from its ETag) the write happens only
    if the stored day is still that version, else ``StaleRevision`` is raised and nothing changes.
    With ``create_only`` (If-None-Match: *) it happens only if the day does not exist yet.
    Medicines the patient cannot see, or listed twice, raise ``UnknownMedications`` and change
    nothing either. The patient is marked changed for the next incremental scan.

    On PostgreSQL all of this is one statement, as logging a day is the app's busiest request;
    SQLite has no data-modifying CTEs, so there the same SQL runs step by step in a transaction.
    """
    now = timezone.now()
    mode = "create" if create_only else "upsert" if expected_revision is None else "update"
    references = [reference for reference, _ in facts.intakes]
    doses = [count for _, count in facts.intakes]
    run = _diary_day_statement if connection.vendor == "postgresql" else _diary_day_steps
    row, resolved = run(
        _DayWrite(
            mode=mode,
            patient=patient,
            day=day,
            facts=facts,
            now=now,
            expected_revision=expected_revision,
            references=references,
            doses=doses,
        )
    )
    if len({medication.pk for medication in resolved.values()}) < len(references):
        raise UnknownMedications(_medication_errors(references, resolved))
    if row is None:
        raise StaleRevision
    day_id, revision, created_at = row
    diary_day = DiaryDay(
        id=day_id,
        patient=patient,
        date=day,
        revision=revision,
        created_at=created_at,
        updated_at=now,
        headache=facts.headache,
        duration_hours=facts.duration_hours,
        duration_band=facts.duration_band,
        duration_known=facts.duration_known,
        peak_severity=facts.peak_severity,
        disability=facts.disability,
        notes=facts.notes,
        menstruation=facts.menstruation,
        **{feature: feature in facts.features for feature in DiaryDay.FEATURES},
    )
    intakes = [
        MedicationIntake(
            diary_day=diary_day,
            patient=patient,
            medication=resolved[position],
            doses=count,
            relief=facts.relief(position),
        )
        for position, count in enumerate(doses)
    ]
    return DiaryDayWritten(diary_day, revision == 1, intakes)


@dataclass(frozen=True)
class _DayWrite:
    """One diary write as both ways of running it (one statement, or steps) take it."""

    mode: str  # "create", "upsert" or "update"
    patient: PatientProfile
    day: date
    facts: DiaryDayFacts
    now: datetime
    expected_revision: tuple[int, int] | None
    references: list[MedicationReference]
    doses: list[int]

    def revision_params(self) -> list[int]:
        """The day's id and revision an update is guarded by: its mode comes from having them."""
        if self.expected_revision is None:
            raise ValueError("An update needs the id and revision of the day it replaces.")
        return list(self.expected_revision)


def _resolved_medications(rows) -> dict[int, Medication]:
    return {
        position: Medication(id=medication_id, name=name, medication_class=medication_class)
        for position, medication_id, name, medication_class in rows
        if position is not None
    }


# The stored day as a kept version's entry: its columns, and its intakes.
_ENTRY_INTAKES = (
    f"SELECT jsonb_agg(jsonb_build_object('medication_id', i.medication_id, "  # noqa: S608  # nosec B608
    f"'doses', i.doses, 'relief', i.relief) ORDER BY i.id) "
    f"FROM {_INTAKE} i WHERE i.diary_day_id = d.id"
)
_SAME_INTAKES = (
    f"(SELECT jsonb_agg(jsonb_build_object('medication_id', i.medication_id, "  # noqa: S608  # nosec B608
    f"'doses', i.doses, 'relief', i.relief) ORDER BY i.medication_id) "
    f"FROM {_INTAKE} i WHERE i.diary_day_id = d.id) IS NOT DISTINCT FROM "
    f"(SELECT jsonb_agg(jsonb_build_object('medication_id', r.id, "
    f"'doses', n.doses, 'relief', n.relief) ORDER BY r.id) "
    f"FROM resolved r JOIN doses n ON n.position = r.position)"
)


def _same_facts_sql() -> str:
    columns = ", ".join(f"d.{column}" for column in _UPSERT_COLUMNS)
    values = ", ".join(
        f"CAST(%s AS {DiaryDay._meta.get_field(column).db_type(connection)})"
        for column in _UPSERT_COLUMNS
    )
    return f"ROW({columns}) IS NOT DISTINCT FROM ROW({values})"


# A replace keeps the version it replaces, unless the new one says the same (a retry). Every
# part of the statement sees the day as it was before the statement.
_PRIOR_VERSION_KEPT = (
    f"prior AS (INSERT INTO {_REVISION} (patient_id, date, revision, entry, deleted, "  # noqa: S608  # nosec B608
    f"replaced_at) SELECT d.patient_id, d.date, d.revision, to_jsonb(d) || "
    f"jsonb_build_object('intakes', COALESCE(({_ENTRY_INTAKES}), '[]'::jsonb)), false, %s "
    f"FROM {_DAY} d WHERE d.patient_id = %s AND d.date = %s "
    f"AND EXISTS (SELECT 1 FROM written WHERE written.revision > 1) "
    f"AND NOT ({{same_facts}} AND {_SAME_INTAKES}))"
)


def _diary_day_statement(write: _DayWrite) -> tuple[tuple | None, dict[int, Medication]]:
    """Check the medicines, write the day and its intakes, and mark the patient: one statement."""
    resolution, resolution_params = _resolution_ctes(write.patient.pk, write.references)
    guard, guard_params = "(SELECT ok FROM checked)", []
    if write.mode == "update":
        guard, guard_params = (
            f"id = %s AND revision = %s AND {guard}",
            write.revision_params(),
        )
    day_sql, day_params = _day_write_sql(
        write.mode, write.patient.pk, write.day, write.facts, write.now, guard
    )
    doses_rows = (
        ", ".join(
            ["(CAST(%s AS integer), CAST(%s AS integer), CAST(%s AS text))"] * len(write.doses)
        )
        or "(CAST(NULL AS integer), CAST(NULL AS integer), CAST(NULL AS text))"
    )
    sql = (
        f"WITH {resolution}, "  # noqa: S608  # nosec B608
        f"checked AS (SELECT count(*) = %s AND count(DISTINCT id) = %s AS ok FROM resolved), "
        f"written AS ({day_sql}), "
        f"doses (position, doses, relief) AS (VALUES {doses_rows}), "
        f"{_PRIOR_VERSION_KEPT.format(same_facts=_same_facts_sql())}, "
        f"gone AS (DELETE FROM {_INTAKE} i USING written WHERE i.diary_day_id = written.id "
        f"AND i.medication_id NOT IN (SELECT id FROM resolved)), "
        f"kept AS (INSERT INTO {_INTAKE} (diary_day_id, patient_id, medication_id, doses, relief) "
        f"SELECT written.id, %s, r.id, d.doses, d.relief FROM written, resolved r "
        f"JOIN doses d ON d.position = r.position "
        f"ON CONFLICT (diary_day_id, medication_id) DO UPDATE SET doses = excluded.doses, "
        f"relief = excluded.relief), "
        f"touched AS (UPDATE {_PROFILE} SET data_changed_at = %s "
        f"WHERE id = %s AND EXISTS (SELECT 1 FROM written)) "
        f"SELECT written.id, written.revision, written.created_at, "
        f"r.position, r.id, r.name, r.medication_class "
        f"FROM (SELECT 1) one LEFT JOIN written ON true LEFT JOIN resolved r ON true"
    )
    params = [
        *resolution_params,
        len(write.references),
        len(write.references),
        *day_params,
        *guard_params,
        *[
            value
            for position, count in enumerate(write.doses)
            for value in (position, count, write.facts.relief(position))
        ],
        write.now,
        write.patient.pk,
        write.day,
        *_fact_values(write.facts),
        write.patient.pk,
        write.now,
        write.patient.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    written = rows[0][:3] if rows[0][0] is not None else None
    return written, _resolved_medications(row[3:] for row in rows)


def _diary_day_steps(write: _DayWrite) -> tuple[tuple | None, dict[int, Medication]]:
    """The same checks and writes as ``_diary_day_statement``, one statement at a time."""
    resolution, resolution_params = _resolution_ctes(write.patient.pk, write.references)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH {resolution} SELECT position, id, name, medication_class FROM resolved",  # noqa: S608  # nosec B608
            resolution_params,
        )
        resolved = _resolved_medications(cursor.fetchall())
        if len({medication.pk for medication in resolved.values()}) < len(write.references):
            return None, resolved
        guard, guard_params = "1 = 1", []
        if write.mode == "update":
            guard, guard_params = "id = %s AND revision = %s", write.revision_params()
        day_sql, day_params = _day_write_sql(
            write.mode, write.patient.pk, write.day, write.facts, write.now, guard
        )
        stored = (
            DiaryDay.objects.filter(patient_id=write.patient.pk, date=write.day)
            .prefetch_related("intakes")
            .first()
        )
        cursor.execute(day_sql, [*day_params, *guard_params])
        written = cursor.fetchone()
        if written is None:
            return None, resolved
        if stored is not None and written[1] > 1:
            entry = diary_day_entry(day=stored, intakes=stored.intakes.order_by("id"))
            if _comparable(diary_entry_facts(entry=entry)) != _comparable(
                write.facts, resolved=resolved
            ):
                DiaryDayRevision.objects.create(
                    patient_id=write.patient.pk,
                    date=write.day,
                    revision=stored.revision,
                    entry=entry,
                    replaced_at=write.now,
                )
        MedicationIntake.objects.filter(diary_day_id=written[0]).delete()
        MedicationIntake.objects.bulk_create(
            MedicationIntake(
                diary_day_id=written[0],
                patient_id=write.patient.pk,
                medication=resolved[position],
                doses=count,
                relief=write.facts.relief(position),
            )
            for position, count in enumerate(write.doses)
        )
        PatientProfile.objects.filter(pk=write.patient.pk).update(data_changed_at=write.now)
    return written, resolved


def _comparable(facts: DiaryDayFacts, *, resolved: dict[int, Medication] | None = None) -> tuple:
    """What tells two versions of a day apart: the columns, and the intakes by medicine id."""
    intakes = sorted(
        (
            resolved[position].pk if resolved is not None else int(reference),
            doses,
            facts.relief(position),
        )
        for position, (reference, doses) in enumerate(facts.intakes)
    )
    return (*_fact_values(facts), tuple(intakes))


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def diary_day_entry(*, day: DiaryDay, intakes: Iterable[MedicationIntake]) -> dict:
    """A stored day as a kept version's ``entry``: its columns by name, and its intakes.

    The same shape as PostgreSQL's ``to_jsonb`` of the row, which the one-statement write keeps.
    """
    entry = {
        field.attname: _json_value(getattr(day, field.attname))
        for field in DiaryDay._meta.concrete_fields
    }
    entry["intakes"] = [
        {"medication_id": intake.medication_id, "doses": intake.doses, "relief": intake.relief}
        for intake in intakes
    ]
    return entry


def diary_entry_facts(*, entry: dict) -> DiaryDayFacts:
    """The facts of a kept version, to write them back (an undo)."""
    hours = entry.get("duration_hours")
    intakes = entry.get("intakes", [])
    reliefs = tuple(intake.get("relief") or "" for intake in intakes)
    return DiaryDayFacts(
        headache=bool(entry["headache"]),
        duration_hours=None if hours is None else Decimal(str(hours)),
        duration_band=entry.get("duration_band") or "",
        duration_known=entry.get("duration_known", True),
        peak_severity=entry.get("peak_severity", 0),
        features=frozenset(name for name in DiaryDay.FEATURES if entry.get(name)),
        disability=entry.get("disability", 0),
        notes=entry.get("notes", ""),
        menstruation=entry.get("menstruation"),
        intakes=tuple((int(intake["medication_id"]), intake["doses"]) for intake in intakes),
        reliefs=reliefs if any(reliefs) else (),
    )


class DiaryDayVersionNotFound(Exception):
    """No kept version of this day has that id."""


def diary_day_restore(
    *,
    patient: PatientProfile,
    day: date,
    version_id: int,
    expected_revision: tuple[int, int] | None = None,
) -> DiaryDayWritten:
    """Write a kept version back (an undo); the version it replaces is kept in its turn."""
    version = DiaryDayRevision.objects.filter(patient=patient, date=day, pk=version_id).first()
    if version is None:
        raise DiaryDayVersionNotFound
    return diary_day_upsert(
        patient=patient,
        day=day,
        facts=diary_entry_facts(entry=version.entry),
        expected_revision=expected_revision,
    )


def diary_day_delete(*, patient: PatientProfile, day: date) -> bool:
    """Delete a day, keeping it as a version that can be restored."""
    with transaction.atomic():
        stored = (
            DiaryDay.objects.select_for_update()
            .filter(patient=patient, date=day)
            .prefetch_related("intakes")
            .first()
        )
        if stored is None:
            return False
        DiaryDayRevision.objects.create(
            patient=patient,
            date=day,
            revision=stored.revision,
            entry=diary_day_entry(day=stored, intakes=stored.intakes.order_by("id")),
            deleted=True,
        )
        stored.delete()
        patient_data_changed(patient=patient)
    return True


def patient_data_changed(*, patient: PatientProfile) -> None:
    """Mark the patient's record changed, for the next incremental scan and the trends cache.

    The diary write marks the patient in its own statement instead.
    """
    patients_data_changed(patient_ids=[patient.pk])


def patients_data_changed(*, patient_ids: Iterable[int]) -> None:
    PatientProfile.objects.filter(pk__in=list(patient_ids)).update(data_changed_at=timezone.now())


def medication_create(*, patient: PatientProfile, name: str, medication_class: str) -> Medication:
    return Medication.objects.create(
        owner=patient, name=name.strip(), medication_class=medication_class
    )


# Injections -----------------------------------------------------------------------------------


INJECTION_FIELDS = (
    "date",
    "product",
    "total_units",
    "paradigm",
    "injector",
    "lot",
    "planned_interval_weeks",
    "notes",
    "early_reason",
)


def injection_snapshot(session: InjectionSession) -> dict:
    """The record as a version keeps it: every field a person entered, sites included."""
    return {
        "date": session.date.isoformat(),
        "product": session.product,
        "total_units": float(session.total_units),
        "paradigm": session.paradigm,
        "sites": [
            {"muscle": s.muscle, "side": s.side, "units": float(s.units), "points": s.points}
            for s in InjectionSite.objects.filter(session=session).order_by("id")
        ],
        "injector": session.injector,
        "lot": session.lot,
        "planned_interval_weeks": session.planned_interval_weeks,
        "notes": session.notes,
        "source": session.source,
        "confirmed": session.confirmed,
        "early_reason": session.early_reason,
    }


def _version_add(
    *, session: InjectionSession, change: str, changed_by: User, reason: str = ""
) -> InjectionSessionVersion:
    return InjectionSessionVersion.objects.create(
        session=session,
        number=session.version,
        change=change,
        data=injection_snapshot(session),
        reason=reason,
        changed_by=changed_by,
        changed_by_email=changed_by.email,
    )


def _interval_errors(
    *,
    patient: PatientProfile,
    injected_on: date,
    early_reason: str,
    ignore: list[int],
) -> dict[str, list[str]]:
    """Refuse a session less than MIN_INTERVAL_WEEKS from its neighbours unless explained.

    api.md speaks of the previous session; a session recorded before a later one (history
    entered late) is checked against that one too, as it makes the same short interval.
    """
    if early_reason.strip():
        return {}
    others = InjectionSession.objects.filter(patient=patient).exclude(pk__in=ignore)
    previous = others.filter(date__lt=injected_on).order_by("-date").first()
    following = others.filter(date__gt=injected_on).order_by("date").first()
    for earlier, later in ((previous, None), (None, following)):
        neighbour = earlier or later
        if neighbour is None:
            continue
        first, second = (neighbour.date, injected_on) if earlier else (injected_on, neighbour.date)
        if interval_too_short(earlier=first, later=second):
            weeks, days = divmod((second - first).days, 7)
            where = "after" if earlier else "before"
            return {
                "date": [
                    f"This session is {weeks} weeks {days} days {where} the one of "
                    f"{neighbour.date:%d %b %Y}: less than {MIN_INTERVAL_WEEKS} weeks. "
                    f"Give the reason (early_reason) to record it anyway."
                ]
            }
    return {}


def _self_report_to_confirm(
    *, patient: PatientProfile, injected_on: date
) -> InjectionSession | None:
    reports = InjectionSession.objects.filter(
        patient=patient, source=InjectionSource.PATIENT, confirmed=False
    )
    matching = [
        report
        for report in reports
        if matches_self_report(reported_on=report.date, recorded_on=injected_on)
    ]
    return min(matching, key=lambda r: abs((r.date - injected_on).days), default=None)


def _sites_replace(*, session: InjectionSession, sites: list[SiteDose]) -> None:
    InjectionSite.objects.filter(session=session).delete()
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
    early_reason: str = "",
) -> InjectionSession:
    """Record a session. The patient's own record is an unconfirmed self-report; the clinic's
    record within SELF_REPORT_MATCH_DAYS of such a report confirms and replaces it, keeping the
    report as an earlier version."""
    by_patient = recorded_by.pk == patient.user_id
    errors = injection_pattern_errors(
        paradigm=paradigm, total_units=total_units, sites=sites, notes=notes
    )
    if errors:
        raise ValidationError(errors)
    # A patient names the paradigm, not each site: no site table they never entered.
    if paradigm == "preempt" and not sites and not by_patient:
        sites = list(PREEMPT_SITES)
    replaced = None
    if not by_patient:
        replaced = _self_report_to_confirm(patient=patient, injected_on=injected_on)
    ignore = [replaced.pk] if replaced else []
    current = InjectionSession.objects.filter(patient=patient)
    if current.filter(date=injected_on).exclude(pk__in=ignore).exists():
        raise ValidationError({"date": ["A session is already recorded on this date."]})
    if by_patient:
        nearby = [
            session
            for session in current.filter(source=InjectionSource.CLINIC)
            if matches_self_report(reported_on=injected_on, recorded_on=session.date)
        ]
        if nearby:
            raise ValidationError(
                {"date": [f"Your clinic recorded this session on {nearby[0].date:%d %b %Y}."]}
            )
    errors = _interval_errors(
        patient=patient, injected_on=injected_on, early_reason=early_reason, ignore=ignore
    )
    if errors:
        raise ValidationError(errors)
    values = {
        "date": injected_on,
        "product": product,
        "total_units": total_units,
        "paradigm": paradigm,
        "injector": injector,
        "lot": lot,
        "planned_interval_weeks": planned_interval_weeks,
        "notes": notes,
        "early_reason": early_reason.strip(),
    }
    with transaction.atomic():
        if replaced is not None:
            session = InjectionSession.objects.select_for_update().get(pk=replaced.pk)
            for name, value in values.items():
                setattr(session, name, value)
            session.source, session.confirmed = InjectionSource.CLINIC, True
            session.recorded_by = recorded_by
            session.version += 1
            session.save()
            change = InjectionChange.CONFIRMED
        else:
            session = InjectionSession.objects.create(
                patient=patient,
                recorded_by=recorded_by,
                source=InjectionSource.PATIENT if by_patient else InjectionSource.CLINIC,
                confirmed=not by_patient,
                **values,
            )
            change = InjectionChange.RECORDED
        _sites_replace(session=session, sites=sites)
        _version_add(session=session, change=change, changed_by=recorded_by)
        patient_data_changed(patient=patient)
    return session


def injection_session_update(
    *, session: InjectionSession, changed_by: User, changes: dict, sites: list[SiteDose] | None
) -> InjectionSession:
    """Change a record and keep the earlier version. ``changes`` holds INJECTION_FIELDS values;
    ``sites`` None keeps the sites as they are."""
    unknown = set(changes) - set(INJECTION_FIELDS)
    if unknown:
        raise ValueError(f"Not injection fields: {sorted(unknown)}")
    merged = {name: getattr(session, name) for name in INJECTION_FIELDS} | changes
    current_sites = [
        SiteDose(site.muscle, site.side, site.units, site.points)
        for site in InjectionSite.objects.filter(session=session)
    ]
    new_sites = current_sites if sites is None else sites
    errors = injection_pattern_errors(
        paradigm=merged["paradigm"],
        total_units=merged["total_units"],
        sites=new_sites,
        notes=merged["notes"],
    )
    if errors:
        raise ValidationError(errors)
    if merged["date"] != session.date:
        clash = InjectionSession.objects.filter(patient=session.patient, date=merged["date"])
        if clash.exclude(pk=session.pk).exists():
            raise ValidationError({"date": ["A session is already recorded on this date."]})
    if merged["date"] != session.date or "early_reason" in changes:
        errors = _interval_errors(
            patient=session.patient,
            injected_on=merged["date"],
            early_reason=merged["early_reason"],
            ignore=[session.pk],
        )
        if errors:
            raise ValidationError(errors)
    # The clinic correcting a patient's own report makes it the clinic's record.
    confirming = not session.confirmed and changed_by.pk != session.patient.user_id
    with transaction.atomic():
        for name, value in merged.items():
            setattr(session, name, value.strip() if name == "early_reason" else value)
        if confirming:
            session.source, session.confirmed = InjectionSource.CLINIC, True
        session.version += 1
        session.save()
        if sites is not None:
            _sites_replace(session=session, sites=sites)
        _version_add(
            session=session,
            change=InjectionChange.CONFIRMED if confirming else InjectionChange.EDITED,
            changed_by=changed_by,
        )
        patient_data_changed(patient=session.patient)
    return session


def patient_identifiers_update(
    *,
    patient: PatientProfile,
    full_name: str,
    date_of_birth: date | None,
    clinic_number: str,
) -> PatientProfile:
    """The name, date of birth and clinic number a clinic's report prints; all optional."""
    patient.full_name = full_name.strip()
    patient.date_of_birth = date_of_birth
    patient.clinic_number = clinic_number.strip()
    patient.save(update_fields=["full_name", "date_of_birth", "clinic_number"])
    return patient


def report_sign_off(
    *,
    patient: PatientProfile,
    member: ClinicMember,
    as_of: date,
    kind: str = ReportKind.TREATMENT_REVIEW,
) -> ReportSignOff:
    """A clinician signs off the patient's report as of a day; a nurse may not."""
    if not member.signs_off_reports:
        raise PermissionDenied("A clinician of the clinic signs off reports; nurses prepare them.")
    return ReportSignOff.objects.create(
        patient=patient,
        kind=kind,
        as_of=as_of,
        signed_by=member.clinician.user,
        signed_by_name=str(member.clinician.user),
        clinic=member.clinic,
    )


def injection_session_void(*, session: InjectionSession, voided_by: User, reason: str) -> None:
    """Void a record entered in error: it leaves every analysis but stays in the history."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why this record is void."]})
    with transaction.atomic():
        session.voided_at = timezone.now()
        session.void_reason = reason.strip()
        session.version += 1
        session.save(update_fields=["voided_at", "void_reason", "version"])
        _version_add(
            session=session,
            change=InjectionChange.VOIDED,
            changed_by=voided_by,
            reason=reason.strip(),
        )
        patient_data_changed(patient=session.patient)


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


# Review flags ---------------------------------------------------------------------------------


def review_flag_open(*, patient: PatientProfile, kind: str, evidence: dict) -> ReviewFlag:
    """Open a flag unless one of that kind is already under review; then refresh its evidence."""
    under_review = ReviewFlag.objects.filter(
        patient=patient, kind=kind, status__in=UNDER_REVIEW
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
        return ReviewFlag.objects.get(patient=patient, kind=kind, status__in=UNDER_REVIEW)


def scan_results_save(
    *,
    scanned: list[int],
    frozen_baselines: list[tuple[int, FrozenBaseline]],
    findings: list[tuple[int, str, dict]],
    scanned_at: datetime,
    no_longer_met: Sequence[tuple[int, str, str]] = (),
) -> None:
    """Save what the nightly scan found for a chunk of patients, in one transaction.

    Baselines (patient id, baseline) are frozen (or refrozen); each finding (patient id, kind,
    evidence) opens a flag,
    or refreshes the evidence of the one of that kind still under review, as
    ``review_flag_open`` does for one; a flag under review whose kind is in ``no_longer_met``
    (patient id, kind, what the analysis now says) keeps its evidence with that said beside it
    (``NO_LONGER_MET``); the patients are marked scanned as of ``scanned_at``.
    """
    now = timezone.now()
    cleared = {(patient_id, kind): text for patient_id, kind, text in no_longer_met}
    patient_ids = {patient_id for patient_id, _, _ in findings} | {p for p, _ in cleared}
    with transaction.atomic():
        _baselines_freeze(baselines=frozen_baselines)
        under_review = {
            (flag.patient_id, flag.kind): flag
            for flag in ReviewFlag.objects.filter(
                patient_id__in=patient_ids, status__in=UNDER_REVIEW
            ).only("pk", "patient_id", "kind")
        }
        _flags_no_longer_met(
            flags=[flag for key, flag in under_review.items() if key in cleared],
            texts=cleared,
            as_of=scanned_at,
        )
        opened: list[tuple[int, str, dict]] = []
        refreshed: list[ReviewFlag] = []
        for patient_id, kind, evidence in findings:
            flag = under_review.get((patient_id, kind))
            if flag is None:
                opened.append((patient_id, kind, evidence))
            else:
                flag.evidence, flag.updated_at = evidence, now
                refreshed.append(flag)
        _flag_evidence_refresh(flags=refreshed, now=now)
        _flags_open(findings=opened, now=now)
        PatientProfile.objects.filter(pk__in=scanned).update(last_scanned_at=scanned_at)


def _iso_date(value: object) -> str:
    """Dates (datetimes too) for a JSON document of records, ISO 8601 to the microsecond."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not stored as JSON.")


# The key a flag's evidence gets when its condition no longer holds.
NO_LONGER_MET = "no_longer_met"


def _flags_no_longer_met(
    *, flags: list[ReviewFlag], texts: dict[tuple[int, str], str], as_of: datetime
) -> None:
    """Say beside each flag's evidence what the analysis now says; the evidence stays.

    Written once per change of what is said, so a quiet flag is not rewritten every night.
    """
    if not flags:
        return
    stored = dict(
        ReviewFlag.objects.filter(pk__in=[flag.pk for flag in flags]).values_list("pk", "evidence")
    )
    for flag in flags:
        evidence = stored[flag.pk]
        text = texts[flag.patient_id, flag.kind]
        said = evidence.get(NO_LONGER_MET) or {}
        if said.get("summary") == text:
            continue
        evidence[NO_LONGER_MET] = {"as_of": as_of.date().isoformat(), "summary": text}
        ReviewFlag.objects.filter(pk=flag.pk).update(evidence=evidence, updated_at=timezone.now())


def _json_records(rows: list[dict[str, Any]], *, columns: dict[str, str]) -> tuple[str, str]:
    """``rows`` (column -> value) as a FROM item of records of ``columns`` (name -> SQL type),
    and its one parameter.

    One JSON document for PostgreSQL's ``jsonb_to_recordset``, which the driver sends as one
    string dumped in C, where a parameter per value (or an array per column) had it quote
    thousands of values in Python: half the cost of a clinic's first scan's writes.
    """
    quote = connection.ops.quote_name
    record = ", ".join(f"{quote(name)} {kind}" for name, kind in columns.items())
    return f"jsonb_to_recordset(%s::jsonb) AS t({record})", json.dumps(rows, default=_iso_date)


def _baselines_freeze(*, baselines: list[tuple[int, FrozenBaseline]]) -> None:
    """Store each (patient id, baseline), a course's row replaced: one INSERT on PostgreSQL.

    One per treatment course: only a course's "none" is ever replaced (``baseline_to_freeze``).
    ``bulk_create`` needed a model per baseline, and prepared every field of each through it.
    """
    if not baselines:
        return
    by_name = {f.name: f for f in TreatmentBaseline._meta.concrete_fields}
    patient = by_name["patient"]
    fields = [by_name[name] for name in ("first_injection_date", *TreatmentBaseline.FROZEN_FIELDS)]
    # Concrete fields: each has its column.
    columns = [str(f.column) for f in (patient, *fields)]
    quoted = [connection.ops.quote_name(column) for column in columns]
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in quoted[2:])
    if connection.vendor == "postgresql":
        records = [
            {
                patient.column: patient_id,
                **{str(f.column): getattr(baseline, f.name) for f in fields},
            }
            for patient_id, baseline in baselines
        ]
        types = {str(f.column): str(f.db_type(connection)) for f in (patient, *fields)}
        records_from, document = _json_records(records, columns=types)
        batches = [(f"SELECT * FROM {records_from}", [document])]  # noqa: S608  # nosec B608
    else:
        rows = [
            [
                patient_id,
                *(f.get_db_prep_save(getattr(baseline, f.name), connection) for f in fields),
            ]
            for patient_id, baseline in baselines
        ]
        row = f"({', '.join(['%s'] * len(quoted))})"
        per_batch = max(1, min(500, connection.ops.bulk_batch_size(quoted, rows)))
        batches = [
            (
                f"VALUES {', '.join([row] * len(batch))}",
                [value for values in batch for value in values],
            )
            for batch in (rows[i : i + per_batch] for i in range(0, len(rows), per_batch))
        ]
    table = connection.ops.quote_name(TreatmentBaseline._meta.db_table)
    with connection.cursor() as cursor:
        for source, params in batches:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) {source} "  # nosec B608 (model names)
                f"ON CONFLICT ({', '.join(quoted[:2])}) DO UPDATE SET {updates}",
                params,
            )


def _flags_open(*, findings: list[tuple[int, str, dict]], now: datetime) -> None:
    """Open a flag for each (patient id, kind, evidence): one INSERT (per 500 on SQLite).

    ``bulk_create`` sends the evidence of a batch as one JSON array, its every quote escaped in
    Python: three times the cost of a clinic's first scan's writes. A flag a concurrent scan
    opened first stays; it has the same evidence.
    """
    if not findings:
        return
    stamp = ReviewFlag._meta.get_field("created_at").get_db_prep_save(now, connection)
    table = connection.ops.quote_name(ReviewFlag._meta.db_table)
    columns = ["patient_id", "kind", "evidence", "status", "created_at", "updated_at"]
    names = ", ".join(map(connection.ops.quote_name, [*columns, "note", "decision"]))
    opened = [FlagStatus.OPEN.value, stamp, stamp]
    if connection.vendor == "postgresql":
        records_from, document = _json_records(
            [
                {"patient_id": patient_id, "kind": kind, "evidence": evidence}
                for patient_id, kind, evidence in findings
            ],
            columns={"patient_id": "bigint", "kind": "text", "evidence": "jsonb"},
        )
        select = f"SELECT t.patient_id, t.kind, t.evidence, %s, %s, %s, '', '' FROM {records_from}"  # noqa: S608  # nosec B608
        batches = [(select, [*opened, document])]
    else:
        field = ReviewFlag._meta.get_field("evidence")
        per_batch = max(1, min(500, connection.ops.bulk_batch_size(columns, findings)))
        batches = []
        for start in range(0, len(findings), per_batch):
            batch = findings[start : start + per_batch]
            rows = ", ".join(["(%s, %s, %s, %s, %s, %s, '', '')"] * len(batch))
            values: list = []
            for patient_id, kind, evidence in batch:
                values += [patient_id, kind, field.get_db_prep_save(evidence, connection), *opened]
            batches.append((f"VALUES {rows}", values))
    with connection.cursor() as cursor:
        for source, params in batches:
            cursor.execute(
                f"INSERT INTO {table} ({names}) {source} ON CONFLICT DO NOTHING",  # nosec B608
                params,
            )


def _flag_evidence_refresh(*, flags: list[ReviewFlag], now: datetime) -> None:
    """One UPDATE per few hundred flags; ``bulk_update`` builds an expression per flag."""
    evidence = ReviewFlag._meta.get_field("evidence")
    updated_at = ReviewFlag._meta.get_field("updated_at").get_db_prep_save(now, connection)
    table = connection.ops.quote_name(ReviewFlag._meta.db_table)
    for start in range(0, len(flags), 500):
        batch = flags[start : start + 500]
        cases = " ".join(["WHEN %s THEN %s"] * len(batch))
        ids = ", ".join(["%s"] * len(batch))
        params: list = [updated_at]
        for flag in batch:
            params += [flag.pk, evidence.get_db_prep_save(flag.evidence, connection)]
        params += [flag.pk for flag in batch]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET updated_at = %s, evidence = CASE id {cases} END "  # noqa: S608  # nosec B608
                f"WHERE id IN ({ids})",
                params,
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


def review_flag_assign(*, flag: ReviewFlag, assignee: ClinicMember | None) -> ReviewFlag:
    """Give a flag to a member of the patient's clinic, or back to nobody."""
    flag.assignee = assignee
    flag.save(update_fields=["assignee", "updated_at"])
    return flag
