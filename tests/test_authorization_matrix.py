"""Who may do what: every URL the project serves, every method, every persona.

Personas: anonymous; alice, the patient who owns the data; bob, another patient; carol, alice's
clinician (signed in with her second factor); nina, a nurse of carol's clinic, who never redeemed
a code herself (a row that does not name her expects what it expects of carol); dave, a
clinician of another clinic alice never shared with; staff, an administrator with no clinical
role. A meta-test fails when a URL exists that the table does
not list, so a new endpoint cannot ship without its access rules.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from diary import services
from diary.interop.models import DiaryImport
from diary.interop.services import calendar_feed_rotate
from diary.models import CareLink, InjectionSession, PatientProfile, ReviewFlag
from tests import factories
from tests.clinic.conftest import sign_in

PERSONAS = ("anonymous", "bob", "dave", "staff", "carol", "nina", "alice")

# Expected statuses in PERSONAS order. Unsafe requests carry an invalid or empty body, so the
# persona allowed in gets a 400 and nothing changes for the personas after it.
ANON_API = 401
PATIENT_OWN = {
    "anonymous": ANON_API,
    "bob": 200,
    "dave": 403,
    "staff": 403,
    "carol": 403,
    "alice": 200,
}
PATIENT_WRITE = {**PATIENT_OWN, "bob": 400, "alice": 400}
ALICES_OBJECT = {"anonymous": ANON_API, "bob": 404, "dave": 403, "staff": 403, "carol": 403}
CLINICIAN_OF_ALICE = {
    "anonymous": ANON_API,
    "bob": 404,
    "dave": 404,
    "staff": 404,
    "carol": 200,
    "alice": 404,
}
CLINICIAN_LIST = {
    "anonymous": ANON_API,
    "bob": 403,
    "dave": 200,
    "staff": 403,
    "carol": 200,
    "alice": 403,
}
ANY_SIGNED_IN = {
    "anonymous": ANON_API,
    "bob": 200,
    "dave": 200,
    "staff": 200,
    "carol": 200,
    "alice": 200,
}
PUBLIC = dict.fromkeys(PERSONAS, 200)
CLINIC_PAGE = {"anonymous": 302, "bob": 404, "dave": 200, "staff": 404, "carol": 200, "alice": 404}
CLINIC_ALICE_PAGE = {**CLINIC_PAGE, "dave": 404}

MATRIX: list[tuple[str, str, dict | None, dict[str, int]]] = [
    # Accounts and sharing
    ("GET", "/api/v1/me/", None, ANY_SIGNED_IN),
    (
        "PATCH",
        "/api/v1/me/",
        {"timezone": "Nowhere/Land"},
        {**ANY_SIGNED_IN, **dict.fromkeys(PERSONAS[1:], 400)},
    ),
    ("DELETE", "/api/v1/me/", {}, {**ANY_SIGNED_IN, **dict.fromkeys(PERSONAS[1:], 400)}),
    ("GET", "/api/v1/me/export/", None, PATIENT_OWN),
    ("GET", "/api/v1/me/access-log/", None, PATIENT_OWN),
    ("GET", "/api/v1/care-links/", None, ANY_SIGNED_IN),
    ("POST", "/api/v1/care-links/", {}, {**PATIENT_OWN, "bob": 201, "alice": 201}),
    ("POST", "/api/v1/care-links/redeem/", {}, {**CLINICIAN_LIST, "dave": 400, "carol": 400}),
    (
        "DELETE",
        "/api/v1/care-links/{link}/",
        None,
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 204, "alice": 204},
    ),
    # Diary
    ("GET", "/api/v1/diary/", None, PATIENT_OWN),
    ("GET", "/api/v1/diary/{day}/", None, {**ALICES_OBJECT, "alice": 200}),
    ("PUT", "/api/v1/diary/{day}/", {}, {**ALICES_OBJECT, "bob": 400, "alice": 400}),
    ("DELETE", "/api/v1/diary/{day}/", None, {**ALICES_OBJECT, "alice": 204}),
    # Versions are the caller's own: another patient sees an empty history for the date.
    ("GET", "/api/v1/diary/{day}/history/", None, PATIENT_OWN),
    ("POST", "/api/v1/diary/{day}/restore/", {}, PATIENT_WRITE),
    ("GET", "/api/v1/medications/", None, ANY_SIGNED_IN),
    ("POST", "/api/v1/medications/", {}, PATIENT_WRITE),
    # Injections and side effects
    ("GET", "/api/v1/injections/", None, PATIENT_OWN),
    ("POST", "/api/v1/injections/", {}, PATIENT_WRITE),
    (
        "GET",
        "/api/v1/injections/{session}/side-effects/",
        None,
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 200, "alice": 200},
    ),
    (
        "POST",
        "/api/v1/injections/{session}/side-effects/",
        {},
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 400, "alice": 400},
    ),
    # Clinicians
    (
        "GET",
        "/api/v1/injections/{session}/",
        None,
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 200, "alice": 200},
    ),
    # Alice's record here is the clinic's: only the clinic corrects or voids it.
    (
        "PATCH",
        "/api/v1/injections/{session}/",
        {"total_units": "lots"},
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 400, "alice": 403},
    ),
    (
        "DELETE",
        "/api/v1/injections/{session}/",
        {},
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 400, "alice": 403},
    ),
    (
        "GET",
        "/api/v1/injections/{session}/history/",
        None,
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 200, "alice": 200},
    ),
    ("GET", "/api/v1/patients/", None, CLINICIAN_LIST),
    ("GET", "/api/v1/patients/{patient}/diary/", None, CLINICIAN_OF_ALICE),
    ("GET", "/api/v1/patients/{patient}/injections/", None, CLINICIAN_OF_ALICE),
    ("POST", "/api/v1/patients/{patient}/injections/", {}, {**CLINICIAN_OF_ALICE, "carol": 400}),
    ("GET", "/api/v1/patients/{patient}/trends/", None, CLINICIAN_OF_ALICE),
    ("GET", "/api/v1/patients/{patient}/fhir/", None, CLINICIAN_OF_ALICE),
    ("GET", "/api/v1/patients/{patient}/report.pdf", None, CLINICIAN_OF_ALICE),
    ("GET", "/api/v1/patients/{patient}/report.csv", None, CLINICIAN_OF_ALICE),
    ("GET", "/api/v1/flags/", None, CLINICIAN_LIST),
    ("GET", "/api/v1/flags/{flag}/", None, CLINICIAN_OF_ALICE),
    ("PATCH", "/api/v1/flags/{flag}/", {}, {**CLINICIAN_OF_ALICE, "carol": 400}),
    # Analysis, reports, export
    ("GET", "/api/v1/trends/", None, PATIENT_OWN),
    ("GET", "/api/v1/report.pdf", None, PATIENT_OWN),
    ("GET", "/api/v1/me/fhir/", None, PATIENT_OWN),
    ("GET", "/api/v1/me/diary.csv", None, PATIENT_OWN),
    # An upload is multipart: a JSON body is refused as an unsupported media type.
    ("POST", "/api/v1/me/imports/", {}, {**PATIENT_OWN, "bob": 415, "alice": 415}),
    (
        "GET",
        "/api/v1/me/imports/{import}/",
        None,
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 404, "alice": 200},
    ),
    (
        "DELETE",
        "/api/v1/me/imports/{import}/",
        None,
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 404, "alice": 204},
    ),
    (
        "POST",
        "/api/v1/me/imports/{import}/confirm/",
        {"overwrite_conflicts": "maybe"},
        {**ALICES_OBJECT, "dave": 404, "staff": 404, "carol": 404, "alice": 400},
    ),
    ("POST", "/api/v1/me/calendar-feed/", {}, {**PATIENT_OWN, "bob": 201, "alice": 201}),
    ("DELETE", "/api/v1/me/calendar-feed/", None, {**PATIENT_OWN, "bob": 204, "alice": 204}),
    ("GET", "/api/v1/calendar/{token}.ics", None, PUBLIC),
    ("GET", "/api/v1/push-subscriptions/", None, ANY_SIGNED_IN),
    (
        "POST",
        "/api/v1/push-subscriptions/",
        {},
        {**ANY_SIGNED_IN, **dict.fromkeys(PERSONAS[1:], 400)},
    ),
    (
        "DELETE",
        "/api/v1/push-subscriptions/",
        {},
        {**ANY_SIGNED_IN, **dict.fromkeys(PERSONAS[1:], 400)},
    ),
    # Service
    ("GET", "/api/schema/", None, PUBLIC),
    ("GET", "/api/docs/", None, PUBLIC),
    ("GET", "/healthz", None, PUBLIC),
    ("GET", "/readyz", None, PUBLIC),
    # The patient app
    ("GET", "/", None, PUBLIC),
    ("GET", "/manifest.webmanifest", None, PUBLIC),
    ("GET", "/sw.js", None, PUBLIC),
    # The clinic
    ("GET", "/clinic/", None, CLINIC_PAGE),
    ("GET", "/clinic/flags/", None, CLINIC_PAGE),
    ("GET", "/clinic/patients/add/", None, CLINIC_PAGE),
    # A refused code shows the form again.
    ("POST", "/clinic/patients/add/", {}, CLINIC_PAGE),
    ("GET", "/clinic/patients/{patient}/", None, CLINIC_ALICE_PAGE),
    # Clinicians sign off reports; nurses prepare them.
    (
        "POST",
        "/clinic/patients/{patient}/report/sign-off/",
        {},
        {**CLINIC_ALICE_PAGE, "carol": 302, "nina": 403},
    ),
    (
        "GET",
        "/clinic/patients/{patient}/report/sign-off/",
        None,
        {**CLINIC_ALICE_PAGE, "dave": 405, "carol": 405},
    ),
    # The report's identifiers; an empty form saves nothing new and returns to the patient.
    ("POST", "/clinic/patients/{patient}/details/", {}, {**CLINIC_ALICE_PAGE, "carol": 302}),
    (
        "GET",
        "/clinic/patients/{patient}/details/",
        None,
        {**CLINIC_ALICE_PAGE, "dave": 405, "carol": 405},
    ),
    ("GET", "/clinic/patients/{patient}/injections/new/", None, CLINIC_ALICE_PAGE),
    ("POST", "/clinic/patients/{patient}/injections/new/", {}, {**CLINIC_ALICE_PAGE, "carol": 200}),
    ("GET", "/clinic/patients/{patient}/injections/{session}/edit/", None, CLINIC_ALICE_PAGE),
    (
        "POST",
        "/clinic/patients/{patient}/injections/{session}/edit/",
        {},
        CLINIC_ALICE_PAGE,
    ),
    # Voiding is a POST; an empty reason voids nothing and returns to the patient page.
    (
        "GET",
        "/clinic/patients/{patient}/injections/{session}/void/",
        None,
        {**CLINIC_ALICE_PAGE, "dave": 405, "carol": 405},
    ),
    (
        "POST",
        "/clinic/patients/{patient}/injections/{session}/void/",
        {},
        {**CLINIC_ALICE_PAGE, "carol": 302},
    ),
    # Reviewing is a POST; a GET is refused alike for any clinician, so it reveals nothing.
    ("GET", "/clinic/flags/{flag}/", None, {**CLINIC_ALICE_PAGE, "dave": 405, "carol": 405}),
    # An empty review is shown again with its errors, inside the clinic.
    ("POST", "/clinic/flags/{flag}/", {}, CLINIC_ALICE_PAGE),
    (
        "GET",
        "/clinic/login/",
        None,
        {"anonymous": 200, "bob": 200, "dave": 302, "staff": 200, "carol": 302, "alice": 200},
    ),
    (
        "GET",
        "/clinic/login/code/",
        None,
        {**dict.fromkeys(PERSONAS, 302), "dave": 200, "carol": 200, "nina": 200},
    ),
    (
        "GET",
        "/clinic/mfa/setup/",
        None,
        dict.fromkeys(PERSONAS, 302),
    ),
    (
        "GET",
        "/clinic/mfa/recovery-codes/",
        None,
        CLINIC_PAGE,
    ),
    ("POST", "/clinic/login/passkey/", {}, dict.fromkeys(PERSONAS, 302)),
    ("GET", "/clinic/login/passkey/", None, dict.fromkeys(PERSONAS, 405)),
    ("POST", "/clinic/mfa/setup/passkey/", {}, dict.fromkeys(PERSONAS, 302)),
    ("GET", "/clinic/mfa/setup/passkey/", None, dict.fromkeys(PERSONAS, 405)),
    ("GET", "/clinic/security/", None, CLINIC_PAGE),
    ("POST", "/clinic/security/", {}, {**CLINIC_PAGE, "dave": 200, "carol": 200}),
    ("POST", "/clinic/logout/", {}, dict.fromkeys(PERSONAS, 302)),
    # Administration: staff only (the rest of /admin/ is Django's, behind the same login)
    (
        "GET",
        "/admin/",
        None,
        {"anonymous": 302, "bob": 302, "dave": 302, "staff": 200, "carol": 302, "alice": 302},
    ),
    (
        "GET",
        "/admin/diary/diaryday/",
        None,
        {"anonymous": 302, "bob": 302, "dave": 302, "staff": 200, "carol": 302, "alice": 302},
    ),
]

# Third-party URL trees whose access rules are their own: allauth's headless API answers for
# itself, and /admin/ is represented by the two rows above.
NOT_LISTED_PREFIXES = ("admin/", "_allauth/")


@pytest.fixture
def world(db):
    alice = factories.PatientFactory(user__email="alice@example.org")
    bob = factories.PatientFactory(user__email="bob@example.org")
    carol = factories.ClinicianFactory(user__email="carol@clinic.example.org")
    dave = factories.ClinicianFactory(user__email="dave@clinic.example.org")
    factories.link(alice, carol)
    nina = factories.clinic_member(
        carol.membership.clinic.name, role="nurse", user__email="nina@clinic.example.org"
    )
    staff = factories.UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    day = dt.date.today() - dt.timedelta(days=3)
    factories.HeadacheDayFactory(patient=alice, date=day)
    session = factories.InjectionSessionFactory(patient=alice, date=day - dt.timedelta(days=30))
    flag = services.review_flag_open(patient=alice, kind="wear_off", evidence={})
    diary_import = DiaryImport.objects.create(
        patient=alice, format="generic", file_name="diary.csv", file_sha256="0" * 64
    )
    calendar_feed_rotate(patient=bob)
    ids = {
        "patient": alice.pk,
        "day": day.isoformat(),
        "session": session.pk,
        "flag": flag.pk,
        "link": CareLink.objects.get(patient=alice, clinician=carol).pk,
        "import": diary_import.pk,
        "token": calendar_feed_rotate(patient=alice),
    }
    clients = {"anonymous": Client()}
    for name, user in (("alice", alice.user), ("bob", bob.user)):
        clients[name] = Client()
        clients[name].force_login(user)
    # Staff reach the admin only with a second factor used in the session.
    clients["staff"] = Client()
    factories.force_login_with_second_factor(clients["staff"], staff)
    for name, clinician in (("carol", carol), ("dave", dave), ("nina", nina)):
        clients[name] = Client()
        sign_in(clients[name], clinician.user)
    return clients, ids


def request(client: Client, method: str, path: str, body: dict | None):
    if method == "GET":
        return client.get(path)
    send = getattr(client, method.lower())
    if path.startswith("/api/"):
        return send(path, body or {}, content_type="application/json")
    return send(path, body or {})


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
def test_access(world, method, path, body, expected):
    clients, ids = world
    url = path.format(**ids)

    got = {
        persona: request(clients[persona], method, url, body).status_code for persona in PERSONAS
    }

    assert got == {persona: expected.get(persona, expected["carol"]) for persona in PERSONAS}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _as_template(route: str) -> str:
    """'api/v1/flags/<int:flag_id>/' -> '/api/v1/flags/{flag}/', as the matrix writes it."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+?)(?:_id)?>", r"{\1}", route)


