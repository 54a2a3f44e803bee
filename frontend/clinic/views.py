"""The clinician workspace: sign-in with a second factor, triage, patient, flags, injections."""

from __future__ import annotations

import base64
from decimal import Decimal

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from diary import selectors, services
from diary.models import UNDER_REVIEW, AccessEvent, FlagKind, PatientProfile, User
from diary.paradigms import PREEMPT_SITES, PREEMPT_TOTAL_UNITS, SiteDose
from frontend.clinic import signin, webauthn
from frontend.clinic.access import (
    clinician_required,
    has_second_factor,
    may_see_patient_data,
)
from frontend.clinic.forms import (
    CodeForm,
    EnrolForm,
    FlagReviewForm,
    InjectionSessionForm,
    LoginForm,
    PasskeyAddForm,
    PasskeyEnrolForm,
    PasskeyForm,
    site_initial,
)
from frontend.clinic.patient import patient_page, suggested_interval
from frontend.clinic.sitemap import site_map_views
from frontend.clinic.triage import SORT_KEYS, triage_rows

NEXT_KEY = "clinic.next"


def record_access(request: HttpRequest, *, patient: PatientProfile, action: str) -> None:
    services.access_event_record(
        actor=request.user,
        patient=patient,
        action=action,
        resource=f"{request.method} {request.path}",
        ip_address=request.META.get("REMOTE_ADDR"),
    )


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("clinic:triage")


