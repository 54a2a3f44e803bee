"""The review queue reads like a clinic's: each kind of flag has its own decisions and a
readable evidence card, red flags stand out, and a flag can go to a member of the team."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from diary import services
from diary.models import ClinicMember, FlagKind, ReviewFlag
from diary.reminders import delivery
from diary.reminders.models import MessageKind, OutgoingMessage
from tests import factories
from tests.clinic.conftest import sign_in

TODAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def red_flag(alice, carol) -> ReviewFlag:
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 6, 1))
    services.side_effect_report_create(
        session=session,
        reported_by=alice.user,
        kind="dysphagia",
        onset_date=dt.date(2026, 6, 4),
        severity=3,
    )
    return ReviewFlag.objects.get(patient=alice, kind=FlagKind.SIDE_EFFECT_RED_FLAG)


# Evidence as the nightly scan writes it (diary.scan.scan_findings).
EPISODIC_EVIDENCE = {
    "rule": "preempt_4h",
    "as_of": "2026-06-10",
    "summary": "NICE TA260: fewer than 15 headache days a month for 3 consecutive months.",
    "months": [
        {
            "month": "2026-03",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "logged_days": 30,
            "headache_days": 6,
            "headache_days_per_28": 5.6,
        }
    ],
}
OVERUSE_EVIDENCE = {
    "rule": "preempt_4h",
    "as_of": "2026-06-10",
    "summary": "Triptan on 10 days or more a month for more than 3 months.",
    "months_over_threshold": 4,
    "consecutive_months_over_threshold": {"triptan": 4},
    "months": [
        {
            "month": "2026-05",
            "logged_days": 31,
            "days_by_class": {"triptan": 12, "simple_analgesic": 3},
            "over_threshold": ["triptan"],
        }
    ],
}
NON_RESPONSE_EVIDENCE = {
    "rule": "preempt_4h",
    "as_of": "2026-06-10",
    "summary": "NICE TA260: less than 30 % fewer headache days after 2 cycles.",
    "notes": ["Late responders exist: judge again after the next cycle."],
    "verdicts": {"nice_ta260": "Non-responder (< 30 %)."},
    "after_cycle": 2,
    "window_start": "2026-03-06",
    "window_end": "2026-05-24",
    "logged_days": 70,
    "headache_days": 40,
    "headache_days_per_28": 16.0,
    "baseline_headache_days_per_28": 20.0,
    "percent_change": -20.0,
    "p_value": 0.0,
}
ADHERENCE_EVIDENCE = {
    "summary": "12 of the last 28 days logged (20 needed for counts to be read).",
    "window_start": "2026-05-13",
    "window_end": "2026-06-09",
    "logged_days": 12,
    "last_injection": "2026-04-01",
}


def queue(client) -> str:
    return client.get("/clinic/flags/").content.decode()


def test_a_red_flag_offers_urgent_decisions_not_a_shorter_interval(red_flag, carol_client):
    page = queue(carol_client)

    form = page[page.index(f'id="flag-{red_flag.pk}"') :]
    assert "Patient assessed urgently" in form
    assert "Referred to emergency care" in form
    assert "Shorten interval to 10 weeks" not in form


@pytest.mark.parametrize(
    ("kind", "evidence", "offered", "not_offered"),
    [
        ("episodic", EPISODIC_EVIDENCE, "Pause treatment and re-evaluate", "Raise dose"),
        (
            "medication_overuse",
            OVERUSE_EVIDENCE,
            "Plan withdrawal of the overused medicine",
            "Shorten interval to 10 weeks",
        ),
        (
            "non_response",
            NON_RESPONSE_EVIDENCE,
            "Continue treatment and judge again",
            "Bridging treatment",
        ),
        (
            "low_adherence",
            ADHERENCE_EVIDENCE,
            "Contact the patient about keeping the diary",
            "Raise dose",
        ),
    ],
)
def test_each_kind_of_flag_offers_its_own_decisions(
    alice, carol, carol_client, kind, evidence, offered, not_offered
):
    ReviewFlag.objects.create(patient=alice, kind=kind, evidence=evidence)

    page = queue(carol_client)

    assert offered in page
    assert not_offered not in page


def test_the_evidence_cards_read_as_sentences_not_data(alice, carol, carol_client, red_flag):
    for kind, evidence in [
        ("episodic", EPISODIC_EVIDENCE),
        ("medication_overuse", OVERUSE_EVIDENCE),
        ("non_response", NON_RESPONSE_EVIDENCE),
        ("low_adherence", ADHERENCE_EVIDENCE),
    ]:
        ReviewFlag.objects.create(patient=alice, kind=kind, evidence=evidence)

    page = queue(carol_client)

    assert "Trouble swallowing" in page
    assert "3 days after the session of 1 Jun 2026" in page
    assert "Side effect id" not in page
    assert "[{" not in page and "{&#x27;" not in page
    assert "p = 0.0" not in page
    assert "6 headache days of 30 logged days (20 %)" in page
    assert "triptan on 12 days and simple analgesic on 3 days" in page
    assert "40 headache days of 70 logged days (57 %)" in page
    assert "20 % fewer than at baseline" in page


def test_red_flags_come_first_and_look_urgent(alice, carol, carol_client, red_flag):
    ReviewFlag.objects.create(patient=alice, kind="episodic", evidence=EPISODIC_EVIDENCE)

    page = queue(carol_client)

    assert page.index(f'id="flag-{red_flag.pk}"') < page.index("Episodic for 3 months:")
    assert f'class="flag urgent" id="flag-{red_flag.pk}"' in page


def test_a_flag_is_given_to_a_nurse_of_the_clinic_from_the_queue(alice, carol, carol_client):
    nurse = factories.clinic_member(
        carol.membership.clinic.name, role="nurse", user__display_name="Nina Nurse"
    )
    flag = ReviewFlag.objects.create(patient=alice, kind="episodic", evidence=EPISODIC_EVIDENCE)
    member = ClinicMember.objects.get(clinician=nurse)

    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/", {f"flag{flag.pk}-assignee": member.pk, "back": "flags"}
    )

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.assignee, flag.status) == (member, "open")
    assert "assigned to Nina Nurse" in queue(carol_client)


def test_a_review_with_neither_status_nor_assignee_says_what_is_missing(alice, carol, carol_client):
    flag = ReviewFlag.objects.create(patient=alice, kind="episodic", evidence=EPISODIC_EVIDENCE)

    response = carol_client.post(f"/clinic/flags/{flag.pk}/", {"back": "flags"})

    assert "Choose acknowledge, resolve or dismiss." in response.content.decode()


def test_the_urgent_email_links_to_the_flag(red_flag, carol):
    alert = OutgoingMessage.objects.get(
        user=carol.user, kind=MessageKind.RED_FLAG_ALERT, channel="email"
    )

    delivery.message_deliver(message_id=alert.pk)

    (email,) = [m for m in mail.outbox if m.to == [carol.user.email]]
    assert f"/clinic/flags/#flag-{red_flag.pk}" in email.body


def test_every_member_of_the_clinic_is_alerted_to_a_red_flag(alice, carol):
    nurse = factories.clinic_member(carol.membership.clinic.name, role="nurse")
    session = factories.InjectionSessionFactory(patient=alice, date=dt.date(2026, 6, 1))

    services.side_effect_report_create(
        session=session,
        reported_by=alice.user,
        kind="breathing_difficulty",
        onset_date=dt.date(2026, 6, 2),
        severity=2,
    )

    alerted = set(
        OutgoingMessage.objects.filter(kind=MessageKind.RED_FLAG_ALERT).values_list(
            "user__email", flat=True
        )
    )
    assert alerted == {carol.user.email, nurse.user.email}


def test_signing_in_as_a_nurse_reaches_the_queue(alice, carol, client):
    nurse = factories.clinic_member(carol.membership.clinic.name, role="nurse")
    ReviewFlag.objects.create(patient=alice, kind="episodic", evidence=EPISODIC_EVIDENCE)
    sign_in(client, nurse.user)

    assert "Episodic for 3 months:" in queue(client)


def test_the_queue_shows_my_flags_or_the_unassigned_ones(alice, carol, carol_client):
    me = ClinicMember.objects.get(clinician=carol)
    mine = ReviewFlag.objects.create(
        patient=alice, kind="episodic", evidence=EPISODIC_EVIDENCE, assignee=me
    )
    nobodys = ReviewFlag.objects.create(
        patient=alice, kind="low_adherence", evidence=ADHERENCE_EVIDENCE
    )

    page_mine = carol_client.get("/clinic/flags/?assignee=mine").content.decode()
    page_unassigned = carol_client.get("/clinic/flags/?assignee=unassigned").content.decode()

    assert f'id="flag-{mine.pk}"' in page_mine and f'id="flag-{nobodys.pk}"' not in page_mine
    assert f'id="flag-{nobodys.pk}"' in page_unassigned
    assert f'id="flag-{mine.pk}"' not in page_unassigned
