"""Run the nightly analysis now: ``python manage.py scan_patients [--all]``."""

from __future__ import annotations

import gc

from django.core.management.base import BaseCommand, CommandError

from diary.scan import MAX_DEFAULT_SCAN_WORKERS, default_scan_workers, nightly_scan


class Command(BaseCommand):
    help = "Analyse patients with new data and open review flags (the nightly scan, at once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Rescan every patient, not only those with new data."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "Processes analysing patients while this one reads and writes (default: one per "
                f"core, up to {MAX_DEFAULT_SCAN_WORKERS}; 1 analyses here)."
            ),
        )

    def handle(self, *args, **options) -> None:
        workers = options["workers"]
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more.")
        # Django's start-up objects live as long as the process: out of the cyclic collector's
        # passes, which the scan's allocations set off thousands of times.
        gc.freeze()
        summary = nightly_scan(rescan_all=options["all"], workers=workers or default_scan_workers())
        flags = ", ".join(f"{kind}: {count}" for kind, count in sorted(summary.flags.items()))
        self.stdout.write(
            f"Scanned {summary.scanned} patient(s). Flags under review: {flags or 'none'}."
        )
        if summary.failed:
            # Each failure is logged with its traceback; the next scan retries these patients.
            raise CommandError(f"{len(summary.failed)} patient(s) failed: {list(summary.failed)}")
