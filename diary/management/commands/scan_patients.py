"""Run the nightly analysis now: ``python manage.py scan_patients [--all]``."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from diary.analytics.scan import patient_ids_due_for_scan, scan_patient
from diary.models import PatientProfile
from diary.selectors import local_today


class Command(BaseCommand):
    help = "Analyse patients with new data and open review flags (the nightly scan, at once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Rescan every patient, not only those with new data."
        )

    def handle(self, *args, **options) -> None:
        patient_ids = patient_ids_due_for_scan(since_all=options["all"])
        flags: Counter[str] = Counter()
        failed: list[int] = []
        for patient_id in patient_ids:
            # One patient at a time: a deleted account is skipped, a failure does not stop the rest.
            patient = PatientProfile.objects.select_related("user").filter(pk=patient_id).first()
            if patient is None:
                continue
            try:
                found = scan_patient(patient=patient, today=local_today(user=patient.user))
            except Exception as error:
                failed.append(patient_id)
                self.stderr.write(f"Patient {patient_id}: {error!r}")
                continue
            flags.update(flag.kind for flag in found)
        summary = ", ".join(f"{kind}: {count}" for kind, count in sorted(flags.items())) or "none"
        self.stdout.write(
            f"Scanned {len(patient_ids) - len(failed)} patient(s). Flags under review: {summary}."
        )
        if failed:
            raise CommandError(f"{len(failed)} patient(s) failed: {failed}")
