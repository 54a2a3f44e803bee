from __future__ import annotations

import datetime
import re
import zoneinfo
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diary import entries, paradigms, selectors, services
from diary.advice import RED_FLAG_REPORTED
from diary.analytics.day_classes import DEFAULT_RULE
from diary.models import (
    CareLink,
    ClinicMember,
    ClinicRole,
    DiaryDay,
    DiaryDayRevision,
    DurationBand,
    FlagDecision,
    FlagStatus,
    HeadacheDayRule,
    InjectionChange,
    InjectionSession,
    InjectionSessionVersion,
    Medication,
    MedicationAlias,
    MedicationClass,
    MedicationIntake,
    Muscle,
    Paradigm,
    PatientProfile,
    RecalledBaselineSource,
    Relief,
    ReminderChannel,
    ReviewFlag,
    Role,
    Side,
    SideEffectReport,
    User,
    flag_decisions,
)
from diary.services import DiaryDayFacts

MAX_DOSES_PER_DAY = 50
MAX_BIGINT = 2**63 - 1
HOUR_MINUTE = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF would store 0 or true as "0" or "True"."""

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON number only: DRF would also take the string "3"."""

    def to_internal_value(self, data) -> int:
        if isinstance(data, str | bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """A JSON number, or a plain decimal string (schema: diary.api.schema.DecimalFieldScheme).

    DRF alone would also read " 1e1" or "+5"; the string form is kept for clients that followed
    the schema's earlier string type.
    """

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs):
        # Both are required here: the string pattern is built from them.
        super().__init__(
            max_digits=max_digits, decimal_places=decimal_places, coerce_to_string=False, **kwargs
        )
        whole = max_digits - decimal_places
        self.string_pattern = rf"^[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{decimal_places}}})?$"

    def validate_empty_values(self, data):
        # DRF's DecimalField reads a blank string as null; a blank is not a number.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, bool) or (
            isinstance(data, str) and not re.fullmatch(self.string_pattern, data)
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """Model text columns take JSON strings only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
    }


class IsoDateField(serializers.DateField):
    """YYYY-MM-DD only: Django's parser also takes 20240115 and 2024-W03-1, which the schema's
    ``date`` format (RFC 3339 full-date) does not."""

    def to_internal_value(self, value) -> date:
        if not isinstance(value, str) or not re.fullmatch(ISO_DATE, value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


@extend_schema_field({"type": "string", "pattern": HOUR_MINUTE, "example": "20:00"})
class HourMinuteField(serializers.TimeField):
    """Local time as HH:MM; strptime alone would also take 7:5."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(HOUR_MINUTE, value):
            self.fail("invalid", format="hh:mm")
        return super().to_internal_value(value)


@extend_schema_field({"$ref": "#/components/schemas/TimeZone"})
class TimeZoneField(StrictCharField):
    """An IANA name; the schema's TimeZone enum lists them (diary.api.schema)."""

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(f"{value!r} is not an IANA time zone name.")
        return value


