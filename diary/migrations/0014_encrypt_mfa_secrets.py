"""TOTP secrets and recovery-code seeds stored before encryption get encrypted (diary.auth)."""

from django.db import migrations

from diary.auth import ENCRYPTED_PREFIX, EncryptingMFAAdapter

SECRET_FIELDS = {"totp": ["secret"], "recovery_codes": ["seed"]}


def _convert(apps, change) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=SECRET_FIELDS):
        data = dict(authenticator.data)
        for field in SECRET_FIELDS[authenticator.type]:
            if field in data:
                data[field] = change(data[field])
        if "migrated_codes" in data:
            data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    adapter = EncryptingMFAAdapter()
    _convert(
        apps,
        lambda value: value if value.startswith(ENCRYPTED_PREFIX) else adapter.encrypt(value),
    )


def decrypt_secrets(apps, schema_editor):
    adapter = EncryptingMFAAdapter()
    _convert(
        apps,
        lambda value: adapter.decrypt(value) if value.startswith(ENCRYPTED_PREFIX) else value,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0013_access_log_outlives_erasure"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
