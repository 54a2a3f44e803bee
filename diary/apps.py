from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Headache diary"

    def ready(self) -> None:
        # Registers the schema's description of X-Session-Token with drf-spectacular.
        from diary.api import schema  # noqa: F401
