"""Recording and correcting injection sessions in the clinic: every change keeps a version."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diary import selectors, services
from diary.audit import record_access
from diary.models import AccessEvent, InjectionSession, PatientProfile
from diary.paradigms import PREEMPT_SITES, PREEMPT_TOTAL_UNITS, SiteDose, technique_notes
from frontend.clinic.access import clinician_required, signed_in_user
from frontend.clinic.forms import InjectionSessionForm, VoidForm, site_initial
from frontend.clinic.patient import suggested_interval
from frontend.clinic.sitemap import site_map_views


def _patient(request: HttpRequest, patient_id: int) -> PatientProfile:
    return selectors.patient_for_clinician(
        clinician_user=signed_in_user(request), patient_id=patient_id
    )


def _session(patient: PatientProfile, session_id: int) -> InjectionSession:
    try:
        return patient.injection_sessions.prefetch_related("sites").get(pk=session_id)
    except InjectionSession.DoesNotExist:
        raise Http404 from None


def _sites(session: InjectionSession) -> list[SiteDose]:
    return [
        SiteDose(muscle=s.muscle, side=s.side, units=s.units, points=s.points)
        for s in session.sites.all()
    ]


def _pattern(session: InjectionSession) -> dict[str, object]:
    return {
        "paradigm": session.paradigm,
        "total_units": session.total_units,
        "product": session.product,
        "injector": session.injector,
        "planned_interval_weeks": session.planned_interval_weeks,
        "notes": session.notes if session.paradigm == "custom" else "",
        **site_initial(_sites(session)),
    }


def _last_session(patient: PatientProfile) -> InjectionSession | None:
    return (
        patient.injection_sessions.order_by("-date")
        .prefetch_related("sites", "side_effects")
        .first()
    )


def _notes_from(session: InjectionSession | None) -> list[str]:
    """Technique levers for what the patient reported after the last session (clinical.md)."""
    if session is None:
        return []
    return technique_notes(side_effect_kinds={e.kind for e in session.side_effects.all()})


def _show_errors(form: InjectionSessionForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        target = field if field in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


def _points_by_group(form: InjectionSessionForm) -> dict[str, int]:
    points = {}
    for row in form.site_rows():
        try:
            points[f"{row['muscle']}_{row['side']}"] = int(row["points"].value() or 0)
        except (TypeError, ValueError):
            points[f"{row['muscle']}_{row['side']}"] = 0
    return points


def _form_page(
    request: HttpRequest,
    *,
    patient: PatientProfile,
    form: InjectionSessionForm,
    editing: InjectionSession | None = None,
    copied: bool = False,
    notes: list[str] | None = None,
) -> HttpResponse:
    record_access(request, patient=patient, action=AccessEvent.Action.VIEW)
    return render(
        request,
        "clinic/injection_form.html",
        {
            "patient": patient,
            "form": form,
            "editing": editing,
            "views": site_map_views(points=_points_by_group(form)),
            "site_rows": form.site_rows(),
            "has_previous": editing is None and patient.injection_sessions.exists(),
            "copied": copied,
            "technique_notes": notes or [],
            "default_site_units": Decimal(5),
        },
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def injection_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    last = _last_session(patient)
    initial: dict[str, object] = {
        "date": selectors.local_today(user=patient.user),
        "paradigm": "preempt",
        "total_units": PREEMPT_TOTAL_UNITS,
        "injector": str(request.user),
        "planned_interval_weeks": suggested_interval(patient=patient),
        **site_initial(PREEMPT_SITES),
    }
    copied = request.GET.get("copy") == "previous" and last is not None
    if copied and last is not None:
        initial |= _pattern(last)
        initial["planned_interval_weeks"] = suggested_interval(patient=patient)
    form = InjectionSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.injection_session_record(
                patient=patient,
                recorded_by=signed_in_user(request),
                injected_on=data["date"],
                total_units=data["total_units"],
                paradigm=data["paradigm"],
                sites=data["sites"],
                product=data["product"],
                injector=data["injector"],
                lot=data["lot"],
                planned_interval_weeks=data["planned_interval_weeks"],
                notes=data["notes"],
                early_reason=data["early_reason"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
            messages.success(
                request,
                f"Session of {session.date:%d %b %Y} recorded: {session.total_units:g} U.",
            )
            return redirect("clinic:patient", patient_id=patient.pk)
    return _form_page(request, patient=patient, form=form, copied=copied, notes=_notes_from(last))


@clinician_required
@require_http_methods(["GET", "POST"])
def injection_edit_view(request: HttpRequest, patient_id: int, session_id: int) -> HttpResponse:
    """Correct a recorded session; the record as it was stays in its history."""
    patient = _patient(request, patient_id)
    session = _session(patient, session_id)
    initial = {
        **_pattern(session),
        "date": session.date,
        "lot": session.lot,
        "notes": session.notes,
        "early_reason": session.early_reason,
    }
    form = InjectionSessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in services.INJECTION_FIELDS}
        try:
            services.injection_session_update(
                session=session,
                changed_by=signed_in_user(request),
                changes=changes,
                sites=data["sites"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
            messages.success(
                request,
                f"Session of {session.date:%d %b %Y} corrected; the earlier version is kept.",
            )
            return redirect("clinic:patient", patient_id=patient.pk)
    return _form_page(request, patient=patient, form=form, editing=session)


@clinician_required
@require_POST
def injection_void_view(request: HttpRequest, patient_id: int, session_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    session = _session(patient, session_id)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the record is void: it was not voided.")
        return redirect("clinic:patient", patient_id=patient.pk)
    services.injection_session_void(
        session=session, voided_by=signed_in_user(request), reason=form.cleaned_data["reason"]
    )
    record_access(request, patient=patient, action=AccessEvent.Action.CHANGE)
    messages.success(
        request,
        f"Session of {session.date:%d %b %Y} voided: it no longer counts in any analysis.",
    )
    return redirect("clinic:patient", patient_id=patient.pk)
