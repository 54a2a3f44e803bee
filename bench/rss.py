"""The nightly scan in a fresh process; prints its timings and peak RSS as JSON.

Runs what ``manage.py scan_patients [--all]`` runs (``nightly_scan``). A process of its own,
so the peak resident set is the scan's alone. ``--limit`` scans only the first patients chosen
and extrapolates the rest at the measured rate.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["scan"])
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--limit", type=int, default=0)
    # The command's default (``default_scan_workers``) unless given: 1 is a Celery task's scan.
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from diary.scan import (
        default_scan_workers,
        nightly_scan,
        patient_ids_due_for_scan,
        scan_patients,
    )

    workers = args.workers or default_scan_workers()

    # As the command does (scan_patients.py): start-up objects out of the collector's passes.
    gc.freeze()
    settled_kb = status_kb("VmRSS")
    started = time.perf_counter()
    patient_ids = patient_ids_due_for_scan(since_all=args.all)
    select_seconds = time.perf_counter() - started
    sampled = bool(args.limit) and args.limit < len(patient_ids)
    started = time.perf_counter()
    if sampled:
        summary = scan_patients(patient_ids=patient_ids[: args.limit], workers=workers)
    else:
        # Exactly the command's work: it chooses the patients again (the full scan streams
        # every patient without a list of ids).
        summary = nightly_scan(rescan_all=args.all, workers=workers)
    scan_seconds = time.perf_counter() - started
    scanned = summary.scanned + len(summary.failed)
    due = len(patient_ids) if sampled else scanned
    per_patient = scan_seconds / scanned if scanned else 0.0
    print(
        json.dumps(
            {
                "due": due,
                "scanned": scanned,
                "failed": len(summary.failed),
                "select_seconds": select_seconds,
                "scan_seconds": scan_seconds,
                "seconds": select_seconds + per_patient * due if sampled else scan_seconds,
                "settled_kb": settled_kb,
                # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
                "peak_kb": status_kb("VmHWM"),
                "workers": workers,
                # The largest analysis process's (each is forked from this one, so it counts
                # the pages it shares with it too); 0 when this process analysed alone.
                "worker_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                if workers > 1
                else 0,
            }
        )
    )


if __name__ == "__main__":
    main()
