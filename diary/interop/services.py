"""Writes and reads for the interop features: diary imports and the calendar feed."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db import IntegrityError, connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from diary import entries, selectors, services
from diary.api.serializers import DiaryDayInputSerializer
from diary.interop.calendar import feed_token_digest, new_feed_token
from diary.interop.importers import GENERIC, ImportFileError, RowError, parse_file
from diary.interop.models import CalendarFeed, DiaryImport, ImportStatus
from diary.models import (
    DiaryDay,
    Medication,
    MedicationAlias,
    MedicationClass,
    MedicationIntake,
    PatientProfile,
)

# Which file column a diary field came from, to name it in errors.
SOURCE_COLUMNS = {
    GENERIC: {
        "headache": "headache",
        "duration_hours": "hours",
        "duration_band": "duration_band",
        "peak_severity": "severity",
        "medications": "medicines",
        "disability": "disability",
        "notes": "notes",
        "features": "features",
    },
    "migraine_buddy": {
        "headache": "Pain Level",
        "duration_hours": "Lasted",
        "peak_severity": "Pain Level",
        "medications": "Helpful Medication",
        "disability": "Pain Level",
        "notes": "Notes",
        "features": "Symptoms",
    },
}


class ImportRejected(Exception):
    """No day in the file can be imported; ``errors`` says which row and column failed."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


class ImportAlreadyCommitted(Exception):
    pass


# Medicines --------------------------------------------------------------------------------


def _aliases(name: str) -> set[str]:
    """ "Paracetamol (acetaminophen)" is also found as "paracetamol" and "acetaminophen"."""
    aliases = set()
    if "(" in name and name.rstrip().endswith(")"):
        base, _, inner = name.rstrip()[:-1].partition("(")
        aliases |= {base.strip().lower(), inner.strip().lower()}
    return aliases - {""}


def medication_index(*, patient: PatientProfile) -> dict[str, Medication]:
    """Lower-case names (and aliases) to the medicines the patient may use.

    A full name beats an alias, and the patient's own medicine beats the catalogue's. Brand
    names (Imigran, Nurofen...) are the catalogue's aliases, as the diary API reads them.
    """
    medications = sorted(
        selectors.medications_visible_to(patient=patient), key=lambda m: m.owner_id is not None
    )
    by_id = {medication.pk: medication for medication in medications}
    index: dict[str, Medication] = {}
    for brand in MedicationAlias.objects.filter(medication_id__in=by_id):
        index[brand.name.lower()] = by_id[brand.medication_id]
    for medication in medications:
        for alias in _aliases(medication.name):
            index[alias] = medication
    for medication in medications:
        index[medication.name.lower()] = medication
    return index


# Diary imports ----------------------------------------------------------------------------


def _input_data(payload: dict, index: dict[str, Medication]) -> tuple[dict, list[str]]:
    """The day as DiaryDayInputSerializer input, and the medicine names not yet known."""
    doses_by_id: dict[int, int] = {}
    unknown: list[str] = []
    for item in payload["medications"]:
        medication = index.get(item["name"].lower())
        if medication is None:
            unknown.append(item["name"])
        else:
            doses_by_id[medication.pk] = doses_by_id.get(medication.pk, 0) + item["doses"]
    data = {
        "headache": payload["headache"],
        "duration_hours": payload["duration_hours"],
        # Pending imports previewed before bands existed have no such key.
        "duration_band": payload.get("duration_band"),
        "peak_severity": payload["peak_severity"],
        "features": dict.fromkeys(payload["features"], True),
        "medications": [{"medication": pk, "doses": doses} for pk, doses in doses_by_id.items()],
        "disability": payload["disability"],
        "notes": payload["notes"],
    }
    return data, unknown


def _day_validator(patient: PatientProfile) -> DiaryDayInputSerializer:
    """One serializer to validate every day of a file with ``run_validation``.

    A serializer deep-copies its fields when built: one per day cost 2 ms a day, most of the
    time a 20-year file took. A file may not have recorded how long a headache lasted: the day
    is stored as of unknown duration (clinical.md, "Duration"), never as headache-free.
    """
    return DiaryDayInputSerializer(context={"patient": patient, "duration_may_be_unknown": True})


