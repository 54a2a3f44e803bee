"""Triage: every figure names its window; search, filters and sorting find the patient."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from diary.models import ClinicMember, FlagKind, ReviewFlag
from tests import factories

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def triage(client, **params) -> str:
    return client.get("/clinic/", params).content.decode()


def test_each_figure_names_its_window(demo, demo_client):
    page = triage(demo_client)

    assert "headache days of" in page and "logged days, 2 Feb to 1 Mar" in page
    assert "last 28 days against baseline:" in page
    # The verdict says which cycle window it judged, so it never contradicts the last 28 days.
    assert "after cycle" in page


def test_search_finds_a_patient_by_name_or_email(demo, demo_client):
    other = factories.PatientFactory(
        user__display_name="Aaron Quiet", user__email="aaron@example.org"
    )
    factories.link(other, demo.clinician)

    by_name = triage(demo_client, q="aaron")
    by_email = triage(demo_client, q="AARON@EXAMPLE")

    for page in (by_name, by_email):
        assert "Aaron Quiet" in page and "Demo Patient" not in page
    assert "No patient matches these filters." in triage(demo_client, q="nobody-like-this")


def test_filters_for_open_flags_and_not_assessable(demo, demo_client):
    quiet = factories.PatientFactory(user__display_name="Aaron Quiet")
    factories.link(quiet, demo.clinician)

    with_flags = triage(demo_client, flags="open")
    not_assessable = triage(demo_client, assessable="no")

    assert "Demo Patient" in with_flags and "Aaron Quiet" not in with_flags
    assert "Aaron Quiet" in not_assessable


def test_the_due_filter_shows_patients_due_within_two_weeks(demo, demo_client):
    due = factories.PatientFactory(user__display_name="Dora Due")
    factories.link(due, demo.clinician)
    factories.InjectionSessionFactory(patient=due, date=TODAY - dt.timedelta(weeks=11))
    later = factories.PatientFactory(user__display_name="Larry Later")
    factories.link(later, demo.clinician)
    factories.InjectionSessionFactory(patient=later, date=TODAY - dt.timedelta(weeks=2))

    page = triage(demo_client, due="soon")

    assert "Dora Due" in page and "Larry Later" not in page


def test_mine_and_unassigned_follow_the_flags_assignee(demo, demo_client):
    me = ClinicMember.objects.get(clinician=demo.clinician)
    other = factories.PatientFactory(user__display_name="Aaron Quiet")
    factories.link(other, demo.clinician)
    ReviewFlag.objects.create(patient=other, kind=FlagKind.LOW_ADHERENCE, assignee=me)
    ReviewFlag.objects.filter(patient=demo.patient).update(assignee=None)

    mine = triage(demo_client, assignee="mine")
    unassigned = triage(demo_client, assignee="unassigned")

    assert "Aaron Quiet" in mine and "Demo Patient" not in mine
    assert "Demo Patient" in unassigned and "Aaron Quiet" not in unassigned


def test_a_red_flag_puts_the_patient_first_and_marks_the_row_urgent(demo, demo_client):
    urgent = factories.PatientFactory(user__display_name="Zoe Urgent")
    factories.link(urgent, demo.clinician)
    ReviewFlag.objects.create(patient=urgent, kind=FlagKind.SIDE_EFFECT_RED_FLAG)

    page = triage(demo_client)

    assert page.index("Zoe Urgent") < page.index("Demo Patient")
    assert '<tr class="urgent">' in page


def test_sorting_keeps_the_filters(demo, demo_client):
    page = triage(demo_client, flags="open")

    assert "?sort=name&amp;flags=open" in page


def test_unknown_filter_values_are_ignored(demo, demo_client):
    response = demo_client.get("/clinic/", {"assignee": "everyone", "sort": "bogus"})

    assert response.status_code == 200
    assert "Demo Patient" in response.content.decode()
