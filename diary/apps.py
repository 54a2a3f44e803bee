from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Headache diary"

    def ready(self) -> None:
        # The receiver counting a first enrolled factor as used (auth); the schema's description
        # of X-Session-Token for drf-spectacular (schema).
        from diary import auth  # noqa: F401
        from diary.api import schema  # noqa: F401