def _validated(validator: DiaryDayInputSerializer, data: dict) -> tuple[dict | None, dict]:
    """The validated day and no errors, or None and the errors by field."""
    try:
        return validator.run_validation(data), {}
    except serializers.ValidationError as error:
        return None, error.detail if isinstance(error.detail, dict) else {"": error.detail}


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _stored_facts(day: DiaryDay) -> services.DiaryDayFacts:
    return services.DiaryDayFacts(
        headache=day.headache,
        duration_hours=day.duration_hours,
        duration_band=day.duration_band,
        duration_known=day.duration_known,
        peak_severity=day.peak_severity,
        features=frozenset(name for name in DiaryDay.FEATURES if getattr(day, name)),
        disability=day.disability,
        notes=day.notes,
        intakes=tuple(sorted((intake.medication_id, intake.doses) for intake in day.intakes.all())),
    )


def _imported_facts(
    validator: DiaryDayInputSerializer, payload: dict, index: dict[str, Medication]
) -> services.DiaryDayFacts | None:
    """The day's facts, or None while it names medicines the patient does not have yet."""
    data, unknown = _input_data(payload, index)
    if unknown:
        return None
    return _validated_facts(validator, payload, data)


def _validated_facts(
    validator: DiaryDayInputSerializer, payload: dict, data: dict
) -> services.DiaryDayFacts:
    """The facts of a day whose medicines are all known (``data`` from ``_input_data``)."""
    validated, errors = _validated(validator, data)
    if validated is None:
        raise serializers.ValidationError({payload["date"]: errors})
    return DiaryDayInputSerializer.facts_of(validated)


def _same_day(facts: services.DiaryDayFacts, stored: services.DiaryDayFacts) -> bool:
    return dataclasses.replace(facts, intakes=tuple(sorted(facts.intakes))) == stored


def _stored_days(patient: PatientProfile, payloads: list[dict]) -> dict[date, DiaryDay]:
    dates = [date.fromisoformat(payload["date"]) for payload in payloads]
    if not dates:
        return {}
    days = selectors.diary_days(patient=patient, date_from=min(dates), date_to=max(dates))
    return {day.date: day for day in days}


def diary_import_preview(
    *, patient: PatientProfile, data: bytes, file_name: str, format: str | None
) -> DiaryImport:
    """Parse and validate an upload and keep it as a pending import; nothing is written yet.

    Raises ImportFileError when the file cannot be read, ImportRejected when no day is usable.
    """
    user = patient.user
    result = parse_file(data, format=format, today=selectors.local_today(user=user), zone=user.zone)
    index = medication_index(patient=patient)
    columns = SOURCE_COLUMNS[result.format]
    days: list[dict] = []
    errors = [error.as_dict() for error in result.errors]
    validator = _day_validator(patient)
    for draft in result.days:
        payload = draft.as_dict()
        input_data, _unknown = _input_data(payload, index)
        validated, day_errors = _validated(validator, input_data)
        if validated is None:
            for name, detail in day_errors.items():
                for message in _messages(detail):
                    errors.append(
                        RowError(
                            draft.rows[0], columns.get(name, name), f"{payload['date']}: {message}"
                        ).as_dict()
                    )
            continue
        days.append(payload)
    errors.sort(key=lambda error: (error["row"] or 0, error["column"] or ""))
    if not days:
        if errors:
            raise ImportRejected("No day in this file can be imported.", errors)
        raise ImportFileError("The file has no diary rows.")
    return DiaryImport.objects.create(
        patient=patient,
        format=result.format,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        days=days,
        errors=errors,
    )


def diary_import_preview_rows(*, diary_import: DiaryImport) -> dict:
    """Each day with its status against the diary as it is now: new, unchanged or conflict."""
    patient = diary_import.patient
    index = medication_index(patient=patient)
    stored = _stored_days(patient, diary_import.days)
    days = []
    new_medications: dict[str, str] = {}
    validator = _day_validator(patient)
    for payload in diary_import.days:
        data, unknown = _input_data(payload, index)
        for name in unknown:
            new_medications.setdefault(name.lower(), name)
        current = stored.get(date.fromisoformat(payload["date"]))
        if current is None:
            status = "new"
        elif not unknown and _same_day(
            _validated_facts(validator, payload, data), _stored_facts(current)
        ):
            status = "unchanged"
        else:
            status = "conflict"
        days.append(
            {
                **payload,
                "duration_hours": None
                if payload["duration_hours"] is None
                else float(payload["duration_hours"]),
                "duration_band": payload.get("duration_band"),
                "duration_known": entries.is_duration_known(
                    headache=payload["headache"],
                    duration_hours=payload["duration_hours"],
                    duration_band=payload.get("duration_band"),
                ),
                "medications": [
                    {
                        **item,
                        "medication": getattr(index.get(item["name"].lower()), "pk", None),
                    }
                    for item in payload["medications"]
                ],
                "status": status,
            }
        )
    return {
        "days": days,
        "conflicts": [day["date"] for day in days if day["status"] == "conflict"],
        "new_medications": list(new_medications.values()),
    }


