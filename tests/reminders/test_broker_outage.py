"""A broker that is down or hangs never holds up a request; the work waits in the database."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date

import pytest

from config.celery import app
from diary import services as diary_services
from diary.models import FlagKind, ReviewFlag
from diary.reminders import services
from diary.reminders.models import MessageStatus, OutgoingMessage
from tests import factories


@pytest.fixture
def broker_not_touched():
    """This module publishes for real, to brokers that do not answer."""


@pytest.fixture(autouse=True)
def fresh_backoff(monkeypatch):
    monkeypatch.setattr(services, "_broker_unavailable_until", 0.0)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word, like a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def broker_at(monkeypatch):
    def point(port: int) -> None:
        monkeypatch.setattr(app.conf, "broker_write_url", f"redis://127.0.0.1:{port}/5")

    return point


@pytest.mark.parametrize("broker", ["closed_port", "silent_port"])
def test_publishing_gives_up_fast_and_then_skips_the_broker(request, broker, broker_at):
    broker_at(request.getfixturevalue(broker))
    started = time.monotonic()
    services._publish_deliveries([1, 2, 3])
    first = time.monotonic() - started
    started = time.monotonic()
    services._publish_deliveries([4])
    second = time.monotonic() - started
    assert first < 3 * services.PUBLISH_TIMEOUT_SECONDS
    assert second < 0.05


@pytest.mark.django_db(transaction=True)
def test_a_red_flag_report_is_saved_while_the_broker_hangs(silent_port, broker_at, mailoutbox):
    broker_at(silent_port)
    patient = factories.PatientFactory()
    clinician = factories.ClinicianFactory()
    factories.link(patient, clinician)
    session = factories.InjectionSessionFactory(patient=patient, date=date(2026, 6, 1))
    started = time.monotonic()
    report = diary_services.side_effect_report_create(
        session=session,
        reported_by=patient.user,
        kind="breathing_difficulty",
        onset_date=date(2026, 6, 2),
        severity=3,
    )
    assert report.pk is not None
    assert ReviewFlag.objects.filter(kind=FlagKind.SIDE_EFFECT_RED_FLAG).exists()
    created = list(OutgoingMessage.objects.values_list("id", flat=True))
    assert time.monotonic() - started < 3 * services.PUBLISH_TIMEOUT_SECONDS
    assert len(created) == 3  # the patient's email, the clinician's email and push
    statuses = set(OutgoingMessage.objects.values_list("status", flat=True))
    assert statuses == {MessageStatus.PENDING}
