"""The clinician workspace: triage, patient, flags, injections (sign-in is in ``signin_views``)."""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from diary import selectors, services
from diary.analytics.windows import logging_floor_text
from diary.audit import record_access
from diary.models import (
    UNDER_REVIEW,
    AccessEvent,
    ClinicMember,
    FlagKind,
    PatientProfile,
    ReportKind,
    ReviewFlag,
)
from frontend.clinic.access import (
    clinician_required,
    signed_in_user,
)
from frontend.clinic.evidence import evidence_card
from frontend.clinic.forms import (
    FlagReviewForm,
    PatientDetailsForm,
    SharingCodeForm,
)
from frontend.clinic.patient import patient_page
from frontend.clinic.triage import SORT_KEYS, triage_filters, triage_rows

# Workspace ------------------------------------------------------------------------------------


@clinician_required
def triage_view(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "attention")
    if sort not in SORT_KEYS:
        sort = "attention"
    filters = triage_filters(request.GET)
    rows = triage_rows(clinician_user=signed_in_user(request), sort=sort, filters=filters)
    for row in rows:
        record_access(request, patient=row.patient, action=AccessEvent.Action.VIEW)
    kept = request.GET.copy()
    kept.pop("sort", None)
    return render(
        request,
        "clinic/triage.html",
        {
            "rows": rows,
            "sort": sort,
            "filters": filters,
            "filter_query": kept.urlencode(),
            "logging_floor": logging_floor_text(),
        },
    )


# Wrong codes count against the member like failed sign-ins: codes are long, but guessing
# stays slow.
CODE_TRIES_KEY = "care-link-code:{user_id}"


@clinician_required
@require_http_methods(["GET", "POST"])
def patient_add_view(request: HttpRequest) -> HttpResponse:
    """A member types the patient's sharing code; the patient is linked to the whole clinic."""
    user = signed_in_user(request)
    membership = services.clinic_membership(clinician=user.clinician_profile)
    form = SharingCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = CODE_TRIES_KEY.format(user_id=user.pk)
        if not ratelimit.consume(request, action="login_failed", key=key, dry_run=True):
            form.add_error("code", "Too many wrong codes. Wait a few minutes and try again.")
        else:
            try:
                link = services.care_link_redeem(
                    clinician=user.clinician_profile, code=form.cleaned_data["code"]
                )
            except ValidationError as error:
                ratelimit.consume(request, action="login_failed", key=key)
                for problem in error.message_dict.get("code", error.messages):
                    form.add_error("code", problem)
            else:
                record_access(request, patient=link.patient, action=AccessEvent.Action.VIEW)
                messages.success(
                    request, f"{link.patient} now shares their diary with {membership.clinic}."
                )
                return redirect("clinic:patient", patient_id=link.patient_id)
    return render(request, "clinic/patient_add.html", {"form": form, "clinic": membership.clinic})


def _patient(request: HttpRequest, patient_id: int) -> PatientProfile:
    return selectors.patient_for_clinician(
        clinician_user=signed_in_user(request), patient_id=patient_id
    )


@clinician_required
@require_POST
def report_sign_off_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A clinician signs off today's treatment review; a nurse gets 403 (they prepare it)."""
    patient = _patient(request, patient_id)
    member = services.clinic_membership(clinician=signed_in_user(request).clinician_profile)
    sign_off = services.report_sign_off(
        patient=patient, member=member, as_of=selectors.local_today(user=patient.user)
    )
    record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
    messages.success(
        request, f"Treatment review of {sign_off.as_of:%d %b %Y} signed off by {request.user}."
    )
    return redirect("clinic:patient", patient_id=patient.pk)


@clinician_required
@require_POST
def patient_details_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    form = PatientDetailsForm(request.POST)
    if form.is_valid():
        services.patient_identifiers_update(patient=patient, **form.cleaned_data)
        record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
        messages.success(request, "Patient details saved: the report prints them.")
    else:
        # An ErrorList yields each message as text; str() says so to the type checker.
        problems = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        messages.error(request, f"Patient details not saved: {problems}")
    return redirect("clinic:patient", patient_id=patient.pk)