class ImportInterrupted(Exception):
    """The diary changed under the import (a day saved meanwhile); nothing was written."""


def diary_import_confirm(*, diary_import: DiaryImport, overwrite_conflicts: bool) -> dict:
    """Write the import's days in one transaction, with a fixed number of bulk statements.

    A day identical to the stored one is left alone; a different stored day (a conflict) is
    replaced only with ``overwrite_conflicts``. Medicines the patient does not have yet are
    added as their own, class "other", when a day that names them is written. Any failure
    rolls everything back and leaves the import pending, so it can be confirmed again or
    discarded.
    """
    patient = diary_import.patient
    try:
        with transaction.atomic():
            locked = DiaryImport.objects.select_for_update().get(pk=diary_import.pk)
            if locked.status == ImportStatus.COMMITTED:
                raise ImportAlreadyCommitted
            outcome = _write_import(patient, locked.days, overwrite_conflicts=overwrite_conflicts)
            locked.status = ImportStatus.COMMITTED
            locked.committed_at = timezone.now()
            locked.result = outcome
            locked.save(update_fields=["status", "committed_at", "result"])
    except IntegrityError as error:
        raise ImportInterrupted from error
    diary_import.refresh_from_db()
    return outcome


def _write_import(patient: PatientProfile, payloads: list[dict], *, overwrite_conflicts: bool):
    index = medication_index(patient=patient)
    validator = _day_validator(patient)
    dates = [date.fromisoformat(payload["date"]) for payload in payloads]
    # Locked, so a PUT of the same day waits for the import instead of being overwritten.
    stored = {
        day.date: day
        for day in DiaryDay.objects.select_for_update()
        .filter(patient=patient, date__in=dates)
        .prefetch_related("intakes")
    }
    outcome: dict[str, list[str]] = {
        "created": [],
        "updated": [],
        "unchanged": [],
        "skipped_conflicts": [],
        "medications_created": [],
    }
    to_write: list[tuple[dict, DiaryDay | None]] = []
    facts_of: dict[str, services.DiaryDayFacts] = {}
    missing: dict[str, str] = {}
    for payload in payloads:
        current = stored.get(date.fromisoformat(payload["date"]))
        data, unknown = _input_data(payload, index)
        if current is not None:
            if not unknown:
                imported = facts_of[payload["date"]] = _validated_facts(validator, payload, data)
                if _same_day(imported, _stored_facts(current)):
                    outcome["unchanged"].append(payload["date"])
                    continue
            if not overwrite_conflicts:
                outcome["skipped_conflicts"].append(payload["date"])
                continue
        for name in unknown:
            missing.setdefault(name.strip().lower(), name.strip())
        to_write.append((payload, current))
    if missing:
        created = Medication.objects.bulk_create(
            Medication(owner=patient, name=name, medication_class=MedicationClass.OTHER)
            for name in missing.values()
        )
        for medication in created:
            index[medication.name.lower()] = medication
        outcome["medications_created"] = [medication.name for medication in created]
    now = timezone.now()
    new_days: list[tuple[dict[str, Any], services.DiaryDayFacts]] = []
    for payload, current in to_write:
        facts = facts_of.get(payload["date"]) or _imported_facts(validator, payload, index)
        if facts is None:  # a medicine created above is no longer visible
            raise ImportInterrupted
        day = date.fromisoformat(payload["date"])
        if current is None:
            new_days.append((_new_day(patient, day, facts, now=now), facts))
            outcome["created"].append(payload["date"])
        else:
            # Replacing a day keeps its earlier version: the diary write does that, one day at
            # a time, for the few days a patient chose to overwrite.
            services.diary_day_upsert(patient=patient, day=day, facts=facts)
            outcome["updated"].append(payload["date"])
    # A new day has no earlier version to keep: the bulk of a long import goes in a few
    # statements (one statement per day made 20 years take 31 s).
    _insert_rows(DiaryDay, [row for row, _facts in new_days])
    ids = dict(
        DiaryDay.objects.filter(
            patient=patient, date__in=[row["date"] for row, _facts in new_days]
        ).values_list("date", "id")
    )
    _insert_rows(
        MedicationIntake,
        [
            {
                "diary_day_id": ids[row["date"]],
                "patient_id": patient.pk,
                "medication_id": medication_id,
                "doses": doses,
            }
            for row, facts in new_days
            for medication_id, doses in facts.intakes
        ],
    )
    if outcome["created"] or outcome["updated"]:
        services.patient_data_changed(patient=patient)
    return outcome


