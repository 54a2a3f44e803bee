from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from diary import models, services


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "timezone", "is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "timezone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "closed_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["close_accounts"]
    readonly_fields = ["closed_at"]

    @admin.action(description="Close the selected accounts (erased after the retention period)")
    def close_accounts(self, request, queryset):
        for user in queryset:
            services.account_close(user=user)
        self.message_user(request, f"Closed {queryset.count()} account(s).")


@admin.register(models.PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "headache_day_rule", "reminder_time", "reminders_enabled"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(models.ClinicianProfile)
class ClinicianProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic"]
    search_fields = ["user__email", "clinic"]
    raw_id_fields = ["user"]


@admin.register(models.CareLink)
class CareLinkAdmin(admin.ModelAdmin):
    list_display = ["patient", "clinician", "status", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["code_digest", "created_at", "redeemed_at"]
    raw_id_fields = ["patient", "clinician"]


@admin.register(models.Medication)
class MedicationAdmin(admin.ModelAdmin):
    list_display = ["name", "medication_class", "owner"]
    list_filter = ["medication_class"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]


class MedicationIntakeInline(admin.TabularInline):
    model = models.MedicationIntake
    extra = 0
    raw_id_fields = ["medication"]


class PatientRecordAdmin(admin.ModelAdmin):
    """Edits made here reach the patient's trends and the next scan, as the app's writes do.

    (A change to a catalogue medicine's class reaches cached trends within a day, when their
    key's date moves on, and the scan at its weekly rescan.)
    """

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.patient_data_changed(patient=form.instance.patient)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.patient_data_changed(patient=obj.patient)

    def delete_queryset(self, request, queryset):
        patient_ids = set(queryset.values_list("patient_id", flat=True))
        super().delete_queryset(request, queryset)
        services.patients_data_changed(patient_ids=patient_ids)


@admin.register(models.DiaryDay)
class DiaryDayAdmin(PatientRecordAdmin):
    list_display = ["patient", "date", "headache", "peak_severity", "duration_hours"]
    list_filter = ["headache", "peak_severity"]
    date_hierarchy = "date"
    raw_id_fields = ["patient"]
    inlines = [MedicationIntakeInline]


class InjectionSiteInline(admin.TabularInline):
    model = models.InjectionSite
    extra = 0


class SideEffectInline(admin.TabularInline):
    model = models.SideEffectReport
    extra = 0
    raw_id_fields = ["reported_by"]


@admin.register(models.InjectionSession)
class InjectionSessionAdmin(PatientRecordAdmin):
    list_display = ["patient", "date", "total_units", "paradigm", "planned_interval_weeks"]
    list_filter = ["paradigm"]
    date_hierarchy = "date"
    raw_id_fields = ["patient", "recorded_by"]
    inlines = [InjectionSiteInline, SideEffectInline]


@admin.register(models.SideEffectReport)
class SideEffectReportAdmin(admin.ModelAdmin):
    list_display = ["session", "kind", "onset_date", "severity"]
    list_filter = ["kind"]
    raw_id_fields = ["session", "reported_by"]


@admin.register(models.ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "status", "created_at", "decision"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["patient", "reviewed_by"]


@admin.register(models.PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "endpoint", "created_at"]
    raw_id_fields = ["user"]


@admin.register(models.AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the audit trail."""

    list_display = ["at", "actor_email", "action", "patient", "resource", "ip_address"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