def test_every_url_the_project_serves_is_in_the_matrix():
    listed = {path for _, path, _, _ in MATRIX}
    served = {
        _as_template(route)
        for route in _routes(get_resolver().url_patterns)
        if not route.startswith(NOT_LISTED_PREFIXES)
    }

    assert served - listed == set(), f"add these URLs to the matrix: {sorted(served - listed)}"


def test_list_views_never_leak_other_patients_rows(world):
    clients, _ids = world

    assert clients["bob"].get("/api/v1/diary/?from=2017-01-01").json() == []
    assert clients["bob"].get("/api/v1/injections/").json() == []
    assert clients["dave"].get("/api/v1/patients/").json() == []
    assert clients["dave"].get("/api/v1/flags/").json() == []
    assert all(
        link["patient"]["email"] == "bob@example.org"
        for link in clients["bob"].get("/api/v1/care-links/").json()
    )


def test_clients_cannot_set_owner_ids_or_roles(world):
    clients, ids = world
    bob = PatientProfile.objects.get(user__email="bob@example.org")
    alice = PatientProfile.objects.get(user__email="alice@example.org")

    clients["bob"].patch(
        "/api/v1/me/",
        {"role": "clinician", "id": 1, "email": "x@example.org"},
        content_type="application/json",
    )
    clients["bob"].put(
        f"/api/v1/diary/{ids['day']}/",
        {"headache": False, "patient": alice.pk, "id": 1, "revision": 99},
        content_type="application/json",
    )
    clients["bob"].post(
        "/api/v1/injections/",
        {"date": ids["day"], "total_units": 155, "patient": alice.pk},
        content_type="application/json",
    )
    clients["carol"].patch(
        f"/api/v1/flags/{ids['flag']}/",
        {
            "status": "acknowledged",
            "patient": bob.pk,
            "kind": "episodic",
            "created_at": "2000-01-01T00:00:00Z",
        },
        content_type="application/json",
    )

    bob.refresh_from_db()
    assert bob.user.role == "patient" and bob.user.email == "bob@example.org"
    assert alice.diary_days.get().headache is True
    assert bob.diary_days.get().revision == 1
    assert InjectionSession.objects.filter(patient=alice).count() == 1
    assert InjectionSession.objects.filter(patient=bob).count() == 1
    flag = ReviewFlag.objects.get(pk=ids["flag"])
    assert (flag.patient_id, flag.kind, flag.created_at.year) == (
        alice.pk,
        "wear_off",
        dt.date.today().year,
    )