_DAY_COLUMNS = frozenset(field.attname for field in DiaryDay._meta.concrete_fields)


def _new_day(
    patient: PatientProfile, day: date, facts: services.DiaryDayFacts, *, now: datetime
) -> dict[str, Any]:
    """The row diary_day_upsert would insert: every fact that is a column, revision 1."""
    columns = {
        field.name: getattr(facts, field.name)
        for field in dataclasses.fields(facts)
        if field.name in _DAY_COLUMNS
    }
    features = {feature: feature in facts.features for feature in DiaryDay.FEATURES}
    return {
        "patient_id": patient.pk,
        "date": day,
        **columns,
        **features,
        "revision": 1,
        "created_at": now,
        "updated_at": now,
    }


INSERT_BATCH = 1000


def _insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows of ``model`` given by column (attname); a column left out takes its default.

    Plain ``executemany``: bulk_create builds and prepares a model instance per row, which
    was most of the time 7,300 days and their 30,000 intakes took.
    """
    if not rows:
        return
    # Every row names the same columns; one left out with a database default gets it there.
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and (field.attname in rows[0] or not field.has_db_default())
    ]
    defaults = {field.attname: field.get_default() for field in fields}
    # A concrete field always has its column (Django: concrete means column is not None).
    columns = ", ".join(connection.ops.quote_name(cast(str, field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    # Identifiers come from the model; every value is a query parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(
                sql,
                [
                    [
                        field.get_db_prep_save(
                            row.get(field.attname, defaults[field.attname]), connection
                        )
                        for field in fields
                    ]
                    for row in rows[start : start + INSERT_BATCH]
                ],
            )


def diary_import_discard(*, diary_import: DiaryImport) -> None:
    diary_import.delete()


# A preview holds a copy of the patient's health data; one left unconfirmed this long is
# abandoned (a patient reviews a preview in minutes), so it is deleted.
PENDING_IMPORT_TTL = timedelta(days=7)


def pending_imports_expired(*, now: datetime) -> QuerySet[DiaryImport]:
    return DiaryImport.objects.filter(
        status=ImportStatus.PENDING, created_at__lt=now - PENDING_IMPORT_TTL
    )


def pending_imports_expire(*, now: datetime) -> int:
    deleted, _ = pending_imports_expired(now=now).delete()
    return deleted


# Calendar feed ----------------------------------------------------------------------------


def calendar_feed_rotate(*, patient: PatientProfile) -> str:
    """Make a new secret for the patient's feed, ending the old URL; returns the token once."""
    token = new_feed_token()
    CalendarFeed.objects.update_or_create(
        patient=patient,
        defaults={"token_digest": feed_token_digest(token), "created_at": timezone.now()},
    )
    return token


def calendar_feed_revoke(*, patient: PatientProfile) -> bool:
    deleted, _ = CalendarFeed.objects.filter(patient=patient).delete()
    return bool(deleted)


MAX_TOKEN_LENGTH = 128


def calendar_feed_patient(*, token: str) -> PatientProfile | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = feed_token_digest(token)
    # The lookup is by digest, so its timing says nothing useful about the token; the
    # constant-time compare makes the final check independent of where digests differ.
    feed = CalendarFeed.objects.select_related("patient__user").filter(token_digest=digest).first()
    if feed is None or not hmac.compare_digest(feed.token_digest, digest):
        return None
    return feed.patient