@clinician_required
def patient_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
    details = PatientDetailsForm(
        initial={
            "full_name": patient.full_name,
            "date_of_birth": patient.date_of_birth,
            "clinic_number": patient.clinic_number,
        }
    )
    member = services.clinic_membership(clinician=signed_in_user(request).clinician_profile)
    return render(
        request,
        "clinic/patient.html",
        {
            **patient_page(patient=patient),
            "details_form": details,
            "member": member,
            "sign_off": selectors.report_sign_off_for(
                patient=patient,
                as_of=selectors.local_today(user=patient.user),
                kind=ReportKind.TREATMENT_REVIEW,
            ),
        },
    )


def _review_form(flag: ReviewFlag, members: list[ClinicMember], data=None) -> FlagReviewForm:
    return FlagReviewForm(
        data,
        prefix=f"flag{flag.pk}",
        kind=flag.kind,
        members=members,
        initial={"assignee": flag.assignee_id},
    )


def _queue(request: HttpRequest, *, bound: FlagReviewForm | None = None) -> HttpResponse:
    """The review queue, red flags first; ``bound`` is a refused review, shown with its errors
    where it was typed."""
    under_review = (
        selectors.flags_for_clinician(clinician_user=signed_in_user(request))
        .filter(status__in=UNDER_REVIEW)
        .select_related("assignee__clinician__user")
        .order_by("-status", "-created_at")
    )
    show = request.GET.get("assignee", "")
    if show == "mine":
        member = selectors.clinic_membership_of(clinician_user=signed_in_user(request))
        under_review = under_review.filter(assignee=member)
    elif show == "unassigned":
        under_review = under_review.filter(assignee__isnull=True)
    else:
        show = ""
    flags = sorted(under_review, key=lambda flag: flag.kind != FlagKind.SIDE_EFFECT_RED_FLAG)
    pages: dict[int, dict] = {}
    for flag in flags:
        if flag.kind == FlagKind.WEAR_OFF and flag.patient_id not in pages:
            pages[flag.patient_id] = patient_page(patient=flag.patient)
    patients = {flag.patient_id: flag.patient for flag in flags}
    members = {
        patient_id: list(selectors.clinic_members_for_patient(patient=patient))
        for patient_id, patient in patients.items()
    }
    for patient in patients.values():
        record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
    items = [
        {
            "flag": flag,
            "form": (
                bound
                if bound is not None and bound.prefix == f"flag{flag.pk}"
                else _review_form(flag, members[flag.patient_id])
            ),
            "cycle_chart": pages.get(flag.patient_id, {}).get("cycle_chart"),
            "card": evidence_card(
                kind=flag.kind,
                evidence=flag.evidence,
                end_windows_close=pages.get(flag.patient_id, {}).get("end_windows_close"),
            ),
        }
        for flag in flags
    ]
    return render(request, "clinic/flags.html", {"items": items, "refused": bound, "show": show})


@clinician_required
def flags_view(request: HttpRequest) -> HttpResponse:
    return _queue(request)


@clinician_required
@require_POST
def flag_review_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(
        selectors.flags_for_clinician(clinician_user=signed_in_user(request)).filter(
            Q(status__in=UNDER_REVIEW)
        ),
        pk=flag_id,
    )
    members = list(selectors.clinic_members_for_patient(patient=flag.patient))
    form = _review_form(flag, members, request.POST)
    if not form.is_valid():
        # Re-rendered inside the clinic, the note typed kept: never a redirect elsewhere.
        return _queue(request, bound=form)
    done = []
    if "assignee" in form.changed_data:
        assignee = next((m for m in members if m.pk == form.cleaned_data["assignee"]), None)
        services.review_flag_assign(flag=flag, assignee=assignee)
        done.append(f"assigned to {assignee.clinician.user}" if assignee else "unassigned")
    if form.cleaned_data["status"]:
        services.review_flag_update(
            flag=flag,
            reviewer=signed_in_user(request),
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            decision=form.cleaned_data["decision"],
        )
        done.insert(0, flag.get_status_display().lower())
    record_access(request, patient=flag.patient, action=AccessEvent.Action.CHANGE)
    messages.success(request, f"{flag.get_kind_display()} for {flag.patient}: {', '.join(done)}.")
    return redirect(_flag_review_back(request, patient_id=flag.patient_id))


def _flag_review_back(request: HttpRequest, *, patient_id: int) -> str:
    """Where a review returns: a page of the clinic named by ``back``, never a posted URL."""
    if request.POST.get("back") == "patient":
        return reverse("clinic:patient", kwargs={"patient_id": patient_id})
    return reverse("clinic:flags")
