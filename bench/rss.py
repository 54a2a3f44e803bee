"""The nightly scan in a fresh process; prints its timings and peak RSS as JSON.

Runs the loop of ``manage.py scan_patients`` (the same selector and ``scan_patient`` per
patient). A process of its own, so the peak resident set is the scan's alone. ``--limit``
scans only the first patients chosen and extrapolates the rest at the measured rate.
"""

from __future__ import annotations

import argparse
import json
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
    args = parser.parse_args()

    import django

    django.setup()
    from diary.analytics.scan import patient_ids_due_for_scan, scan_patient
    from diary.models import PatientProfile
    from diary.selectors import local_today

    settled_kb = status_kb("VmRSS")
    started = time.perf_counter()
    patient_ids = patient_ids_due_for_scan(since_all=args.all)
    chosen = time.perf_counter()
    todo = patient_ids[: args.limit] if args.limit else patient_ids
    for patient_id in todo:
        patient = PatientProfile.objects.select_related("user").filter(pk=patient_id).first()
        if patient is not None:
            scan_patient(patient=patient, today=local_today(user=patient.user))
    done = time.perf_counter()
    scan_seconds = done - chosen
    per_patient = scan_seconds / len(todo) if todo else 0.0
    print(
        json.dumps(
            {
                "due": len(patient_ids),
                "scanned": len(todo),
                "select_seconds": chosen - started,
                "scan_seconds": scan_seconds,
                "seconds": chosen - started + per_patient * len(patient_ids),
                "settled_kb": settled_kb,
                # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
                "peak_kb": status_kb("VmHWM"),
            }
        )
    )


if __name__ == "__main__":
    main()
