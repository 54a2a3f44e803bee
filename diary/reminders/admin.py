from django.contrib import admin

from diary.admin import AccessLoggedAdmin
from diary.reminders.models import OutgoingMessage, ReminderSchedule, ScheduledRun


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(AccessLoggedAdmin):
    list_display = ["patient", "next_slot_date", "next_slot_at", "updated_at"]
    list_select_related = ["patient__user"]
    raw_id_fields = ["patient"]
    ordering = ["next_slot_at"]


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(AccessLoggedAdmin):
    patient_path = "user.patient_profile"
    # Only what a support person needs to see that a message went out; no content.
    list_display = ["user", "kind", "key", "channel", "status", "created_at", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    readonly_fields = [field.name for field in OutgoingMessage._meta.fields]


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "created_at"]