@extend_schema_field(
    {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ReminderChannelsEnum"},
        "uniqueItems": True,
    }
)
class ReminderChannelsField(serializers.ListField):
    child = serializers.ChoiceField(choices=ReminderChannel.choices)

    def to_internal_value(self, data) -> list[str]:
        value = super().to_internal_value(data)
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each channel may be listed once.")
        return value


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    role = serializers.CharField(read_only=True, allow_null=True)
    timezone = TimeZoneField(max_length=64, required=False)
    reminder_time = HourMinuteField(required=False)
    reminder_channels = ReminderChannelsField(required=False, allow_empty=True)
    reminders_enabled = serializers.BooleanField(required=False)
    weekly_nudge_enabled = serializers.BooleanField(required=False)
    treatment_messages_enabled = serializers.BooleanField(required=False)
    headache_day_rule = serializers.ChoiceField(choices=HeadacheDayRule.choices, required=False)
    onboarded = serializers.BooleanField(
        required=False, help_text="The first run was finished or skipped; PATCH true to say so."
    )
    # The first run's question about current preventive medicines, kept as the patient wrote
    # it: the structured /api/v1/preventives/ of api.md is a planned feature, not this.
    preventive_medicines_note = StrictCharField(max_length=2000, required=False, allow_blank=True)
    recalled_baseline_headache_days = StrictIntegerField(
        min_value=0,
        max_value=28,
        required=False,
        allow_null=True,
        help_text="Headache days in a typical 4 weeks before Botox, as the patient recalls "
        "them (kept marked as patient-recalled); null clears the patient's own figure.",
    )
    recalled_baseline_source = serializers.ChoiceField(
        choices=RecalledBaselineSource.choices, read_only=True, allow_null=True
    )
    recalled_baseline_entered_at = serializers.DateTimeField(read_only=True, allow_null=True)

    PATIENT_FIELDS = (
        "reminder_time",
        "reminder_channels",
        "reminders_enabled",
        "weekly_nudge_enabled",
        "treatment_messages_enabled",
        "headache_day_rule",
        "onboarded",
        "preventive_medicines_note",
        "recalled_baseline_headache_days",
    )
    READ_ONLY_PATIENT_FIELDS = ("recalled_baseline_source", "recalled_baseline_entered_at")

    def to_representation(self, user: User) -> dict:
        data = {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "timezone": user.timezone,
        }
        profile = getattr(user, "patient_profile", None)
        for name in (*self.PATIENT_FIELDS, *self.READ_ONLY_PATIENT_FIELDS):
            data[name] = None
        if profile is not None:
            data.update(
                reminder_time=profile.reminder_time.strftime("%H:%M"),
                reminder_channels=list(profile.reminder_channels),
                reminders_enabled=profile.reminders_enabled,
                weekly_nudge_enabled=profile.weekly_nudge_enabled,
                treatment_messages_enabled=profile.treatment_messages_enabled,
                headache_day_rule=profile.headache_day_rule,
                onboarded=profile.onboarded,
                preventive_medicines_note=profile.preventive_medicines_note,
                recalled_baseline_headache_days=profile.recalled_baseline_headache_days,
                recalled_baseline_source=profile.recalled_baseline_source or None,
                recalled_baseline_entered_at=profile.recalled_baseline_entered_at,
            )
        return data

    def validate(self, attrs: dict) -> dict:
        user = self.instance
        # Without the account there is no patient to hold these settings: refused as for a
        # clinician rather than an error.
        if user is None or user.role != Role.PATIENT:
            for name in self.PATIENT_FIELDS:
                if name in attrs:
                    raise serializers.ValidationError({name: ["Only patients have this setting."]})
        return attrs

    def update(self, user: User, validated_data: dict) -> User:
        return services.profile_update(user=user, changes=validated_data)


class MeResponseSerializer(MeSerializer):
    """What GET and PATCH answer: the patient settings are null for a clinician."""

    reminder_time = HourMinuteField(allow_null=True)
    reminder_channels = ReminderChannelsField(allow_null=True)
    reminders_enabled = serializers.BooleanField(allow_null=True)
    weekly_nudge_enabled = serializers.BooleanField(allow_null=True)
    treatment_messages_enabled = serializers.BooleanField(allow_null=True)
    headache_day_rule = serializers.ChoiceField(choices=HeadacheDayRule.choices, allow_null=True)
    onboarded = serializers.BooleanField(allow_null=True)
    preventive_medicines_note = StrictCharField(allow_null=True)


class AccountDeletionSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False)

    def validate_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The password is not correct.")
        return value


class AccessEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor_email = serializers.EmailField()
    action = serializers.CharField()
    resource = serializers.CharField()


