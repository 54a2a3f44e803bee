"""The Celery app. Workers: `celery -A config worker`; scheduler: `celery -A config beat`.

Beat only sends ticks: every due message is claimed in the database, so a second beat, a late
tick or a redelivered task cannot send anything twice. Nothing is scheduled far ahead in Redis.
"""

import gc
import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("diary")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_start_up_objects(**_) -> None:
    """A worker's start-up objects live as long as it: out of the cyclic collector's passes,
    which a scan chunk's allocations set off thousands of times."""
    gc.freeze()


app.conf.beat_schedule = {
    "reminders-tick": {
        "task": "reminders.tick",
        "schedule": 60.0,
        # A tick that waited in the queue past the next one is pointless: the next finds the work.
        "options": {"expires": 55},
    },
    "reminders-schedules-backfill": {
        "task": "reminders.schedules_backfill",
        "schedule": crontab(minute=30, hour=1),
    },
    "nightly-scan": {
        "task": "reminders.scan_enqueue",
        "schedule": crontab(minute=0, hour=2),
        "options": {"expires": 6 * 60 * 60},
    },
    "closed-accounts-erase": {
        "task": "diary.closed_accounts_erase",
        "schedule": crontab(minute=15, hour=3),
    },
    "pending-imports-expire": {
        "task": "interop.pending_imports_expire",
        "schedule": crontab(minute=45, hour=3),
    },
    "clinician-digests": {
        "task": "reminders.clinician_digests",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
        "options": {"expires": 12 * 60 * 60},
    },
}
