"""What an erased account leaves outside its own rows, removed with it (GDPR art. 17).

Cascades delete every row that points at the account. Three stores hold its data without
pointing at it: session rows (allauth keeps the email a session signed in with, app tokens
included), cached trends (keyed by the patient's id, see ``diary.api.trends``) and the admin's
log (each entry's text names the object it changed).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db.models import CharField, Model, QuerySet
from django.db.models.functions import Cast

from diary.models import PatientProfile, User

ERASED = "(erased)"
SESSION_CHUNK = 2000


def account_traces_erase(*, user: User) -> None:
    """Run before the account's rows are deleted: the admin log is matched by their ids."""
    patient = PatientProfile.objects.filter(user=user).first()
    _admin_log_erase(user=user, patient=patient)
    _sessions_erase(user=user)
    if patient is not None:
        _trends_cache_erase(patient_id=patient.pk)


def _admin_log_erase(*, user: User, patient: PatientProfile | None) -> None:
    """Keep that an administrator changed something, not the text that named whose it was."""
    owners = {User: [user.pk], PatientProfile: [patient.pk] if patient else []}
    targets: list[tuple[type[Model], QuerySet[Any]]] = [(User, User.objects.filter(pk=user.pk))]
    if patient is not None:
        targets.append((PatientProfile, PatientProfile.objects.filter(pk=patient.pk)))
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in owners and model not in owners:
                ids = owners[field.related_model]
                targets.append((model, model._default_manager.filter(**{f"{field.name}__in": ids})))
    for model, rows in targets:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id__in=rows.annotate(text_id=Cast("pk", CharField())).values("text_id"),
        ).update(object_repr=ERASED, change_message="")


def _sessions_erase(*, user: User) -> None:
    """Delete the account's sessions, and any other that holds its email (a half-done login).

    Session data is signed and encoded, so it is read row by row; erasures are rare.
    """
    user_id, email = str(user.pk), user.email.lower()
    store = SessionStore()
    doomed: list[str] = []
    sessions = Session.objects.values_list("session_key", "session_data")
    for key, data in sessions.iterator(chunk_size=SESSION_CHUNK):
        decoded = store.decode(data)
        if str(decoded.get("_auth_user_id")) == user_id or (
            email and email in json.dumps(decoded, default=str).lower()
        ):
            doomed.append(key)
    Session.objects.filter(session_key__in=doomed).delete()


def _trends_cache_erase(*, patient_id: int) -> None:
    # A Redis outage leaves the entries to expire within a day (TRENDS_CACHE_SECONDS); the
    # erasure itself must not fail for a cache.
    pattern = f"trends:{patient_id}:*"
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern(pattern)
        return
    # The local-memory cache of a server-less setup has no pattern delete.
    made = cache.make_key(pattern)
    for key in [key for key in getattr(cache, "_cache", {}) if fnmatchcase(key, made)]:
        cache.delete(key.split(":", 2)[2])
