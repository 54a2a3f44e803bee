from django.db import migrations

from diary.catalogue import ACUTE_MEDICATIONS


def add_catalogue(apps, schema_editor):
    Medication = apps.get_model("diary", "Medication")
    for name, medication_class in ACUTE_MEDICATIONS:
        Medication.objects.get_or_create(
            name=name, owner=None, defaults={"medication_class": medication_class}
        )


def remove_catalogue(apps, schema_editor):
    Medication = apps.get_model("diary", "Medication")
    Medication.objects.filter(owner=None, name__in=[name for name, _ in ACUTE_MEDICATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("diary", "0001_initial")]

    operations = [migrations.RunPython(add_catalogue, remove_catalogue)]
