from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings

from diary.models import CareLink
from tests import factories

SIGNUP = "/_allauth/app/v1/auth/signup"
LOGIN = "/_allauth/app/v1/auth/login"
VERIFY = "/_allauth/app/v1/auth/email/verify"


@pytest.fixture(autouse=True)
def email_verification_on(settings):
    # As deployed (EMAIL_VERIFICATION defaults to mandatory): with it off, a 500 on a taken
    # email went unseen.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True


def verified(client, response):
    """Enter the code the sign-up emailed, as the app does; the response signs the user in."""
    if response.status_code != 401:
        return response
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    return client.post(
        VERIFY,
        {"key": code},
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=response.json()["meta"]["session_token"],
    )


def signup(
    client, email="new.patient@example.org", password="a-strong-password-42", *, verify=True
):
    response = client.post(
        SIGNUP, {"email": email, "password": password}, content_type="application/json"
    )
    return verified(client, response) if verify else response


def test_anyone_can_sign_up_as_a_patient_with_the_app_client(client, db):
    response = signup(client)

    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]
    me = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)
    assert me.status_code == 200
    assert me.json()["role"] == "patient"
    assert me.json()["headache_day_rule"] == "preempt_4h"


def test_signup_rejects_a_weak_password(client, db):
    response = signup(client, password="123")

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "password"


def test_mandatory_verification_sends_a_code_before_the_account_is_usable(client, db):
    response = signup(client, verify=False)

    assert response.status_code == 401
    pending = [flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")]
    assert pending == ["verify_email"]
    assert mail.outbox[0].to == ["new.patient@example.org"]


def test_the_session_token_from_login_is_accepted_by_the_api(client, alice):
    # A verified address, as every account has once it signed up.
    EmailAddress.objects.create(
        user=alice.user, email=alice.user.email, verified=True, primary=True
    )
    response = client.post(
        LOGIN,
        {"email": "alice@example.org", "password": factories.PASSWORD},
        content_type="application/json",
    )

    token = response.json()["meta"]["session_token"]
    assert client.get("/api/v1/diary/", HTTP_X_SESSION_TOKEN=token).status_code == 200


def test_an_invalid_session_token_is_refused(client, db):
    response = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN="not-a-token")

    assert response.status_code in (401, 403)


def test_the_api_refuses_anonymous_callers(anonymous):
    assert anonymous.get("/api/v1/me/").status_code in (401, 403)


def test_me_shows_a_clinician_without_patient_settings(as_carol):
    data = as_carol.get("/api/v1/me/").json()

    assert data["role"] == "clinician"
    assert data["reminder_time"] is None


def test_a_patient_sets_time_zone_and_reminders(as_alice):
    response = as_alice.patch(
        "/api/v1/me/",
        {
            "timezone": "Australia/Sydney",
            "reminder_time": "07:30",
            "reminder_channels": ["email", "push"],
            "headache_day_rule": "trial_30min",
        },
        format="json",
    )

    assert response.status_code == 200
    again = as_alice.get("/api/v1/me/").json()
    assert again["timezone"] == "Australia/Sydney"
    assert again["reminder_time"] == "07:30"
    assert again["reminder_channels"] == ["email", "push"]
    assert again["headache_day_rule"] == "trial_30min"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus_Mons"),
        ("reminder_time", "25:00"),
        ("reminder_time", "7pm"),
        ("reminder_channels", ["pigeon"]),
        ("reminder_channels", ["email", "email"]),
        ("headache_day_rule", "whenever"),
    ],
)
def test_me_rejects_bad_settings_naming_the_field(as_alice, field, value):
    response = as_alice.patch("/api/v1/me/", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_role_cannot_be_changed_through_me(as_alice):
    as_alice.patch("/api/v1/me/", {"role": "clinician"}, format="json")

    assert as_alice.get("/api/v1/me/").json()["role"] == "patient"


def test_a_clinician_has_no_reminder_settings_to_change(as_carol):
    response = as_carol.patch("/api/v1/me/", {"reminder_time": "08:00"}, format="json")

    assert response.status_code == 400
    assert "reminder_time" in response.json()


# Care links -----------------------------------------------------------------------------------


def test_a_patient_gets_a_one_time_code_to_share_the_diary(as_alice):
    response = as_alice.post("/api/v1/care-links/")

    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"id", "code", "expires_at"}
    assert len(data["code"].replace("-", "")) == 12