# Sign-in --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if may_see_patient_data(request):
        return redirect(_safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if not ratelimit.consume(request, action="login_failed", key=email, dry_run=True):
            form.add_error(None, "Too many failed sign-ins. Wait a few minutes and try again.")
        else:
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is None:
                ratelimit.consume(request, action="login_failed", key=email)
                form.add_error(None, "The email address or password is not right.")
            elif not hasattr(user, "clinician_profile"):
                form.add_error(
                    None, "This sign-in is for clinicians. Patients use the diary app at /."
                )
            else:
                if request.user.is_authenticated and request.user.pk != user.pk:
                    logout(request)
                request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
                if has_second_factor(user):
                    signin.pending_user_set(request, user=user)
                    return redirect("clinic:mfa-code")
                if settings.CLINICIAN_MFA_REQUIRED:
                    signin.pending_user_set(request, user=user)
                    return redirect("clinic:mfa-setup")
                signin.complete_login(request, user=user, authenticator=None)
                return redirect(request.session.pop(NEXT_KEY, reverse("clinic:triage")))
    return render(request, "clinic/login.html", {"form": form})


def _pending_clinician(request: HttpRequest) -> User | None:
    user = signin.pending_user(request)
    return user if user is not None and hasattr(user, "clinician_profile") else None


def _second_factor_key(user: User) -> str:
    # Codes and passkeys share one budget of failures, so switching method gains no tries.
    return f"mfa-code:{user.pk}"


def _second_factor_blocked(request: HttpRequest, user: User) -> bool:
    return not ratelimit.consume(
        request, action="login_failed", key=_second_factor_key(user), dry_run=True
    )


def _second_factor_failed(request: HttpRequest, user: User) -> None:
    ratelimit.consume(request, action="login_failed", key=_second_factor_key(user))


TOO_MANY_TRIES = "Too many failed attempts. Wait a few minutes and try again."


def _code_page(
    request: HttpRequest,
    *,
    user: User,
    form: CodeForm | None = None,
    passkey_form: PasskeyForm | None = None,
) -> HttpResponse:
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    form = form or CodeForm()
    if not has_totp:
        form.fields["code"].label = "Recovery code"
        form.fields["code"].help_text = "One of the recovery codes you saved when you enrolled."
        form.fields["code"].widget.attrs.update(inputmode="text", autofocus=False)
    has_passkey = webauthn.has_passkey(user)
    return render(
        request,
        "clinic/mfa_code.html",
        {
            "form": form,
            "user_email": user.email,
            "has_totp": has_totp,
            "passkey_form": passkey_form or PasskeyForm(),
            "passkey_options": (
                webauthn.authentication_options(user=user) if has_passkey else None
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def mfa_code_view(request: HttpRequest) -> HttpResponse:
    user = _pending_clinician(request)
    if user is None:
        return redirect("clinic:login")
    if not has_second_factor(user):
        return redirect("clinic:mfa-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _second_factor_blocked(request, user):
            form.add_error(None, TOO_MANY_TRIES)
        elif (
            authenticator := signin.verify_code(user=user, code=form.cleaned_data["code"])
        ) is None:
            _second_factor_failed(request, user)
            form.add_error("code", "This code is not right or was already used.")
        else:
            signin.complete_login(request, user=user, authenticator=authenticator)
            return redirect(request.session.pop(NEXT_KEY, reverse("clinic:triage")))
    return _code_page(request, user=user, form=form)


@require_POST
def mfa_passkey_view(request: HttpRequest) -> HttpResponse:
    user = _pending_clinician(request)
    if user is None:
        return redirect("clinic:login")
    if not webauthn.has_passkey(user):
        return redirect("clinic:mfa-code")
    passkey_form = PasskeyForm(request.POST)
    if passkey_form.is_valid():
        if _second_factor_blocked(request, user):
            passkey_form.add_error(None, TOO_MANY_TRIES)
        elif (
            authenticator := webauthn.verify(
                user=user, credential=passkey_form.cleaned_data["credential"]
            )
        ) is None:
            _second_factor_failed(request, user)
            passkey_form.add_error(
                None, "This passkey or security key was not accepted. Try again or use a code."
            )
        else:
            signin.complete_login(request, user=user, authenticator=authenticator)
            return redirect(request.session.pop(NEXT_KEY, reverse("clinic:triage")))
    return _code_page(request, user=user, passkey_form=passkey_form)


def _setup_page(
    request: HttpRequest,
    *,
    user: User,
    form: EnrolForm | None = None,
    passkey_form: PasskeyEnrolForm | None = None,
) -> HttpResponse:
    secret = signin.enrolment_secret(request)
    url, svg = signin.enrolment_qr_svg(user=user, secret=secret)
    return render(
        request,
        "clinic/mfa_setup.html",
        {
            "form": form or EnrolForm(),
            "secret": secret,
            "otpauth_url": url,
            "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "user_email": user.email,
            "passkey_form": passkey_form or PasskeyEnrolForm(),
            "passkey_options": webauthn.registration_options(user=user),
        },
    )


@require_http_methods(["GET", "POST"])
def mfa_setup_view(request: HttpRequest) -> HttpResponse:
    user = _pending_clinician(request)
    if user is None:
        return redirect("clinic:login")
    if has_second_factor(user):
        return redirect("clinic:mfa-code")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        authenticator = signin.enrol_totp(request, user=user, code=form.cleaned_data["code"])
        if authenticator is None:
            form.add_error("code", "This code does not match. Check the app's clock and retry.")
        else:
            signin.complete_login(request, user=user, authenticator=authenticator)
            return redirect("clinic:recovery-codes")
    return _setup_page(request, user=user, form=form)


KEY_NOT_ACCEPTED = "The new key could not be checked. Try again, or use another key."


@require_POST
def mfa_setup_passkey_view(request: HttpRequest) -> HttpResponse:
    user = _pending_clinician(request)
    if user is None:
        return redirect("clinic:login")
    if has_second_factor(user):
        return redirect("clinic:mfa-code")
    passkey_form = PasskeyEnrolForm(request.POST)
    if passkey_form.is_valid():
        authenticator = webauthn.enrol(
            request,
            user=user,
            name=passkey_form.cleaned_data["name"],
            credential=passkey_form.cleaned_data["credential"],
        )
        if authenticator is None:
            passkey_form.add_error(None, KEY_NOT_ACCEPTED)
        else:
            # Making the key answered a fresh challenge: it counts as this sign-in's factor.
            signin.complete_login(request, user=user, authenticator=authenticator)
            return redirect("clinic:recovery-codes")
    return _setup_page(request, user=user, passkey_form=passkey_form)


@clinician_required
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    passkey_form = PasskeyAddForm(request.POST or None)
    if request.method == "POST" and passkey_form.is_valid():
        key = user.email.lower()
        if not ratelimit.consume(request, action="login_failed", key=key, dry_run=True):
            passkey_form.add_error(None, TOO_MANY_TRIES)
        elif not user.check_password(passkey_form.cleaned_data["password"]):
            ratelimit.consume(request, action="login_failed", key=key)
            passkey_form.add_error("password", "This password is not right.")
        elif (
            authenticator := webauthn.enrol(
                request,
                user=user,
                name=passkey_form.cleaned_data["name"],
                credential=passkey_form.cleaned_data["credential"],
            )
        ) is None:
            passkey_form.add_error(None, KEY_NOT_ACCEPTED)
        else:
            messages.success(request, f"“{authenticator.wrap().name}” was added.")
            if request.session.get(signin.SHOW_CODES_KEY):
                return redirect("clinic:recovery-codes")
            return redirect("clinic:security")
    return render(
        request,
        "clinic/security.html",
        {
            "totp": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first(),
            "passkeys": [(key, key.wrap().name) for key in webauthn.passkeys(user)],
            "passkey_form": passkey_form,
            "passkey_options": webauthn.registration_options(user=user),
        },
    )


@clinician_required
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    just_enrolled = request.session.pop(signin.SHOW_CODES_KEY, False)
    return render(
        request,
        "clinic/recovery_codes.html",
        {"codes": signin.recovery_codes(user=request.user), "just_enrolled": just_enrolled},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("clinic:login")


# Workspace ------------------------------------------------------------------------------------


@clinician_required
def triage_view(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "attention")
    if sort not in SORT_KEYS:
        sort = "attention"
    rows = triage_rows(clinician_user=request.user, sort=sort)
    for row in rows:
        record_access(request, patient=row.patient, action=AccessEvent.Action.VIEW)
    return render(request, "clinic/triage.html", {"rows": rows, "sort": sort})


def _patient(request: HttpRequest, patient_id: int) -> PatientProfile:
    return selectors.patient_for_clinician(clinician_user=request.user, patient_id=patient_id)


@clinician_required
def patient_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
    return render(request, "clinic/patient.html", patient_page(patient=patient))


def _previous_pattern(patient: PatientProfile) -> dict[str, object]:
    previous = patient.injection_sessions.order_by("-date").prefetch_related("sites").first()
    if previous is None:
        return {}
    sites = [
        SiteDose(muscle=s.muscle, side=s.side, units=s.units, points=s.points)
        for s in previous.sites.all()
    ]
    return {
        "paradigm": previous.paradigm,
        "total_units": previous.total_units,
        "product": previous.product,
        "injector": previous.injector,
        "planned_interval_weeks": previous.planned_interval_weeks,
        "notes": previous.notes if previous.paradigm == "custom" else "",
        **site_initial(sites),
    }


@clinician_required
@require_http_methods(["GET", "POST"])
def injection_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    initial: dict[str, object] = {
        "date": selectors.local_today(user=patient.user),
        "paradigm": "preempt",
        "total_units": PREEMPT_TOTAL_UNITS,
        "injector": str(request.user),
        "planned_interval_weeks": suggested_interval(patient=patient),
        **site_initial(PREEMPT_SITES),
    }
    copied = request.GET.get("copy") == "previous"
    if copied:
        initial |= _previous_pattern(patient)
        initial["planned_interval_weeks"] = suggested_interval(patient=patient)
    form = InjectionSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.injection_session_record(
                patient=patient,
                recorded_by=request.user,
                injected_on=data["date"],
                total_units=data["total_units"],
                paradigm=data["paradigm"],
                sites=data["sites"],
                product=data["product"],
                injector=data["injector"],
                lot=data["lot"],
                planned_interval_weeks=data["planned_interval_weeks"],
                notes=data["notes"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                target = field if field in form.fields else None
                for problem in problems:
                    form.add_error(target, problem)
        else:
            record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
            messages.success(
                request,
                f"Session of {session.date:%d %b %Y} recorded: {session.total_units:g} U.",
            )
            return redirect("clinic:patient", patient_id=patient.pk)
    record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
    has_previous = patient.injection_sessions.exists()
    return render(
        request,
        "clinic/injection_form.html",
        {
            "patient": patient,
            "form": form,
            "views": site_map_views(points=_points_by_group(form)),
            "site_rows": form.site_rows(),
            "has_previous": has_previous,
            "copied": copied,
            "default_site_units": Decimal(5),
        },
    )


def _points_by_group(form: InjectionSessionForm) -> dict[str, int]:
    points = {}
    for row in form.site_rows():
        try:
            points[f"{row['muscle']}_{row['side']}"] = int(row["points"].value() or 0)
        except (TypeError, ValueError):
            points[f"{row['muscle']}_{row['side']}"] = 0
    return points




@clinician_required
def flags_view(request: HttpRequest) -> HttpResponse:
    flags = list(
        selectors.flags_for_clinician(clinician_user=request.user)
        .filter(status__in=UNDER_REVIEW)
        .order_by("-status", "-created_at")
    )
    pages: dict[int, dict] = {}
    for flag in flags:
        if flag.kind == FlagKind.WEAR_OFF and flag.patient_id not in pages:
            pages[flag.patient_id] = patient_page(patient=flag.patient)
    patients = {flag.patient_id: flag.patient for flag in flags}
    for patient in patients.values():
        record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
    items = [
        {
            "flag": flag,
            "form": FlagReviewForm(prefix=f"flag{flag.pk}"),
            "cycle_chart": pages.get(flag.patient_id, {}).get("cycle_chart"),
            "evidence": [
                (key.replace("_", " ").capitalize(), value)
                for key, value in flag.evidence.items()
                if key != "summary"
            ],
        }
        for flag in flags
    ]
    return render(request, "clinic/flags.html", {"items": items})


@clinician_required
@require_POST
def flag_review_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(
        selectors.flags_for_clinician(clinician_user=request.user).filter(
            Q(status__in=UNDER_REVIEW)
        ),
        pk=flag_id,
    )
    form = FlagReviewForm(request.POST, prefix=f"flag{flag.pk}")
    if not form.is_valid():
        errors = "; ".join(m for problems in form.errors.values() for m in problems)
        messages.error(request, f"{flag.get_kind_display()} for {flag.patient}: {errors}")
        return redirect(_flag_review_back(request, patient_id=flag.patient_id))
    services.review_flag_update(
        flag=flag,
        reviewer=request.user,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        decision=form.cleaned_data["decision"],
    )
    record_access(request, patient=flag.patient, action=AccessEvent.Action.CHANGE)
    messages.success(
        request, f"{flag.get_kind_display()} for {flag.patient}: {flag.get_status_display()}."
    )
    return redirect(_flag_review_back(request, patient_id=flag.patient_id))


def _flag_review_back(request: HttpRequest, *, patient_id: int) -> str:
    """Where a review returns: a page of the clinic named by ``back``, never a posted URL."""
    if request.POST.get("back") == "patient":
        return reverse("clinic:patient", kwargs={"patient_id": patient_id})
    return reverse("clinic:flags")
