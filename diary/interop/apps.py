from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "diary.interop"
    label = "interop"
    verbose_name = "Interoperability: FHIR export, diary import, calendar feed"
