from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "diary.reminders"
    label = "reminders"
    verbose_name = "Reminders and messages"