class MedicationSerializer(StrictModelSerializer):
    custom = serializers.SerializerMethodField()
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = Medication
        fields = ["id", "name", "medication_class", "custom", "aliases"]
        read_only_fields = ["id", "custom", "aliases"]

    def get_custom(self, medication: Medication) -> bool:
        return medication.owner_id is not None

    def get_aliases(self, medication: Medication) -> list[str]:
        """Brand names that also name this medicine in a diary entry."""
        return [alias.name for alias in medication.aliases.all()]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("A name is required.")
        patient = self.context["patient"]
        taken = Medication.objects.filter(
            Q(owner__isnull=True) | Q(owner=patient), name__iexact=value
        )
        if taken.exists():
            raise serializers.ValidationError("This medicine is already in your list.")
        brand = MedicationAlias.objects.filter(name__iexact=value).select_related("medication")
        if brand:
            raise serializers.ValidationError(
                f"{value} is already in the list, as {brand[0].medication.name}."
            )
        return value


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "id or name"}
)
class MedicationReferenceField(serializers.Field):
    default_error_messages = {
        "invalid": "Give a medicine's id or its name.",
        "unknown": "Unknown medicine {reference!r}.",
        "null_characters": "Null characters are not allowed in a medicine's name.",
    }

    def to_internal_value(self, data) -> int | str:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            # Beyond the id column's range no medicine can exist (and the database would refuse).
            if not 1 <= data <= MAX_BIGINT:
                self.fail("unknown", reference=data)
            return data
        if isinstance(data, str) and data.strip():
            # PostgreSQL refuses a NUL in a text parameter with an error, not a miss.
            if "\x00" in data:
                self.fail("null_characters")
            longest = Medication._meta.get_field("name").max_length
            if longest is not None and len(data.strip()) > longest:
                self.fail("unknown", reference=data.strip())
            return data.strip()
        self.fail("invalid")

    def to_representation(self, value):
        return value


class IntakeInputSerializer(serializers.Serializer):
    medication = MedicationReferenceField()
    doses = StrictIntegerField(min_value=1, max_value=MAX_DOSES_PER_DAY, default=1)
    relief = serializers.ChoiceField(
        choices=Relief.choices,
        required=False,
        allow_null=True,
        help_text="Did it help within 2 hours: none, some or full relief; null: not answered.",
    )


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: "yes" or 1 in a health record is more likely a client bug."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class FeaturesField(serializers.DictField):
    child = StrictBooleanField()

    def to_internal_value(self, data) -> dict[str, bool]:
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(DiaryDay.FEATURES))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown feature(s): {', '.join(unknown)}. Known: {', '.join(DiaryDay.FEATURES)}."
            )
        return value


