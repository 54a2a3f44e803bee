import zoneinfo
from datetime import datetime, time

from django.core.management.base import BaseCommand
from django.utils import timezone

from diary.demo import (
    DEMO_CLINICIAN_EMAIL,
    DEMO_PASSWORD,
    DEMO_PATIENT_EMAIL,
    DEMO_TIMEZONE,
    seed_demo,
)
from diary.models import DiaryDay, PatientProfile
from diary.scan import scan_patient

# When a diligent patient fills in the day: the evening, in their own zone.
LOGGED_AT = time(21, 0)


def stamp_days_as_logged_on_time(*, patient: PatientProfile) -> int:
    """Each diary day created on its own evening, as a patient logging daily would have.

    The demo's days are written in one bulk insert, so all would carry the seeding moment,
    after the first injection: the baseline would read as a retrospective diary.
    """
    zone = zoneinfo.ZoneInfo(patient.user.timezone or DEMO_TIMEZONE)
    now = timezone.now()
    days = list(DiaryDay.objects.filter(patient=patient).only("pk", "date", "created_at"))
    for day in days:
        day.created_at = min(datetime.combine(day.date, LOGGED_AT, tzinfo=zone), now)
    DiaryDay.objects.bulk_update(days, ["created_at"], batch_size=500)
    return len(days)


class Command(BaseCommand):
    help = "Create a demo patient and clinician, linked, with a year of diary. Idempotent."

    def handle(self, *args, **options):
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(DEMO_TIMEZONE))
        accounts = seed_demo(today=today)
        if accounts.created:
            stamp_days_as_logged_on_time(patient=accounts.patient)
            # Run the nightly analysis now, so the demo clinician finds the flags at once.
            flags = scan_patient(patient=accounts.patient, today=today)
            self.stdout.write(f"Scanned the demo patient: {len(flags)} flag(s) for review.")
        days = accounts.patient.diary_days.count()
        sessions = accounts.patient.injection_sessions.count()
        state = "Created" if accounts.created else "Already present"
        self.stdout.write(f"{state}: demo patient with {days} diary days, {sessions} injections.")
        self.stdout.write(f"  Patient:   {DEMO_PATIENT_EMAIL} / {DEMO_PASSWORD}  (the app at /)")
        self.stdout.write(
            f"  Clinician: {DEMO_CLINICIAN_EMAIL} / {DEMO_PASSWORD}  "
            "(/clinic/; set up an authenticator app at first sign-in)"
        )
