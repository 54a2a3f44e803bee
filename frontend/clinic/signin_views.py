"""The clinic's sign-in pages: password, then a second factor (TOTP, passkey or recovery code).

The flows themselves are in ``signin`` (allauth's MFA models driven from Django forms) and
``webauthn``; these views only take the forms and answer with pages.
"""

from __future__ import annotations

import base64

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from diary.auth import is_clinician
from diary.models import User
from frontend.clinic import signin, webauthn
from frontend.clinic.access import (
    clinician_required,
    has_second_factor,
    may_see_patient_data,
    signed_in_user,
)
from frontend.clinic.forms import (
    CodeForm,
    EnrolForm,
    LoginForm,
    PasskeyAddForm,
    PasskeyEnrolForm,
    PasskeyForm,
)

NEXT_KEY = "clinic.next"


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
            elif not is_clinician(user):
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
    return user if is_clinician(user) else None


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
    user = signed_in_user(request)
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
        {
            "codes": signin.recovery_codes(user=signed_in_user(request)),
            "just_enrolled": just_enrolled,
        },
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("clinic:login")
