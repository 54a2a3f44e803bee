from django.contrib import admin

from diary.admin import AccessLoggedAdmin
from diary.interop.models import CalendarFeed, DiaryImport


@admin.register(DiaryImport)
class DiaryImportAdmin(AccessLoggedAdmin):
    # Support sees that an import happened, not the diary content it carries.
    list_display = ["patient", "format", "status", "created_at", "committed_at"]
    list_filter = ["status", "format"]
    search_fields = ["patient__user__email"]
    raw_id_fields = ["patient"]
    exclude = ["days", "errors", "result"]
    readonly_fields = [
        "patient",
        "format",
        "status",
        "file_name",
        "file_sha256",
        "created_at",
        "committed_at",
    ]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(AccessLoggedAdmin):
    list_display = ["patient", "created_at"]
    search_fields = ["patient__user__email"]
    raw_id_fields = ["patient"]
    readonly_fields = ["patient", "token_digest", "created_at"]
