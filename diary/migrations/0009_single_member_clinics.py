"""Existing links become single-member clinics; existing sessions get their first version.

Each clinician becomes the one clinician of a clinic of their own (named after the clinic text
of their profile, or their email when another clinic took that name), and each of their links
becomes a link to that clinic, so that who sees whom is unchanged. A session a patient entered
themselves becomes an unconfirmed self-report, as new ones are.
"""

from django.db import migrations


def _own_clinic_name(Clinic, clinician) -> str:
    wanted = clinician.clinic.strip() or clinician.user.email
    if Clinic.objects.filter(name=wanted).exists():
        wanted = f"{wanted} ({clinician.user.email})"
    return wanted


def _snapshot(session) -> dict:
    return {
        "date": session.date.isoformat(),
        "product": session.product,
        "total_units": float(session.total_units),
        "paradigm": session.paradigm,
        "sites": [
            {"muscle": s.muscle, "side": s.side, "units": float(s.units), "points": s.points}
            for s in session.sites.order_by("id")
        ],
        "injector": session.injector,
        "lot": session.lot,
        "planned_interval_weeks": session.planned_interval_weeks,
        "notes": session.notes,
        "source": session.source,
        "confirmed": session.confirmed,
        "early_reason": session.early_reason,
    }


def forwards(apps, schema_editor):
    Clinic = apps.get_model("diary", "Clinic")
    ClinicMember = apps.get_model("diary", "ClinicMember")
    ClinicianProfile = apps.get_model("diary", "ClinicianProfile")
    CareLink = apps.get_model("diary", "CareLink")
    InjectionSession = apps.get_model("diary", "InjectionSession")
    InjectionSessionVersion = apps.get_model("diary", "InjectionSessionVersion")

    # Oldest first: the first clinician of a clinic keeps its name, on every database.
    for clinician in (
        ClinicianProfile.objects.select_related("user")
        .filter(membership__isnull=True)
        .order_by("pk")
    ):
        clinic = Clinic.objects.create(name=_own_clinic_name(Clinic, clinician))
        ClinicMember.objects.create(clinic=clinic, clinician=clinician, role="clinician")
        CareLink.objects.filter(clinician=clinician).update(clinic=clinic)

    for session in InjectionSession.with_voided.select_related("patient", "recorded_by"):
        if session.recorded_by_id is not None and session.recorded_by_id == session.patient.user_id:
            session.source, session.confirmed = "patient", False
            session.save(update_fields=["source", "confirmed"])
        if not InjectionSessionVersion.objects.filter(session=session).exists():
            InjectionSessionVersion.objects.create(
                session=session,
                number=1,
                change="recorded",
                data=_snapshot(session),
                changed_by=session.recorded_by,
                changed_by_email=session.recorded_by.email if session.recorded_by else "",
                changed_at=session.created_at,
            )


class Migration(migrations.Migration):
    dependencies = [("diary", "0008_clinics_and_corrected_injections")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