def test_a_clinician_redeems_the_code_and_both_see_the_link(as_alice, alice, dave, as_dave):
    code = as_alice.post("/api/v1/care-links/").json()["code"]

    response = as_dave.post("/api/v1/care-links/redeem/", {"code": code}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "active"
    assert [link["clinician"]["email"] for link in as_alice.get("/api/v1/care-links/").json()] == [
        "dave@clinic.example.org"
    ]
    assert [link["patient"]["id"] for link in as_dave.get("/api/v1/care-links/").json()] == [
        alice.pk
    ]


def test_codes_are_accepted_in_lower_case_and_without_dashes(as_alice, as_dave):
    code = as_alice.post("/api/v1/care-links/").json()["code"]

    response = as_dave.post(
        "/api/v1/care-links/redeem/", {"code": code.replace("-", "").lower()}, format="json"
    )

    assert response.status_code == 201


def test_a_code_works_only_once(as_alice, as_dave, carol):
    code = as_alice.post("/api/v1/care-links/").json()["code"]
    as_dave.post("/api/v1/care-links/redeem/", {"code": code}, format="json")

    from tests.conftest import client_for

    again = client_for(carol.user)
    response = again.post("/api/v1/care-links/redeem/", {"code": code}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()


def test_an_expired_code_is_refused(as_alice, as_dave):
    code = as_alice.post("/api/v1/care-links/").json()["code"]

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=73)):
        response = as_dave.post("/api/v1/care-links/redeem/", {"code": code}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()


def test_a_wrong_code_is_refused(as_dave):
    response = as_dave.post("/api/v1/care-links/redeem/", {"code": "AAAA-BBBB-CCCC"}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()


def test_repeated_wrong_codes_are_throttled(as_dave):
    statuses = [
        as_dave.post(
            "/api/v1/care-links/redeem/", {"code": f"AAAA-BBBB-{n:04d}"}, format="json"
        ).status_code
        for n in range(12)
    ]

    assert statuses[-1] == 429


def test_patients_cannot_redeem_codes(as_alice, as_bob):
    code = as_alice.post("/api/v1/care-links/").json()["code"]

    response = as_bob.post("/api/v1/care-links/redeem/", {"code": code}, format="json")

    assert response.status_code == 403


def test_clinicians_cannot_create_codes(as_carol):
    assert as_carol.post("/api/v1/care-links/").status_code == 403


def test_the_patient_revokes_a_link_and_the_clinician_loses_access(as_alice, alice, as_carol):
    link_id = as_alice.get("/api/v1/care-links/").json()[0]["id"]

    assert as_alice.delete(f"/api/v1/care-links/{link_id}/").status_code == 204

    assert as_carol.get(f"/api/v1/patients/{alice.pk}/diary/").status_code == 404
    assert as_alice.get("/api/v1/care-links/").json()[0]["status"] == "revoked"


def test_the_clinician_can_revoke_a_link_too(alice, as_carol):
    link_id = as_carol.get("/api/v1/care-links/").json()[0]["id"]

    assert as_carol.delete(f"/api/v1/care-links/{link_id}/").status_code == 204

    assert as_carol.get(f"/api/v1/patients/{alice.pk}/diary/").status_code == 404


def test_nobody_else_can_revoke_a_link(carol, alice, as_bob, as_dave):
    link = CareLink.objects.get(patient=alice)

    assert as_bob.delete(f"/api/v1/care-links/{link.pk}/").status_code == 404
    assert as_dave.delete(f"/api/v1/care-links/{link.pk}/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_code_itself_is_never_stored(as_alice):
    code = as_alice.post("/api/v1/care-links/").json()["code"]

    assert not CareLink.objects.filter(code_digest__icontains=code.replace("-", "")).exists()


def test_a_clinician_without_a_second_factor_sees_no_patient_data(alice):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(clinician.user)

    response = client.get(f"/api/v1/patients/{alice.pk}/diary/")

    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


@override_settings(CLINICIAN_MFA_REQUIRED=False)
def test_mfa_can_be_left_to_single_sign_on(alice):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(clinician.user)

    assert client.get(f"/api/v1/patients/{alice.pk}/diary/").status_code == 200


# First run and time zone at sign-up (issue 17 items 3, 4, 12) ----------------------------------


def signup_in_zone(client, zone):
    response = client.post(
        SIGNUP,
        {"email": "kiri@example.org", "password": "a-strong-password-42", "timezone": zone},
        content_type="application/json",
    )
    return verified(client, response)


def test_a_new_account_is_created_in_the_time_zone_its_device_sends(client, db):
    response = signup_in_zone(client, "Pacific/Auckland")

    token = response.json()["meta"]["session_token"]
    me = client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token).json()
    assert me["timezone"] == "Pacific/Auckland"
    assert me["onboarded"] is False


def test_a_new_account_in_auckland_logs_its_local_today(client, db):
    token = signup_in_zone(client, "Pacific/Auckland").json()["meta"]["session_token"]

    # 20:00 UTC on 1 December is 09:00 on 2 December in Auckland.
    with time_machine.travel(dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC), tick=False):
        response = client.put(
            "/api/v1/diary/2026-12-02/",
            {"headache": False},
            content_type="application/json",
            HTTP_X_SESSION_TOKEN=token,
        )

    assert response.status_code == 201


def test_sign_up_refuses_a_time_zone_that_is_not_an_iana_name(client, db):
    response = signup_in_zone(client, "Mars/Olympus_Mons")

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "timezone"


def test_a_patient_finishes_the_first_run_with_a_recalled_baseline_and_preventives(as_alice):
    response = as_alice.patch(
        "/api/v1/me/",
        {
            "onboarded": True,
            "recalled_baseline_headache_days": 18,
            "preventive_medicines_note": "Topiramate 50 mg twice a day",
        },
        format="json",
    )

    assert response.status_code == 200
    me = as_alice.get("/api/v1/me/").json()
    assert me["onboarded"] is True
    assert me["recalled_baseline_headache_days"] == 18
    assert me["recalled_baseline_source"] == "patient"
    assert me["recalled_baseline_entered_at"] is not None
    assert me["preventive_medicines_note"] == "Topiramate 50 mg twice a day"


def test_a_patient_cannot_overwrite_a_baseline_the_clinic_entered(as_alice, alice):
    alice.recalled_baseline_headache_days = 20
    alice.recalled_baseline_source = "clinician"
    alice.save()

    response = as_alice.patch("/api/v1/me/", {"recalled_baseline_headache_days": 12}, format="json")

    assert response.status_code == 400
    assert "recalled_baseline_headache_days" in response.json()
    alice.refresh_from_db()
    assert alice.recalled_baseline_headache_days == 20


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recalled_baseline_headache_days", 29),
        ("recalled_baseline_headache_days", "18"),
        ("onboarded", "soon"),
        ("preventive_medicines_note", "x" * 2001),
    ],
)
def test_first_run_answers_are_validated_naming_the_field(as_alice, field, value):
    response = as_alice.patch("/api/v1/me/", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_clinician_has_no_first_run_to_finish(as_carol):
    response = as_carol.patch("/api/v1/me/", {"onboarded": True}, format="json")

    assert response.status_code == 400
    assert as_carol.get("/api/v1/me/").json()["onboarded"] is None


@override_settings(
    ACCOUNT_EMAIL_VERIFICATION="mandatory",
    DEFAULT_FROM_EMAIL="Headache diary <diary@example.org>",
    SITE_URL="https://diary.example.org",
)
def test_account_emails_carry_the_sites_name_and_address(client, db):
    signup(client)

    message = mail.outbox[0]
    assert "127.0.0.1" not in message.body and "testserver" not in message.body
    assert "Hello from Headache diary!" in message.body
    assert "https://diary.example.org" in message.body
    assert message.subject.startswith("[Headache diary] ")
