from __future__ import annotations

from rest_framework import serializers

from diary.api.serializers import IsoDateField, StrictBooleanField
from diary.interop.importers import MAX_FILE_BYTES
from diary.interop.models import ImportFormat, ImportStatus
from diary.models import DiaryDay, DurationBand


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"A CSV file of at most {MAX_FILE_BYTES // (1024 * 1024)} MB in UTF-8, "
        "UTF-16 or Windows-1252."
    )
    format = serializers.ChoiceField(
        choices=ImportFormat.choices,
        required=False,
        help_text="Detected from the header row when omitted.",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Row number as a spreadsheet shows it (the header is row 1)."
    )
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportMedicineSerializer(serializers.Serializer):
    name = serializers.CharField()
    doses = serializers.IntegerField()
    medication = serializers.IntegerField(
        allow_null=True,
        help_text="The matching medicine's id; null for a medicine that confirming will add "
        "to the patient's own list with class 'other'.",
    )


class ImportDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=["new", "unchanged", "conflict"],
        help_text="Against the diary now: a new day, the same as the stored day, or different.",
    )
    headache = serializers.BooleanField()
    duration_hours = serializers.FloatField(allow_null=True)
    duration_band = serializers.ChoiceField(choices=DurationBand.choices, allow_null=True)
    duration_known = serializers.BooleanField(
        help_text="False for a headache the file gives no duration for: stored as of unknown "
        "duration, counted apart, never as headache-free."
    )
    peak_severity = serializers.IntegerField(help_text="0 none, 1 mild, 2 moderate, 3 severe.")
    features = serializers.ListField(child=serializers.ChoiceField(choices=DiaryDay.FEATURES))
    medications = ImportMedicineSerializer(many=True)
    disability = serializers.IntegerField()
    notes = serializers.CharField(allow_blank=True)
    rows = serializers.ListField(
        child=serializers.IntegerField(), help_text="The file rows this day was built from."
    )


class DiaryImportSerializer(serializers.Serializer):
    """Documents the preview's shape for the schema."""

    id = serializers.IntegerField()
    format = serializers.ChoiceField(choices=ImportFormat.choices)
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    file_name = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    days = ImportDaySerializer(many=True)
    conflicts = serializers.ListField(
        child=serializers.DateField(),
        help_text="Dates already in the diary with different content.",
    )
    new_medications = serializers.ListField(child=serializers.CharField())
    # The serializer metaclass takes declared fields off the class, so this "errors" field
    # leaves Serializer.errors alone; the stubs cannot see that.
    errors = ImportRowErrorSerializer(  # type: ignore[assignment]
        many=True, help_text="Rows left out of the import, each with its row and column."
    )


class ImportRejectedSerializer(serializers.Serializer):
    file = serializers.ListField(child=serializers.CharField(), required=False)
    # A declared field, taken off the class: Serializer.errors stays (see above).
    errors = ImportRowErrorSerializer(many=True, required=False)  # type: ignore[assignment]


class ImportConfirmSerializer(serializers.Serializer):
    overwrite_conflicts = StrictBooleanField(
        default=False,
        help_text="Replace stored days that differ from the imported ones; otherwise they "
        "are skipped.",
    )


class ImportResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    created = serializers.ListField(child=serializers.DateField())
    updated = serializers.ListField(child=serializers.DateField())
    unchanged = serializers.ListField(child=serializers.DateField())
    skipped_conflicts = serializers.ListField(child=serializers.DateField())
    medications_created = serializers.ListField(child=serializers.CharField())


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The private feed URL, shown once; anyone who has it can read the feed."
    )


class FhirPageSerializer(serializers.Serializer):
    # A year of diary per page: about 2 MB, built in well under a second.
    DEFAULT_DAYS = 366
    MAX_DAYS = 3660

    _count = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=DEFAULT_DAYS)
    after = IsoDateField(required=False)
