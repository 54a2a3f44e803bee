"""Schemathesis probes every operation in /api/schema/ as a signed-in patient, all checks on.

Each operation is one test: pytest-django rolls the database back after it, so a DELETE or an
erasure in one operation never starves the next. Examples are derandomized so CI is stable.
"""

from __future__ import annotations

import datetime as dt

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from diary import services
from diary.interop.services import diary_import_preview
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

MAX_EXAMPLES = 30

# positive_data_acceptance expects every schema-valid request to succeed. These operations also
# refuse (400, naming the field) what depends on the clock or on stored data, which no OpenAPI
# schema can state; their descriptions say so. Every other check still runs on them.
NEEDS_STATE = {
    # Not after today in the patient's zone; severity must agree with headache; known medicines.
    ("PUT", "/api/v1/diary/{day}/"),
    # A kept version of that day (else 404); If-Match must be an ETag the API issued.
    ("POST", "/api/v1/diary/{day}/restore/"),
    # Not after today; the sites' units must add up to total_units.
    ("POST", "/api/v1/injections/"),
    # The onset lies between the injection day and today.
    ("POST", "/api/v1/injections/{session_id}/side-effects/"),
    # 'from' not after 'to', at most ten years apart ('to' not after today for trends).
    ("GET", "/api/v1/diary/"),
    ("GET", "/api/v1/trends/"),
    # A name may not repeat one in the catalogue or the patient's own list.
    ("POST", "/api/v1/medications/"),
    # A diary file's content (columns, dates, encodings) is beyond what a schema states.
    ("POST", "/api/v1/me/imports/"),
    # The current password, which the generator never has (so the test patient survives).
    ("DELETE", "/api/v1/me/"),
}


@pytest.fixture
def token(client, alice, carol):
    """Alice with a month of diary, an injection with a side effect and an import preview."""
    today = dt.date.today()
    for offset in range(1, 29):
        factory = factories.HeadacheDayFactory if offset % 3 else factories.DiaryDayFactory
        factory(patient=alice, date=today - dt.timedelta(days=offset))
    session = factories.InjectionSessionFactory(patient=alice, date=today - dt.timedelta(days=20))
    services.side_effect_report_create(
        session=session,
        reported_by=alice.user,
        kind="neck_pain",
        onset_date=session.date + dt.timedelta(days=2),
        severity=1,
        notes="",
    )
    diary_import_preview(
        patient=alice,
        data=b"date,headache\n" + (today - dt.timedelta(days=40)).isoformat().encode() + b",no\n",
        file_name="diary.csv",
        format=None,
    )
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": alice.user.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["meta"]["session_token"]


@pytest.fixture
def signed_in_token(token):
    """The patient's token, with the database connection kept open across direct WSGI calls.

    Schemathesis calls the WSGI app itself, so each request's end would close the connection
    that holds the test's transaction; Django's test client unhooks this per request (and hooks
    it back, which is why this comes after the login).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api(case, signed_in_token):
    excluded = [positive_data_acceptance] if (case.method, case.path) in NEEDS_STATE else []
    case.call_and_validate(headers={"X-Session-Token": signed_in_token}, excluded_checks=excluded)
