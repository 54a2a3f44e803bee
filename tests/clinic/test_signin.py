from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client

from tests import factories
from tests.clinic.conftest import secret_on_page, sign_in, totp_code


def test_it_asks_for_the_code_before_logging_a_clinician_in(carol):
    client = Client()
    response = client.post(
        "/clinic/login/", {"email": carol.user.email, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/clinic/login/code/"
    # The password alone opens no session: neither the pages nor the API serve anything.
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/patients/").status_code in (401, 403)
    response = client.get("/clinic/")
    assert response.status_code == 302
    assert response["Location"].startswith("/clinic/login/")


def test_it_signs_a_clinician_in_with_password_and_totp(carol, alice):
    client = Client()
    sign_in(client, carol.user)
    response = client.get("/clinic/")
    assert response.status_code == 200
    assert "Alice" in response.content.decode()
    assert int(client.session["_auth_user_id"]) == carol.user.pk


def test_it_rejects_a_wrong_code(carol):
    client = Client()
    client.post("/clinic/login/", {"email": carol.user.email, "password": factories.PASSWORD})
    response = client.post("/clinic/login/code/", {"code": "000000"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_code_used_twice(carol):
    code = totp_code()
    first, second = Client(), Client()
    for client in (first, second):
        client.post("/clinic/login/", {"email": carol.user.email, "password": factories.PASSWORD})
    assert first.post("/clinic/login/code/", {"code": code}).status_code == 302
    assert second.post("/clinic/login/code/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in second.session


def test_it_rejects_a_wrong_password(carol):
    client = Client()
    response = client.post("/clinic/login/", {"email": carol.user.email, "password": "wrong-one"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()


def test_it_turns_patients_away_from_the_clinic_sign_in(alice):
    client = Client()
    response = client.post(
        "/clinic/login/", {"email": alice.user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    assert "for clinicians" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_enrols_totp_then_shows_recovery_codes(db):
    clinician = factories.ClinicianFactory(with_totp=False, user__email="erin@clinic.example.org")
    client = Client()
    response = client.post(
        "/clinic/login/", {"email": clinician.user.email, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/clinic/mfa/setup/"
    page = client.get("/clinic/mfa/setup/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    secret = secret_on_page(page)

    wrong = client.post("/clinic/mfa/setup/", {"code": "123456"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=clinician.user).exists()

    response = client.post("/clinic/mfa/setup/", {"code": totp_code(secret)})
    assert response["Location"] == "/clinic/mfa/recovery-codes/"
    types = set(Authenticator.objects.filter(user=clinician.user).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    codes_page = client.get("/clinic/mfa/recovery-codes/").content.decode()
    codes = Authenticator.objects.get(user=clinician.user, type="recovery_codes").wrap()
    assert codes.get_unused_codes()[0] in codes_page
    assert client.get("/clinic/").status_code == 200


def test_a_recovery_code_serves_as_the_second_factor(carol):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    code = RecoveryCodes.activate(carol.user).generate_codes()[0]
    client = Client()
    client.post("/clinic/login/", {"email": carol.user.email, "password": factories.PASSWORD})
    assert client.post("/clinic/login/code/", {"code": code}).status_code == 302
    assert client.get("/clinic/").status_code == 200
    other = Client()
    other.post("/clinic/login/", {"email": carol.user.email, "password": factories.PASSWORD})
    assert other.post("/clinic/login/code/", {"code": code}).status_code == 200


def test_without_the_requirement_an_unenrolled_clinician_signs_in_with_a_password(db, settings):
    settings.CLINICIAN_MFA_REQUIRED = False
    clinician = factories.ClinicianFactory(with_totp=False)
    client = Client()
    response = client.post(
        "/clinic/login/", {"email": clinician.user.email, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/clinic/"
    assert client.get("/clinic/").status_code == 200


def test_a_clinician_session_ends_after_30_minutes_idle(carol):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = Client()
        sign_in(client, carol.user)
        clock.shift(dt.timedelta(minutes=25))
        assert client.get("/clinic/").status_code == 200
        # Activity resets the clock: 25 more minutes are still within 30 of the last request.
        clock.shift(dt.timedelta(minutes=25))
        assert client.get("/clinic/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/clinic/")
    assert response.status_code == 302
    assert response["Location"].startswith("/clinic/login/")
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(carol_client):
    response = carol_client.post("/clinic/logout/")
    assert response["Location"] == "/clinic/login/"
    assert carol_client.get("/clinic/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example.org/", "//evil.example.org/"])
def test_it_never_redirects_off_site_after_sign_in(carol, target):
    client = Client()
    client.post(
        f"/clinic/login/?next={target}",
        {"email": carol.user.email, "password": factories.PASSWORD},
    )
    response = client.post("/clinic/login/code/", {"code": totp_code()})
    assert response["Location"] == "/clinic/"
