"""A client that knows only api.md: sign up, log, correct, share, and a clinician reads."""

from __future__ import annotations

import datetime as dt

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import call_command
from django.test import Client

APP = "/_allauth/app/v1"


def login(client: Client, email: str, password: str) -> dict:
    response = client.post(
        f"{APP}/auth/login", {"email": email, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    return {"HTTP_X_SESSION_TOKEN": response.json()["meta"]["session_token"]}


def enrol_totp(client: Client, auth: dict, password: str) -> None:
    # allauth asks for the password again before a second factor is changed.
    client.post(
        f"{APP}/auth/reauthenticate",
        {"password": password},
        content_type="application/json",
        **auth,
    )
    secret = client.get(f"{APP}/account/authenticators/totp", **auth).json()["meta"]["secret"]
    code = format_hotp_value(hotp_value(secret, int(dt.datetime.now().timestamp()) // 30))
    response = client.post(
        f"{APP}/account/authenticators/totp",
        {"code": code},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.json()


def test_a_patient_shares_the_diary_and_only_the_chosen_clinician_reads_it(db, monkeypatch):
    client = Client()
    signup = client.post(
        f"{APP}/auth/signup",
        {"email": "pat@example.org", "password": "a-strong-password-42"},
        content_type="application/json",
    )
    patient = {"HTTP_X_SESSION_TOKEN": signup.json()["meta"]["session_token"]}
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    today = dt.date.today().isoformat()
    json = {"content_type": "application/json"}

    assert client.patch("/api/v1/me/", {"timezone": "UTC"}, **json, **patient).status_code == 200
    assert (
        client.put(f"/api/v1/diary/{today}/", {"headache": False}, **json, **patient).status_code
        == 201
    )
    logged = client.put(
        f"/api/v1/diary/{yesterday}/",
        {"headache": True, "peak_severity": 2, "duration_hours": 3},
        **json,
        **patient,
    )
    corrected = client.put(
        f"/api/v1/diary/{yesterday}/",
        {"headache": True, "peak_severity": 3, "duration_hours": 9},
        HTTP_IF_MATCH=logged["ETag"],
        **json,
        **patient,
    )
    refused = client.put(
        f"/api/v1/diary/{yesterday}/", {"headache": True, "peak_severity": 7}, **json, **patient
    )
    code = client.post("/api/v1/care-links/", **patient).json()["code"]

    monkeypatch.setenv("DJANGO_CLINICIAN_PASSWORD", "clinic-password-2026")
    call_command("create_clinician", "--email", "dr.chosen@clinic.example.org", "--noinput")
    call_command("create_clinician", "--email", "dr.other@clinic.example.org", "--noinput")
    chosen = login(client, "dr.chosen@clinic.example.org", "clinic-password-2026")
    other = login(client, "dr.other@clinic.example.org", "clinic-password-2026")
    enrol_totp(client, chosen, "clinic-password-2026")
    enrol_totp(client, other, "clinic-password-2026")
    link = client.post("/api/v1/care-links/redeem/", {"code": code}, **json, **chosen).json()
    patient_id = link["patient"]["id"]

    assert corrected.status_code == 200
    assert refused.status_code == 400 and "peak_severity" in refused.json()
    diary = client.get(f"/api/v1/patients/{patient_id}/diary/", **chosen).json()
    assert [(day["date"], day["peak_severity"]) for day in diary] == [(yesterday, 3), (today, 0)]
    assert client.get(f"/api/v1/patients/{patient_id}/trends/", **chosen).status_code == 200
    assert client.get(f"/api/v1/patients/{patient_id}/diary/", **other).status_code == 404
    assert client.get("/api/v1/patients/", **other).json() == []
