"""Closed accounts are kept for the retention period, then erased with all their data."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from diary import services
from diary.models import DiaryDay, User
from diary.tasks import closed_accounts_erase
from tests import factories

CLOSED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def close(patient) -> None:
    with time_machine.travel(CLOSED, tick=False):
        services.account_close(user=patient.user)


def test_a_closed_account_cannot_sign_in(alice):
    close(alice)

    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": "alice@example.org", "password": factories.PASSWORD},
        content_type="application/json",
    )

    assert response.status_code != 200


def test_a_closed_account_is_kept_within_the_retention_period(alice, settings):
    settings.CLOSED_ACCOUNT_RETENTION = dt.timedelta(days=30)
    factories.DiaryDayFactory(patient=alice)
    close(alice)

    with time_machine.travel(CLOSED + dt.timedelta(days=29), tick=False):
        erased = closed_accounts_erase()

    assert erased == 0
    assert DiaryDay.objects.filter(patient=alice).exists()


def test_a_closed_account_is_erased_after_the_retention_period(alice, bob, settings):
    settings.CLOSED_ACCOUNT_RETENTION = dt.timedelta(days=30)
    factories.DiaryDayFactory(patient=alice)
    factories.DiaryDayFactory(patient=bob)
    close(alice)

    with time_machine.travel(CLOSED + dt.timedelta(days=31), tick=False):
        erased = closed_accounts_erase()

    assert erased == 1
    assert not User.objects.filter(email="alice@example.org").exists()
    assert list(DiaryDay.objects.values_list("patient", flat=True)) == [bob.pk]


def test_closing_twice_keeps_the_first_closing_date(alice):
    close(alice)
    services.account_close(user=alice.user)

    alice.user.refresh_from_db()
    assert alice.user.closed_at == CLOSED
