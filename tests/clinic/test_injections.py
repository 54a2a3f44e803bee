from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from diary.api.serializers import InjectionSessionSerializer
from diary.models import AccessEvent, InjectionSession
from diary.paradigms import PREEMPT_SITES
from frontend.clinic.forms import InjectionSessionForm, site_field_names, site_initial
from tests import factories


def session_post(*, date: str = "2026-03-02", **changes) -> dict:
    data = {
        "date": date,
        "product": "onabotulinumtoxinA",
        "lot": "C9876",
        "injector": "Dr Carol",
        "paradigm": "preempt",
        "total_units": "155",
        "planned_interval_weeks": "12",
        "notes": "",
        **{name: str(value) for name, value in site_initial(PREEMPT_SITES).items()},
    }
    data.update({key: str(value) for key, value in changes.items()})
    return data


def url(patient) -> str:
    return f"/clinic/patients/{patient.pk}/injections/new/"


def test_the_form_is_prefilled_with_the_preempt_pattern(alice, carol_client):
    page = carol_client.get(url(alice)).content.decode()
    units, points = site_field_names("temporalis", "left")
    assert f'name="{units}" value="20"' in page or f'name="{units}" value="20.0"' in page
    assert f'name="{points}" value="4"' in page
    assert 'name="total_units" value="155"' in page
    assert page.count('class="dot"') == 31  # one visible dot per PREEMPT point


def test_it_records_a_preempt_session(alice, carol, carol_client):
    response = carol_client.post(url(alice), session_post())
    assert response["Location"] == f"/clinic/patients/{alice.pk}/"
    session = InjectionSession.objects.get(patient=alice)
    assert session.total_units == Decimal(155)
    assert sum(site.points for site in session.sites.all()) == 31
    assert session.recorded_by == carol.user
    assert AccessEvent.objects.filter(patient=alice, action="change").exists()


def test_it_records_follow_the_pain_sites(alice, carol_client):
    temporalis, temporalis_points = site_field_names("temporalis", "left")
    occipitalis, occipitalis_points = site_field_names("occipitalis", "right")
    data = session_post(
        paradigm="preempt_follow_the_pain",
        total_units="165",
        **{temporalis: 25, temporalis_points: 5, occipitalis: 20, occipitalis_points: 4},
    )
    response = carol_client.post(url(alice), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    session = InjectionSession.objects.get(patient=alice)
    assert session.total_units == Decimal(165)
    assert sum(site.points for site in session.sites.all()) == 33


def test_the_server_judges_the_pattern(alice, carol_client):
    temporalis, temporalis_points = site_field_names("temporalis", "left")
    data = session_post(total_units="160", **{temporalis: 25, temporalis_points: 5})
    response = carol_client.post(url(alice), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "PREEMPT paradigm is 155 U" in page
    assert not InjectionSession.objects.exists()


def test_it_refuses_a_total_that_does_not_match_the_sites(alice, carol_client):
    response = carol_client.post(url(alice), session_post(total_units="150"))
    assert "Site units add up to 155" in response.content.decode()
    assert not InjectionSession.objects.exists()


def test_a_custom_pattern_needs_a_reason(alice, carol_client):
    response = carol_client.post(url(alice), session_post(paradigm="custom"))
    assert "needs a reason" in response.content.decode()
    response = carol_client.post(
        url(alice), session_post(paradigm="custom", notes="Ptosis last time: lower frontalis.")
    )
    assert response.status_code == 302


@pytest.mark.parametrize("weeks", [8, 9])
def test_it_says_clearly_why_an_interval_under_10_weeks_is_refused(alice, carol_client, weeks):
    response = carol_client.post(url(alice), session_post(planned_interval_weeks=weeks))
    page = response.content.decode()
    assert f"{weeks} weeks is too short" in page
    assert "never below" in page
    assert not InjectionSession.objects.exists()


def test_it_copies_the_previous_session_in_one_click(alice, carol_client):
    previous = factories.InjectionSessionFactory(
        patient=alice,
        date=dt.date(2025, 12, 1),
        paradigm="preempt_follow_the_pain",
        total_units=Decimal(175),
        preempt_sites=False,
    )
    for site in PREEMPT_SITES:
        extra = Decimal(10) if (site.muscle, site.side) == ("trapezius", "left") else 0
        previous.sites.create(
            muscle=site.muscle,
            side=site.side,
            units=site.units + extra,
            points=site.points + (2 if extra else 0),
        )
    previous.sites.filter(muscle="temporalis", side="right").update(units=30, points=6)
    page = carol_client.get(url(alice) + "?copy=previous").content.decode()
    units, points = site_field_names("trapezius", "left")
    assert f'name="{units}" value="25' in page
    assert f'name="{points}" value="5"' in page
    assert 'value="preempt_follow_the_pain" selected' in page
    assert 'name="total_units" value="175' in page
    assert "Pattern copied from the previous session" in page


def test_a_second_session_on_the_same_day_is_refused(alice, carol_client):
    carol_client.post(url(alice), session_post())
    response = carol_client.post(url(alice), session_post())
    assert "already recorded on this date" in response.content.decode()
    assert InjectionSession.objects.count() == 1


# Corrections, voiding, early sessions, self-reports ---------------------------------------------


def edit_url(patient, session) -> str:
    return f"/clinic/patients/{patient.pk}/injections/{session.pk}/edit/"


def test_a_corrected_session_keeps_its_history_on_the_patient_page(alice, carol_client):
    carol_client.post(url(alice), session_post(date="2026-06-01", lot="C1111"))
    session = InjectionSession.objects.get(patient=alice)

    response = carol_client.post(edit_url(alice, session), session_post(date="2026-06-01"))

    assert response["Location"] == f"/clinic/patients/{alice.pk}/"
    session.refresh_from_db()
    assert (session.lot, session.version) == ("C9876", 2)
    page = carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode()
    assert "History: 2 versions" in page
    assert "lot C1111" in page and "lot C9876" in page


def test_a_voided_session_leaves_the_patient_page_but_not_the_history(alice, carol_client):
    carol_client.post(url(alice), session_post(date="2026-06-01"))
    session = InjectionSession.objects.get(patient=alice)

    response = carol_client.post(
        f"/clinic/patients/{alice.pk}/injections/{session.pk}/void/",
        {"reason": "Entered for the wrong patient"},
        follow=True,
    )

    page = response.content.decode()
    assert "voided: it no longer counts in any analysis" in page
    assert "No injection recorded yet." in page
    assert not InjectionSession.objects.filter(patient=alice).exists()
    assert InjectionSession.with_voided.get(pk=session.pk).versions.count() == 2


def test_voiding_without_a_reason_changes_nothing(alice, carol_client):
    carol_client.post(url(alice), session_post(date="2026-06-01"))
    session = InjectionSession.objects.get(patient=alice)

    carol_client.post(f"/clinic/patients/{alice.pk}/injections/{session.pk}/void/", {"reason": ""})

    session.refresh_from_db()
    assert session.voided_at is None


def test_a_session_six_weeks_after_the_previous_needs_a_reason_and_shows_it(alice, carol_client):
    carol_client.post(url(alice), session_post(date="2026-06-01"))

    refused = carol_client.post(url(alice), session_post(date="2026-07-13"))
    assert "less than 10 weeks" in refused.content.decode()
    assert InjectionSession.objects.filter(patient=alice).count() == 1

    carol_client.post(
        url(alice), session_post(date="2026-07-13", early_reason="Wear-off from week 5")
    )
    page = carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode()
    assert "Early session:</strong> Wear-off from week 5" in page


def test_a_patients_self_report_shows_no_site_table_and_the_clinic_confirms_it(
    alice, carol_client, as_alice
):
    as_alice.post("/api/v1/injections/", {"date": "2026-06-01", "total_units": 155}, format="json")
    page = carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode()
    assert "reported by the patient, not confirmed" in page
    assert "Sites not recorded" in page
    assert "Units per muscle and side" not in page

    carol_client.post(url(alice), session_post(date="2026-06-02"))

    session = InjectionSession.objects.get(patient=alice)
    assert (session.date, session.source, session.confirmed) == (
        dt.date(2026, 6, 2),
        "clinic",
        True,
    )
    page = carol_client.get(f"/clinic/patients/{alice.pk}/").content.decode()
    assert "not confirmed" not in page
    assert "Confirmed by the clinic" in page


@pytest.mark.parametrize(
    ("kind", "note"),
    [
        ("ptosis", "inject frontalis sites higher and give fewer units"),
        ("brow_ptosis", "give fewer and shallower corrugator units"),
    ],
)
def test_the_site_map_carries_technique_notes_after_ptosis(alice, carol_client, kind, note):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 6, 1))
    session.side_effects.create(kind=kind, onset_date=dt.date(2026, 6, 8), severity=2)

    page = carol_client.get(url(alice)).content.decode()

    assert "Technique notes from the last session" in page
    assert note in page


