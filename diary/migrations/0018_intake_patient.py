"""Each medicine intake names its day's patient, so the scan reads intakes by patient.

The column is filled from the intakes' days in one statement, then made required. What stored
data means is unchanged: the patient was the day's all along.
"""

import django.db.models.deletion
from django.db import migrations, models


def patients_from_days(apps, schema_editor):
    intake = apps.get_model("diary", "MedicationIntake")._meta.db_table
    day = apps.get_model("diary", "DiaryDay")._meta.db_table
    quote = schema_editor.quote_name
    if schema_editor.connection.vendor == "postgresql":
        # The foreign key's checks at once, not queued to the commit: PostgreSQL refuses the
        # NOT NULL that follows while trigger events are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # A join: a correlated lookup per intake is several times slower on a large table.
        sql = (
            f"UPDATE {quote(intake)} i SET patient_id = d.patient_id "
            f"FROM {quote(day)} d WHERE d.id = i.diary_day_id"
        )
    else:
        sql = (
            f"UPDATE {quote(intake)} SET patient_id = (SELECT d.patient_id FROM {quote(day)} d "
            f"WHERE d.id = {quote(intake)}.diary_day_id)"
        )
    schema_editor.execute(sql)


def patient_field(*, null: bool) -> models.ForeignKey:
    """The intake's patient: nullable until filled from the days, then required."""
    return models.ForeignKey(
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="+",
        to="diary.patientprofile",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0017_database_defaults_for_clinic_columns"),
    ]

    operations = [
        migrations.AddField(
            model_name="medicationintake", name="patient", field=patient_field(null=True)
        ),
        migrations.RunPython(patients_from_days, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="medicationintake", name="patient", field=patient_field(null=False)
        ),
        migrations.AlterField(
            model_name="medicationintake",
            name="diary_day",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="intakes",
                to="diary.diaryday",
            ),
        ),
        migrations.AddIndex(
            model_name="medicationintake",
            index=models.Index(
                fields=["patient", "diary_day", "medication"], name="intake_by_patient"
            ),
        ),
    ]