class DiaryDayInputSerializer(serializers.Serializer):
    headache = StrictBooleanField()
    duration_hours = StrictDecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(24),
        required=False,
        allow_null=True,
        help_text="Required for a headache unless duration_band is given.",
    )
    duration_band = serializers.ChoiceField(
        choices=DurationBand.choices,
        required=False,
        allow_null=True,
        help_text="Instead of duration_hours: bands cut at the headache-day rules' thresholds.",
    )
    peak_severity = StrictIntegerField(min_value=0, max_value=3, required=False)
    features = FeaturesField(required=False)
    # DRF passes max_length on to the ListSerializer that many=True makes; the stubs miss it.
    medications = IntakeInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=30
    )
    disability = StrictIntegerField(min_value=0, max_value=3, required=False)
    notes = StrictCharField(max_length=2000, required=False, allow_blank=True)
    menstruation = StrictBooleanField(
        required=False, allow_null=True, help_text="Menstruating that day; null: not answered."
    )

    def validate(self, attrs: dict) -> dict:
        errors = entries.entry_errors(
            headache=attrs["headache"],
            peak_severity=attrs.get("peak_severity", 0),
            duration_hours=attrs.get("duration_hours"),
            duration_band=attrs.get("duration_band"),
            # Only an import (diary.interop) may store a headache of unknown duration.
            duration_may_be_unknown=self.context.get("duration_may_be_unknown", False),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_facts(self) -> DiaryDayFacts:
        return self.facts_of(self.validated_data)

    @staticmethod
    def facts_of(data: dict) -> DiaryDayFacts:
        """The facts of one validated day (an item of ``many=True`` validated data too)."""
        features = data.get("features", {})
        hours, band = data.get("duration_hours"), data.get("duration_band") or ""
        medications = data.get("medications", [])
        reliefs = tuple(intake.get("relief") or "" for intake in medications)
        return DiaryDayFacts(
            headache=data["headache"],
            duration_hours=hours,
            duration_band=band,
            duration_known=entries.is_duration_known(
                headache=data["headache"], duration_hours=hours, duration_band=band
            ),
            peak_severity=data.get("peak_severity", 0),
            features=frozenset(name for name, present in features.items() if present),
            disability=data.get("disability", 0),
            notes=data.get("notes", ""),
            menstruation=data.get("menstruation"),
            # Checked against the medicines the patient can see when the day is written.
            intakes=tuple((intake["medication"], intake["doses"]) for intake in medications),
            reliefs=reliefs if any(reliefs) else (),
        )


def diary_day_representation(
    day: DiaryDay, *, rule: str = DEFAULT_RULE, intakes: list[MedicationIntake] | None = None
) -> dict:
    """A day as the API shows it; ``intakes`` saves a query when the caller holds them."""
    intakes = list(day.intakes.all()) if intakes is None else intakes
    features = {name: getattr(day, name) for name in DiaryDay.FEATURES}
    classes = selectors.diary_day_classes(day=day, rule=rule, intakes=intakes)
    return {
        "date": day.date.isoformat(),
        "headache": day.headache,
        "duration_hours": None if day.duration_hours is None else float(day.duration_hours),
        "duration_band": day.duration_band or None,
        "duration_known": day.duration_known,
        "peak_severity": day.peak_severity,
        "features": features,
        "medications": [
            {
                "medication": intake.medication_id,
                "name": intake.medication.name,
                "medication_class": intake.medication.medication_class,
                "doses": intake.doses,
                "relief": intake.relief or None,
            }
            for intake in intakes
        ],
        "disability": day.disability,
        "notes": day.notes,
        "menstruation": day.menstruation,
        "revision": day.revision,
        "etag": day.etag,
        "created_at": day.created_at,
        "updated_at": day.updated_at,
        "rule": rule,
        "headache_day": classes.headache_day,
        "migraine_day": classes.migraine_day,
        "moderate_severe_day": classes.moderate_severe_day,
        "acute_medication_classes": list(classes.acute_medication_classes),
        "duration_unknown_day": classes.duration_unknown,
    }


class DiaryMedicationOutputSerializer(serializers.Serializer):
    medication = serializers.IntegerField()
    name = serializers.CharField()
    medication_class = serializers.ChoiceField(choices=MedicationClass.choices)
    doses = serializers.IntegerField()
    relief = serializers.ChoiceField(choices=Relief.choices, allow_null=True)


class DiaryDayOutputSerializer(serializers.Serializer):
    """Documents the shape of ``diary_day_representation`` for the schema."""

    date = serializers.DateField()
    headache = serializers.BooleanField()
    duration_hours = serializers.FloatField(allow_null=True)
    duration_band = serializers.ChoiceField(choices=DurationBand.choices, allow_null=True)
    duration_known = serializers.BooleanField(
        help_text="False only for a headache stored without any duration (imported days, days "
        "logged before durations were asked): counted apart, never as headache-free."
    )
    peak_severity = serializers.IntegerField()
    features = serializers.DictField(child=serializers.BooleanField())
    medications = DiaryMedicationOutputSerializer(many=True)
    disability = serializers.IntegerField()
    notes = serializers.CharField()
    menstruation = serializers.BooleanField(allow_null=True)
    revision = serializers.IntegerField()
    etag = serializers.CharField(help_text="The value to send back in If-Match.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    rule = serializers.ChoiceField(choices=HeadacheDayRule.choices)
    headache_day = serializers.BooleanField()
    migraine_day = serializers.BooleanField()
    moderate_severe_day = serializers.BooleanField()
    acute_medication_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=MedicationClass.choices)
    )
    duration_unknown_day = serializers.BooleanField(
        help_text="An untreated headache of unknown duration: not a headache day under any rule, "
        "not headache-free either; trends count these days apart."
    )


class DiaryDayFactsOutputSerializer(serializers.Serializer):
    """A kept version of a day: what the patient had entered (day classes are not kept)."""

    headache = serializers.BooleanField()
    duration_hours = serializers.FloatField(allow_null=True)
    duration_band = serializers.ChoiceField(choices=DurationBand.choices, allow_null=True)
    duration_known = serializers.BooleanField()
    peak_severity = serializers.IntegerField()
    features = serializers.DictField(child=serializers.BooleanField())
    medications = DiaryMedicationOutputSerializer(many=True)
    disability = serializers.IntegerField()
    notes = serializers.CharField()
    menstruation = serializers.BooleanField(allow_null=True)


class DiaryDayVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Send as 'version' to restore/ to bring it back.")
    date = serializers.DateField()
    revision = serializers.IntegerField(help_text="The revision this version had.")
    replaced_at = serializers.DateTimeField(help_text="When a save or delete overwrote it.")
    deleted = serializers.BooleanField(help_text="True when the day was deleted.")
    day = DiaryDayFactsOutputSerializer()


class DiaryDayRestoreSerializer(serializers.Serializer):
    version = StrictIntegerField(
        min_value=1, max_value=MAX_BIGINT, help_text="The id of a version from history/."
    )


def diary_day_versions_representation(versions: list[DiaryDayRevision]) -> list[dict]:
    medication_ids = {
        intake["medication_id"] for version in versions for intake in version.entry["intakes"]
    }
    medications = Medication.objects.in_bulk(medication_ids)
    result = []
    for version in versions:
        entry = version.entry
        hours = entry.get("duration_hours")
        result.append(
            {
                "id": version.pk,
                "date": version.date.isoformat(),
                "revision": version.revision,
                "replaced_at": version.replaced_at,
                "deleted": version.deleted,
                "day": {
                    "headache": entry["headache"],
                    "duration_hours": None if hours is None else float(hours),
                    "duration_band": entry.get("duration_band") or None,
                    "duration_known": entry.get("duration_known", True),
                    "peak_severity": entry["peak_severity"],
                    "features": {name: bool(entry.get(name)) for name in DiaryDay.FEATURES},
                    "medications": [
                        {
                            "medication": intake["medication_id"],
                            "name": getattr(medications.get(intake["medication_id"]), "name", ""),
                            "medication_class": getattr(
                                medications.get(intake["medication_id"]), "medication_class", ""
                            ),
                            "doses": intake["doses"],
                            "relief": intake.get("relief") or None,
                        }
                        for intake in entry["intakes"]
                    ],
                    "disability": entry["disability"],
                    "notes": entry["notes"],
                    "menstruation": entry.get("menstruation"),
                },
            }
        )
    return result


class DateRangeSerializer(serializers.Serializer):
    MAX_DAYS = 366 * 10
    # Ranges are counted back from their ends (28-day windows, a year before "to"): a date near
    # year 1 would underflow. No diary holds days from before 1900.
    EARLIEST = date(1900, 1, 1)

    to = IsoDateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so the field is added by name.
        fields["from"] = IsoDateField(required=False)
        return fields

    def to_internal_value(self, data):
        # DRF reads "?to=" in a QueryDict as "not given"; an empty date is a malformed one.
        if hasattr(data, "dict"):
            data = data.dict()
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("from"), attrs.get("to")
        for name in ("from", "to"):
            if attrs.get(name) and attrs[name] < self.EARLIEST:
                raise serializers.ValidationError(
                    {name: [f"Dates start at {self.EARLIEST.isoformat()}."]}
                )
        if start and end:
            if start > end:
                raise serializers.ValidationError({"from": ["'from' must not be after 'to'."]})
            if (end - start).days > self.MAX_DAYS:
                raise serializers.ValidationError({"from": ["The range may span ten years."]})
        return attrs


# Care links -----------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()


class ClinicMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The member's id, as flags name their assignee.")
    display_name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=ClinicRole.choices)


class ClinicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = ClinicMemberSerializer(many=True)


def clinic_member_representation(member: ClinicMember) -> dict:
    user = member.clinician.user
    return {"id": member.pk, "display_name": str(user), "email": user.email, "role": member.role}


class CareLinkSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    patient = serializers.SerializerMethodField()
    clinician = serializers.SerializerMethodField()
    clinic = serializers.SerializerMethodField()

    class Meta:
        model = CareLink
        fields = [
            "id",
            "status",
            "patient",
            "clinician",
            "clinic",
            "created_at",
            "expires_at",
            "redeemed_at",
            "revoked_at",
        ]

    @extend_schema_field(
        PersonSerializer(
            allow_null=True,
            help_text="Null once the link is revoked: the clinic no longer learns the patient's "
            "current name or email.",
        )
    )
    def get_patient(self, link: CareLink) -> dict | None:
        if link.revoked_at is not None:
            return None
        user = link.patient.user
        return {"id": link.patient_id, "display_name": str(user), "email": user.email}

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_clinician(self, link: CareLink) -> dict | None:
        if link.clinician is None:
            return None
        user = link.clinician.user
        return {"id": link.clinician_id, "display_name": str(user), "email": user.email}

    @extend_schema_field(ClinicSerializer(allow_null=True))
    def get_clinic(self, link: CareLink) -> dict | None:
        """The clinic the patient shares with, and who in it sees the diary."""
        if link.clinic is None:
            return None
        members = selectors.clinic_members(clinic=link.clinic)
        return {
            "id": link.clinic_id,
            "name": link.clinic.name,
            "members": [clinic_member_representation(member) for member in members],
        }


class CareLinkCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    expires_at = serializers.DateTimeField()


class CareLinkRedeemSerializer(serializers.Serializer):
    code = StrictCharField(max_length=32, trim_whitespace=True)


# Injections -----------------------------------------------------------------------------------


class InjectionSiteSerializer(serializers.Serializer):
    muscle = serializers.ChoiceField(choices=Muscle.choices)
    side = serializers.ChoiceField(choices=Side.choices)
    units = StrictDecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal(200)
    )
    points = StrictIntegerField(min_value=1, max_value=40, default=1)

    def to_site_dose(self, data: dict) -> paradigms.SiteDose:
        return paradigms.SiteDose(data["muscle"], data["side"], data["units"], data["points"])


class SideEffectSerializer(StrictModelSerializer):
    injection = serializers.IntegerField(source="session_id", read_only=True)
    onset_date = IsoDateField()
    red_flag = serializers.BooleanField(source="is_red_flag", read_only=True)

    class Meta:
        model = SideEffectReport
        fields = [
            "id",
            "injection",
            "kind",
            "onset_date",
            "severity",
            "notes",
            "red_flag",
            "created_at",
        ]
        read_only_fields = ["id", "injection", "red_flag", "created_at"]
        extra_kwargs = {"severity": {"min_value": 1, "max_value": 3}}

    def validate_onset_date(self, value: date) -> date:
        session: InjectionSession = self.context["session"]
        if value < session.date:
            raise serializers.ValidationError("The onset cannot be before the injection.")
        if value > selectors.local_today(user=session.patient.user):
            raise serializers.ValidationError("The onset cannot be in the future.")
        return value


class InjectionSessionSerializer(StrictModelSerializer):
    date = IsoDateField()
    # DRF passes max_length on to the ListSerializer that many=True makes; the stubs miss it.
    sites = InjectionSiteSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=60
    )
    side_effects = SideEffectSerializer(many=True, read_only=True)
    next_due_date = serializers.SerializerMethodField()
    total_units = StrictDecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=paradigms.UNITS_STEP,
        max_value=paradigms.MAX_UNITS_PER_SESSION,
    )
    planned_interval_weeks = StrictIntegerField(
        default=paradigms.STANDARD_INTERVAL_WEEKS,
        max_value=52,
        min_value=paradigms.MIN_INTERVAL_WEEKS,
        error_messages={
            "min_value": (
                f"The interval may be shortened to {paradigms.MIN_INTERVAL_WEEKS} weeks, "
                "never shorter."
            ),
        },
    )
    paradigm = serializers.ChoiceField(choices=Paradigm.choices, default=Paradigm.PREEMPT)
    early_reason = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=(
            f"Required for a session less than {paradigms.MIN_INTERVAL_WEEKS} weeks after the "
            "previous one."
        ),
    )

    class Meta:
        model = InjectionSession
        fields = [
            "id",
            "date",
            "product",
            "total_units",
            "paradigm",
            "sites",
            "injector",
            "lot",
            "planned_interval_weeks",
            "notes",
            "early_reason",
            "source",
            "confirmed",
            "version",
            "next_due_date",
            "side_effects",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "source",
            "confirmed",
            "version",
            "next_due_date",
            "side_effects",
            "created_at",
        ]
        extra_kwargs = {"product": {"default": "onabotulinumtoxinA"}}

    # datetime.date: in this class "date" is the field above.
    def get_next_due_date(self, session: InjectionSession) -> datetime.date:
        return paradigms.next_due_date(
            injected_on=session.date, planned_interval_weeks=session.planned_interval_weeks
        )

    def validate_date(self, value: datetime.date) -> datetime.date:
        patient: PatientProfile = self.context["patient"]
        if value > selectors.local_today(user=patient.user):
            raise serializers.ValidationError("An injection cannot be recorded in the future.")
        return value

    def to_representation(self, session: InjectionSession) -> dict:
        data = super().to_representation(session)
        data["total_units"] = float(session.total_units)
        data["sites"] = [
            {
                "muscle": site.muscle,
                "side": site.side,
                "units": float(site.units),
                "points": site.points,
            }
            for site in session.sites.all()
        ]
        return data


