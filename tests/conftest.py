"""Personas: alice and bob are patients; carol is alice's clinician; dave is linked to nobody."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def alice(db):
    return factories.PatientFactory(
        user__email="alice@example.org", user__display_name="Alice", user__timezone="Europe/London"
    )


@pytest.fixture
def bob(db):
    return factories.PatientFactory(
        user__email="bob@example.org", user__display_name="Bob", user__timezone="America/New_York"
    )


@pytest.fixture
def carol(db, alice):
    clinician = factories.ClinicianFactory(
        user__email="carol@clinic.example.org", user__display_name="Dr Carol"
    )
    factories.link(alice, clinician)
    return clinician


@pytest.fixture
def dave(db):
    return factories.ClinicianFactory(
        user__email="dave@clinic.example.org", user__display_name="Dr Dave"
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_alice(alice):
    return client_for(alice.user)


@pytest.fixture
def as_bob(bob):
    return client_for(bob.user)


@pytest.fixture
def as_carol(carol):
    return client_for(carol.user)


@pytest.fixture
def as_dave(dave):
    return client_for(dave.user)


@pytest.fixture
def anonymous():
    return APIClient()
