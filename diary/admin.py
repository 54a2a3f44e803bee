"""The admin: behind the same sign-in rules as the clinic, its views of patient data logged.

Staff sign in with their password and then a second factor (TOTP or a recovery code), under the
same rate limits and code lock as the clinic's sign-in; the admin serves only a session that
used a second factor. Staff enrol an authenticator through the account API before their first
admin sign-in. Care links are made by patients' codes only: the admin can revoke, never link.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.core import ratelimit
from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from diary import models, services
from diary.audit import record_accesses
from diary.auth import has_second_factor, second_factor_used
from frontend.clinic.signin import verify_code

ADMIN_PENDING_KEY = "admin.pending_user"
ADMIN_BACKEND = "diary.auth.AuthenticationBackend"
CODE_PAGE = engines["django"].from_string(
    """{% extends "admin/login.html" %}
{% block content %}
<form method="post" id="login-form">{% csrf_token %}
  {{ form.non_field_errors }}
  <div class="form-row">{{ form.code.errors }}{{ form.code.label_tag }} {{ form.code }}</div>
  <input type="hidden" name="next" value="{{ next }}">
  <div class="submit-row"><input type="submit" value="Verify"></div>
</form>
{% endblock %}"""
)


class AdminCodeForm(forms.Form):
    code = forms.CharField(label="Code from your authenticator app, or a recovery code")


def admin_has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and second_factor_used(request))


def _admin_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Password (rate-limited per address and per account), then the second factor."""
    if request.method == "GET" and admin_has_permission(request):
        return redirect(_admin_next(request))
    context = {**admin.site.each_context(request), "next": _admin_next(request)}
    pending_id = request.session.get(ADMIN_PENDING_KEY)
    if pending_id is not None and "code" in request.POST:
        user = models.User.objects.filter(pk=pending_id, is_active=True, is_staff=True).first()
        code_form = AdminCodeForm(request.POST)
        if user is not None and code_form.is_valid():
            authenticator = verify_code(user=user, code=code_form.cleaned_data["code"])
            if authenticator is not None:
                request.session.pop(ADMIN_PENDING_KEY, None)
                login(request, user, backend=ADMIN_BACKEND)
                record_authentication(request, user, "password", email=user.email)
                record_authentication(
                    request, user, "mfa", id=authenticator.pk, type=authenticator.type
                )
                authenticator.record_usage()
                return redirect(_admin_next(request))
            code_form.add_error("code", "The code is not right, or code sign-in is locked.")
        return HttpResponse(CODE_PAGE.render({**context, "form": code_form}, request))

    form = AdminAuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        email = request.POST.get("username", "").strip().lower()
        if not ratelimit.consume(request, action="login_failed", key=email, dry_run=True):
            form.errors.clear()
            form.add_error(None, "Too many failed sign-ins. Wait a few minutes and try again.")
        elif form.is_valid():
            user = form.get_user()
            if not has_second_factor(user):
                form.add_error(None, "Set up an authenticator app before using the admin.")
            else:
                request.session[ADMIN_PENDING_KEY] = user.pk
                return HttpResponse(CODE_PAGE.render({**context, "form": AdminCodeForm()}, request))
        else:
            ratelimit.consume(request, action="login_failed", key=email)
    return HttpResponse(
        engines["django"]
        .get_template("admin/login.html")
        .render({**context, "form": form, "site_header": admin.site.site_header}, request)
    )


# The default site, so every app's admin (and Django's own views) keeps these rules.
admin.site.has_permission = admin_has_permission  # type: ignore[method-assign]
admin.site.login = admin_login  # type: ignore[method-assign]


class AccessLoggedAdmin(admin.ModelAdmin):
    """Every admin page showing a patient's data leaves an entry in that patient's access log."""

    # How to reach the patient from an object of this admin (a chain of attributes).
    patient_path = "patient"

    def patient_of(self, obj) -> models.PatientProfile | None:
        for name in self.patient_path.split("."):
            obj = getattr(obj, name, None) if name else obj
        return obj if isinstance(obj, models.PatientProfile) else None

    def _record(self, request: HttpRequest, objects, action: str) -> None:
        patients = [patient for obj in objects if (patient := self.patient_of(obj)) is not None]
        record_accesses(request, patients=patients, action=action)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._record(request, changelist.result_list, models.AccessEvent.Action.VIEW)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        if obj is not None:
            action = (
                models.AccessEvent.Action.CHANGE
                if request.method == "POST"
                else models.AccessEvent.Action.VIEW
            )
            self._record(request, [obj], action)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "POST":
            self._record(request, [obj], models.AccessEvent.Action.CHANGE)
        return super().delete_view(request, object_id, extra_context)


@admin.register(models.User)
class UserAdmin(AccessLoggedAdmin, BaseUserAdmin):
    patient_path = "patient_profile"
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
class PatientProfileAdmin(AccessLoggedAdmin):
    patient_path = ""
    list_display = ["user", "headache_day_rule", "reminder_time", "reminders_enabled"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(models.ClinicianProfile)
class ClinicianProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic"]
    search_fields = ["user__email", "clinic"]
    raw_id_fields = ["user"]


@admin.register(models.CareLink)
class CareLinkAdmin(AccessLoggedAdmin):
    """View and revoke only: a link exists because the patient handed a code to a clinician."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    list_display = ["patient", "clinician", "status", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["code_digest", "created_at", "redeemed_at"]
    raw_id_fields = ["patient", "clinician"]


@admin.register(models.Medication)
class MedicationAdmin(AccessLoggedAdmin):
    # A patient's own medicine names are theirs; catalogue entries (no owner) log nothing.
    patient_path = "owner"
    list_display = ["name", "medication_class", "owner"]
    list_filter = ["medication_class"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]


class MedicationIntakeInline(admin.TabularInline):
    model = models.MedicationIntake
    extra = 0
    raw_id_fields = ["medication"]


class PatientRecordAdmin(AccessLoggedAdmin):
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
class SideEffectReportAdmin(AccessLoggedAdmin):
    patient_path = "session.patient"
    list_display = ["session", "kind", "onset_date", "severity"]
    list_filter = ["kind"]
    raw_id_fields = ["session", "reported_by"]


@admin.register(models.ReviewFlag)
class ReviewFlagAdmin(AccessLoggedAdmin):
    list_display = ["patient", "kind", "status", "created_at", "decision"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["patient", "reviewed_by"]


@admin.register(models.PushSubscription)
class PushSubscriptionAdmin(AccessLoggedAdmin):
    patient_path = "user.patient_profile"
    list_display = ["user", "endpoint", "created_at"]
    raw_id_fields = ["user"]


@admin.register(models.AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the audit trail."""

    list_display = ["at", "actor_email", "action", "patient_pseudonym", "resource", "ip_address"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