def test_no_technique_note_without_a_side_effect_that_calls_for_one(alice, carol_client):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 6, 1))
    session.side_effects.create(kind="neck_pain", onset_date=dt.date(2026, 6, 8), severity=1)

    assert "Technique notes" not in carol_client.get(url(alice)).content.decode()


def test_another_clinic_cannot_edit_or_void(alice, carol, dave_client):
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 6, 1))

    assert dave_client.get(edit_url(alice, session)).status_code == 404
    response = dave_client.post(
        f"/clinic/patients/{alice.pk}/injections/{session.pk}/void/", {"reason": "x"}
    )
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.voided_at is None


def test_confirming_a_self_report_on_its_page_makes_it_the_clinics_record(
    alice, carol_client, as_alice
):
    as_alice.post("/api/v1/injections/", {"date": "2026-06-01", "total_units": 155}, format="json")
    session = InjectionSession.objects.get(patient=alice)
    page = carol_client.get(edit_url(alice, session)).content.decode()
    assert "saving confirms it as the clinic" in page

    carol_client.post(edit_url(alice, session), session_post(date="2026-06-01"))

    session.refresh_from_db()
    assert (session.source, session.confirmed, session.lot) == ("clinic", True, "C9876")
    assert sum(site.points for site in session.sites.all()) == 31


@pytest.mark.parametrize(
    ("total_units", "accepted"),
    [("0", False), ("0.1", True), ("400", True), ("400.5", False), ("12.25", False)],
)
def test_the_clinic_form_and_the_api_take_the_same_total_units(alice, total_units, accepted):
    form = InjectionSessionForm(data=session_post(paradigm="custom", total_units=total_units))
    form.is_valid()
    api = InjectionSessionSerializer(
        data={"date": "2026-03-02", "total_units": total_units, "paradigm": "custom"},
        context={"patient": alice},
    )
    api.is_valid()
    assert ("total_units" not in form.errors) is accepted
    assert ("total_units" not in api.errors) is accepted
