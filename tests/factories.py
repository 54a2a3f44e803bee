"""Factories for realistic people, diary days and injection sessions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from allauth.mfa.models import Authenticator

from diary import models, services
from diary.auth import EncryptingMFAAdapter
from diary.paradigms import PREEMPT_SITES

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def totp_data(secret: str = TOTP_SECRET) -> dict:
    """An authenticator app's stored data: the secret encrypted, as allauth stores it."""
    return {"secret": EncryptingMFAAdapter().encrypt(secret)}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    timezone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PatientProfile

    user = factory.SubFactory(UserFactory)


class ClinicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ClinicianProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    clinic = "Headache clinic"

    @factory.post_generation
    def with_totp(obj, create, extracted, **kwargs):
        # Clinicians see patient data only with a second factor (CLINICIAN_MFA_REQUIRED).
        if create and extracted is not False:
            Authenticator.objects.create(
                user=obj.user, type=Authenticator.Type.TOTP, data=totp_data()
            )


def signed_in_session(user: models.User):
    """The session of an app token obtained as a sign-in does: the password, then (for a user
    with an authenticator) the second factor, in allauth's record of the session's steps."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.headless.internal.sessionkit import new_session
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = new_session()
    request.session[SESSION_KEY] = str(user.pk)
    request.session[BACKEND_SESSION_KEY] = "diary.auth.AuthenticationBackend"
    request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    record_authentication(request, user, "password", email=user.email)
    factor = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).first()
    if factor is not None:
        record_authentication(request, user, "mfa", id=factor.pk, type=factor.type)
    request.session.save()
    return request.session


def clinic_member(
    clinic: str, *, role: str = models.ClinicRole.CLINICIAN, **kwargs
) -> models.ClinicianProfile:
    """A clinician or nurse (with a second factor) in the named clinic, created when new."""
    profile = ClinicianFactory(clinic=clinic, **kwargs)
    services.clinic_member_add(clinician=profile, clinic_name=clinic, role=role)
    return profile


def force_login_with_second_factor(client, user: models.User) -> None:
    """A browser session as after signing in with the password and then a second factor (the
    user's TOTP, made here if they have none): what the admin and clinic pages ask for."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )

    factor, _ = Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": totp_data()}
    )
    client.force_login(user)
    session = client.session
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": dt.datetime.now().timestamp(), "email": user.email},
        {"method": "mfa", "at": dt.datetime.now().timestamp(), "id": factor.pk, "type": "totp"},
    ]
    session.save()


def link(patient: models.PatientProfile, clinician: models.ClinicianProfile) -> models.CareLink:
    _care_link, code = services.care_link_create(patient=patient)
    return services.care_link_redeem(clinician=clinician, code=code)


class DiaryDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DiaryDay

    patient = factory.SubFactory(PatientFactory)
    date = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    headache = False


class HeadacheDayFactory(DiaryDayFactory):
    headache = True
    duration_hours = Decimal(6)
    peak_severity = 2
    unilateral = True
    pulsating = True
    nausea = True
    disability = 2


def medication(name: str) -> models.Medication:
    return models.Medication.objects.get(name=name, owner=None)


class InjectionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InjectionSession
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    date = dt.date(2026, 1, 5)
    total_units = Decimal(155)
    paradigm = models.Paradigm.PREEMPT
    injector = "Dr Ada Lovelace"
    lot = "C1234"
    planned_interval_weeks = 12

    @factory.post_generation
    def preempt_sites(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            models.InjectionSite.objects.bulk_create(
                models.InjectionSite(
                    session=obj,
                    muscle=site.muscle,
                    side=site.side,
                    units=site.units,
                    points=site.points,
                )
                for site in PREEMPT_SITES
            )
