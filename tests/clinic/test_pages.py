from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from diary.models import (
    AccessEvent,
    FlagDecision,
    FlagKind,
    FlagStatus,
    MedicationIntake,
    ReviewFlag,
)
from tests import factories

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


PAGES = [
    "/clinic/patients/{id}/",
    "/clinic/patients/{id}/injections/new/",
]


def pages_for(patient) -> list[str]:
    return [page.format(id=patient.pk) for page in PAGES]


def test_anonymous_visitors_are_sent_to_sign_in(alice):
    for url in ["/clinic/", "/clinic/flags/", *pages_for(alice)]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/clinic/login/?next=")


def test_patients_get_404_on_every_clinic_page(alice):
    client = Client()
    client.force_login(alice.user)
    for url in ["/clinic/", "/clinic/flags/", *pages_for(alice)]:
        assert client.get(url).status_code == 404


def test_an_unlinked_clinician_gets_404_for_the_patient(alice, carol, dave_client):
    for url in pages_for(alice):
        assert dave_client.get(url).status_code == 404
    flag = ReviewFlag.objects.create(patient=alice, kind=FlagKind.WEAR_OFF, evidence={})
    response = dave_client.post(f"/clinic/flags/{flag.pk}/", {f"flag{flag.pk}-status": "dismissed"})
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    triage = dave_client.get("/clinic/").content.decode()
    assert "Alice" not in triage
    assert not AccessEvent.objects.filter(patient=alice).exists()


def test_a_clinician_without_the_second_factor_this_session_sees_no_data(alice, carol):
    factories.HeadacheDayFactory(patient=alice, date=TODAY, notes="secret-note")
    client = Client()
    # Enrolled, but signed in some other way (the admin, say): no second factor in this session.
    client.force_login(carol.user)
    for url in ["/clinic/", "/clinic/flags/", *pages_for(alice)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/clinic/login/code/"
        assert b"Alice" not in response.content
    assert not AccessEvent.objects.filter(patient=alice).exists()


def test_an_unenrolled_clinician_is_sent_to_enrol(alice):
    clinician = factories.ClinicianFactory(with_totp=False)
    factories.link(alice, clinician)
    client = Client()
    client.force_login(clinician.user)
    response = client.get(f"/clinic/patients/{alice.pk}/")
    assert response["Location"] == "/clinic/mfa/setup/"


def test_the_demo_patient_comes_first_in_triage_with_a_wear_off_flag(demo, demo_client):
    other = factories.PatientFactory(user__display_name="Aaron Quiet")
    factories.link(other, demo.clinician)
    response = demo_client.get("/clinic/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Demo Patient") < page.index("Aaron Quiet")
    assert "End-of-cycle wear-off" in page
    assert "cycle 4, week 12" in page
    assert response["Cache-Control"].startswith("max-age=0")
    by_name = demo_client.get("/clinic/?sort=name").content.decode()
    assert by_name.index("Aaron Quiet") < by_name.index("Demo Patient")
    assert AccessEvent.objects.filter(
        patient=demo.patient, actor=demo.clinician.user, action="view"
    ).exists()


def test_the_patient_view_shows_baseline_cycles_and_history(demo, demo_client):
    response = demo_client.get(f"/clinic/patients/{demo.patient.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    baseline = demo.patient.treatment_baselines.get().counts["preempt_4h"]["headache_days"]
    assert "Baseline" in page and "headache days per 28 days" in page
    assert str(baseline) in page
    assert "Cycle profiles, overlaid" in page
    assert page.count('<g class="series series-') >= 4  # four cycles overlaid
    assert "band-end" in page  # the end-of-cycle band the rise shows in
    assert "Neck pain" in page  # side effect after the first session
    assert f"/api/v1/patients/{demo.patient.pk}/report.pdf" in page
    assert "Outcome per cycle" in page
    event = AccessEvent.objects.get(patient=demo.patient, resource__contains="/clinic/patients/")
    assert event.actor_email == demo.clinician.user.email
    assert event.ip_address == "127.0.0.1"


def test_the_review_queue_shows_wear_off_evidence_and_resolves_with_a_decision(demo, demo_client):
    flag = ReviewFlag.objects.get(patient=demo.patient, kind=FlagKind.WEAR_OFF)
    page = demo_client.get("/clinic/flags/").content.decode()
    assert "plateau (weeks 3-9) against its end (from week 10" in page
    assert flag.evidence["summary"] in page

    refused = demo_client.post(f"/clinic/flags/{flag.pk}/", {f"flag{flag.pk}-status": "resolved"})
    assert refused.status_code == 200
    assert "Choose the decision" in refused.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN

    demo_client.post(
        f"/clinic/flags/{flag.pk}/",
        {
            f"flag{flag.pk}-status": "resolved",
            f"flag{flag.pk}-decision": FlagDecision.SHORTEN_INTERVAL,
            f"flag{flag.pk}-note": "Wears off from week 10: next at 10 weeks.",
        },
    )
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.decision == FlagDecision.SHORTEN_INTERVAL
    assert flag.reviewed_by == demo.clinician.user
    assert AccessEvent.objects.filter(patient=demo.patient, action="change").exists()
    history = demo_client.get(f"/clinic/patients/{demo.patient.pk}/").content.decode()
    assert "Shorten interval to 10 weeks" in history
    assert "next at 10 weeks" in history
    # The next session's planned interval follows the decision.
    form = demo_client.get(f"/clinic/patients/{demo.patient.pk}/injections/new/")
    assert 'name="planned_interval_weeks" value="10"' in form.content.decode()


def test_the_patient_view_shows_whether_each_medicine_helped(alice, carol_client):
    day = factories.HeadacheDayFactory(patient=alice, date=TODAY - dt.timedelta(days=3))
    MedicationIntake.objects.create(
        diary_day=day, medication=factories.medication("Sumatriptan"), doses=1, relief="full"
    )

    page = " ".join(carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode().split())

    assert "Did it help within 2 hours?" in page
    assert (
        '<th scope="row">Sumatriptan</th><td>1</td><td>1</td><td>0</td><td>0</td><td>1</td>' in page
    )


def test_the_patient_view_counts_headaches_of_unknown_duration_apart(alice, carol_client):
    factories.HeadacheDayFactory(
        patient=alice, date=TODAY - dt.timedelta(days=2), duration_hours=None, duration_known=False
    )

    page = " ".join(carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode().split())

    assert "Headaches of unknown duration (counted apart)" in page
    assert "<td>1 of 28</td><td>1</td>" in page
