"""Bad input answers 400 naming what was wrong, never 500 (issue 15, item 11)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from diary.models import DiaryDay, Medication
from diary.request_limits import MAX_JSON_DEPTH
from tests import factories

LOGIN = "/_allauth/app/v1/auth/login"
SIGNUP = "/_allauth/app/v1/auth/signup"
BROWSER_LOGIN = "/_allauth/browser/v1/auth/login"
DEEP = "[" * 100_000 + "]" * 100_000
LONG_NUMBER = "7" * 5000


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def send(client: Client, method: str, path: str, body: str, **headers):
    return getattr(client, method)(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", LOGIN),
        ("post", SIGNUP),
        ("post", BROWSER_LOGIN),
        ("put", "/api/v1/diary/2026-11-23/"),
        ("patch", "/api/v1/me/"),
        ("post", "/api/v1/medications/"),
        ("post", "/api/v1/care-links/redeem/"),
    ],
)
def test_deeply_nested_json_is_refused_with_400(alice, method, path):
    client = Client()
    client.force_login(alice.user)

    response = send(client, method, path, f'{{"email": {DEEP}, "headache": {DEEP}}}')

    assert response.status_code == 400
    assert f"at most {MAX_JSON_DEPTH} levels" in response.json()["detail"]


def test_json_nested_a_few_levels_still_reaches_the_api(alice, as_alice):
    response = as_alice.put(
        "/api/v1/diary/2026-11-23/",
        {"headache": True, "peak_severity": 2, "duration_hours": 5, "features": {"nausea": True}},
        format="json",
    )

    assert response.status_code == 201


@pytest.mark.parametrize("path", [LOGIN, SIGNUP, BROWSER_LOGIN])
def test_an_integer_of_thousands_of_digits_is_refused_with_400_on_sign_in(db, path):
    response = send(
        Client(), "post", path, f'{{"email": "new@example.org", "password": {LONG_NUMBER}}}'
    )

    assert response.status_code == 400
    assert "4300 digits" in response.json()["detail"]


def test_a_long_number_inside_a_string_is_just_text(db):
    response = send(
        Client(),
        "post",
        SIGNUP,
        f'{{"email": "new@example.org", "password": "{LONG_NUMBER}-and-words"}}',
    )

    assert response.status_code != 500
    assert "4300 digits" not in response.content.decode()


def test_a_nul_byte_in_a_medicine_named_by_a_day_is_refused_with_400(alice, as_alice):
    response = as_alice.put(
        "/api/v1/diary/2026-11-23/",
        {
            "headache": True,
            "peak_severity": 2,
            "duration_hours": 3,
            "medications": [{"medication": "Ibu\x00profen", "doses": 1}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "Null characters" in str(response.json()["medications"])
    assert not DiaryDay.objects.exists()


def test_a_nul_byte_in_a_new_medicine_name_is_refused_with_400(alice, as_alice):
    response = as_alice.post(
        "/api/v1/medications/",
        {"name": "Rizatriptan\x00", "medication_class": "triptan"},
        format="json",
    )

    assert response.status_code == 400
    assert "name" in response.json()
    assert not Medication.objects.filter(owner=alice).exists()


@pytest.mark.parametrize("tag", ['"1-²"', '"abc"', "W/"])
def test_a_malformed_if_match_is_refused_with_400(alice, as_alice, tag):
    factories.DiaryDayFactory(patient=alice, date=dt.date(2026, 11, 23))

    response = as_alice.put(
        "/api/v1/diary/2026-11-23/", {"headache": False}, format="json", HTTP_IF_MATCH=tag
    )

    assert response.status_code == 400
    assert "If-Match" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/diary/", "/api/v1/trends/"])
@pytest.mark.parametrize("query", ["to=0001-01-01", "from=0001-01-01&to=0001-01-02"])
def test_dates_before_1900_are_refused_with_400(alice, as_alice, path, query):
    response = as_alice.get(f"{path}?{query}")

    assert response.status_code == 400
    assert set(response.json()) <= {"from", "to"}


def test_an_oversized_upload_is_refused_before_its_body_is_read(alice, as_alice):
    boundary = "diary-boundary"
    # The client announces 200 MB and sends a few bytes: reading past them would fail the test.
    response = as_alice.generic(
        "POST",
        "/api/v1/me/imports/",
        f"--{boundary}\r\nContent-Disposition: form-data; name=file; filename=a.csv\r\n\r\n",
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_an_oversized_json_body_is_refused_before_it_is_read(alice, as_alice):
    response = as_alice.generic(
        "PUT",
        "/api/v1/diary/2026-11-23/",
        '{"headache": false}',
        content_type="application/json",
        CONTENT_LENGTH=str(3 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert not DiaryDay.objects.exists()


def test_a_diary_file_within_the_limit_still_uploads(alice, as_alice):
    content = "date,headache,severity,hours\n2026-11-01,yes,2,5\n" + "# padding\n" * 150_000
    upload = SimpleUploadedFile("diary.csv", content.encode(), content_type="text/csv")

    response = as_alice.post("/api/v1/me/imports/", {"file": upload}, format="multipart")

    assert response.status_code != 413
