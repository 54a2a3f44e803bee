from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Headache diary"

    def ready(self) -> None:
        # Receivers: a first enrolled factor counts as used (auth); the access log outlives an
        # erasure (audit). The deploy checks (checks). The schema's description of
        # X-Session-Token (schema).
        from diary import audit, auth, checks  # noqa: F401
        from diary.api import schema  # noqa: F401