class InjectionSessionUpdateSerializer(InjectionSessionSerializer):
    """PATCH: any of the fields a session is recorded with; the rest stay as they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class InjectionVoidSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Why the record is void.")

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Say why this record is void.")
        return value.strip()


class InjectionVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    change = serializers.ChoiceField(choices=InjectionChange.choices)
    reason = serializers.CharField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.SerializerMethodField()
    record = serializers.JSONField(source="data", help_text="The record after this change.")

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_changed_by(self, version: InjectionSessionVersion) -> dict | None:
        user = version.changed_by
        if user is None:
            return {"id": None, "display_name": version.changed_by_email, "email": ""}
        return {"id": user.pk, "display_name": str(user), "email": user.email}


class SideEffectCreatedSerializer(SideEffectSerializer):
    seek_urgent_care = serializers.SerializerMethodField()

    class Meta(SideEffectSerializer.Meta):
        fields = [*SideEffectSerializer.Meta.fields, "seek_urgent_care"]

    def get_seek_urgent_care(self, report: SideEffectReport) -> str | None:
        if not report.is_red_flag:
            return None
        return RED_FLAG_REPORTED


# Flags and patients ---------------------------------------------------------------------------


class ReviewFlagSerializer(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()
    evidence = serializers.JSONField(read_only=True)

    class Meta:
        model = ReviewFlag
        fields = [
            "id",
            "patient",
            "kind",
            "status",
            "created_at",
            "updated_at",
            "evidence",
            "note",
            "decision",
            "reviewed_at",
            "assignee",
        ]
        read_only_fields = [
            "id",
            "patient",
            "kind",
            "created_at",
            "updated_at",
            "reviewed_at",
            "assignee",
        ]

    @extend_schema_field(PersonSerializer)
    def get_patient(self, flag: ReviewFlag) -> dict:
        user = flag.patient.user
        return {"id": flag.patient_id, "display_name": str(user), "email": user.email}


class ReviewFlagUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[FlagStatus.ACKNOWLEDGED, FlagStatus.RESOLVED, FlagStatus.DISMISSED],
        required=False,
    )
    note = StrictCharField(max_length=2000, required=False, allow_blank=True)
    decision = serializers.ChoiceField(
        choices=FlagDecision.choices,
        required=False,
        help_text="One of the decisions of the flag's kind.",
    )
    assignee = StrictIntegerField(
        required=False,
        allow_null=True,
        help_text="A member of a clinic linked with the patient (their id), or null.",
    )

    def validate(self, attrs: dict) -> dict:
        flag: ReviewFlag = self.context["flag"]
        if "status" not in attrs and "assignee" not in attrs:
            raise serializers.ValidationError({"status": ["Give a status or an assignee."]})
        if attrs.get("decision") and attrs["decision"] not in flag_decisions(flag.kind):
            labels = ", ".join(flag_decisions(flag.kind))
            raise serializers.ValidationError(
                {"decision": [f"A {flag.get_kind_display().lower()} flag ends in one of {labels}."]}
            )
        if attrs.get("assignee") is not None:
            member = selectors.clinic_members_for_patient(patient=flag.patient).filter(
                pk=attrs["assignee"]
            )
            if not member.exists():
                raise serializers.ValidationError(
                    {"assignee": ["Not a member of a clinic this patient shares with."]}
                )
        return attrs


class LinkedPatientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField()
    timezone = TimeZoneField()
    last_entry_date = serializers.DateField(allow_null=True)
    open_flags = serializers.IntegerField()
