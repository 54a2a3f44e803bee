"""Logs are JSON with a request id, and carry no diary content, notes or email addresses."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from tests import factories

NOTE = "Argued with my sister about the inheritance"


@pytest.fixture
def log_lines():
    root = logging.getLogger()
    handler = next(
        handler for handler in root.handlers if isinstance(handler.formatter, JsonFormatter)
    )
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line]
    finally:
        root.setLevel(previous_level)
        handler.setStream(previous_stream)


def test_saving_a_day_logs_no_notes_and_no_email(as_alice, client, alice, log_lines):
    as_alice.put(
        "/api/v1/diary/2026-01-05/",
        {"headache": True, "peak_severity": 3, "duration_hours": 8, "notes": NOTE},
        format="json",
    )
    as_alice.put(
        "/api/v1/diary/2026-01-06/", {"headache": False, "notes": NOTE * 60}, format="json"
    )
    client.post(
        "/_allauth/app/v1/auth/login",
        {"email": "alice@example.org", "password": "wrong password"},
        content_type="application/json",
    )

    text = json.dumps(log_lines())
    assert "Argued" not in text
    assert "alice@example.org" not in text
    assert factories.PASSWORD not in text


def test_each_log_line_is_json_with_the_request_id(as_alice, log_lines):
    response = as_alice.put("/api/v1/diary/2026-01-05/", {"headache": "maybe"}, format="json")

    lines = log_lines()
    request_id = response["X-Request-ID"]
    assert request_id
    bad_request = [line for line in lines if line["message"].startswith("Bad Request")]
    assert bad_request
    assert bad_request[0]["request_id"] == request_id
    assert bad_request[0]["level"] == "WARNING"


def test_a_client_request_id_is_carried_through(as_alice, log_lines):
    request_id = "3f1c9a0e2b7d4c5e8f6a1b2c3d4e5f60"

    response = as_alice.get("/api/v1/diary/1999-99-99/", HTTP_X_REQUEST_ID=request_id)

    assert response["X-Request-ID"] == request_id
    assert any(line["request_id"] == request_id for line in log_lines())
