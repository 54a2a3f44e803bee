import zoneinfo

from django.core.management.base import BaseCommand
from django.utils import timezone

from diary.demo import (
    DEMO_CLINICIAN_EMAIL,
    DEMO_PASSWORD,
    DEMO_PATIENT_EMAIL,
    DEMO_TIMEZONE,
    seed_demo,
)
from diary.scan import scan_patient


class Command(BaseCommand):
    help = "Create a demo patient and clinician, linked, with a year of diary. Idempotent."

    def handle(self, *args, **options):
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(DEMO_TIMEZONE))
        accounts = seed_demo(today=today)
        if accounts.created:
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
