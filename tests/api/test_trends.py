"""GET /api/v1/trends/ and /api/v1/patients/{id}/trends/ (api.md, "Analysis")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import get_args

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle

from diary import models
from diary.analytics import verdicts
from diary.scan import scan_patient
from tests import factories
from tests.analytics.records import inject, log_days

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)
FIRST = date(2026, 1, 5)
CYCLE = "HH....." * 2 + "H......" * 7 + "HHHH..." * 3


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alice_diary(alice):
    log_days(
        alice,
        FIRST - timedelta(days=28),
        "HHHT.HH" * 4 + CYCLE + CYCLE[: TODAY.toordinal() - FIRST.toordinal() - 83],
    )
    inject(alice, FIRST, FIRST + timedelta(weeks=12))
    return alice


def assert_counts_rest_on_logged_days(counts: dict) -> None:
    assert {"logged_days", "missing_days", "sufficient", "headache_days"} <= set(counts)
    assert counts["headache_days"] <= counts["logged_days"]


def test_a_patient_sees_their_own_trends(as_alice, alice_diary):
    response = as_alice.get("/api/v1/trends/")
    assert response.status_code == 200
    body = response.json()
    assert {
        "baseline",
        "windows",
        "months",
        "cycles",
        "response",
        "medication_overuse",
        "wear_off",
    } <= set(body)
    assert body["rule"] == "preempt_4h"
    assert body["to"] == "2026-06-01"
    assert body["baseline"]["source"] == "diary"
    assert body["baseline"]["headache_days"] == 24
    assert body["baseline"]["logged_days"] == 28
    assert body["windows"][0]["index"] == -1
    assert body["windows"][0]["headache_days"] == 24
    for period in body["windows"] + body["months"]:
        assert_counts_rest_on_logged_days(period)
    first_cycle = body["cycles"][0]
    assert first_cycle["length_days"] == 84
    assert [week["week"] for week in first_cycle["weeks"]] == list(range(1, 13))
    assert first_cycle["weeks"][0]["headache_days"] == 2
    assert first_cycle["plateau"]["headache_days"] == 7
    assert first_cycle["end_of_cycle"]["headache_days"] == 12
    assert body["response"]["assessable"] is False
    assert "Not yet assessable" in body["response"]["message"]
    assert body["medication_overuse"]["status"] == "none"
    assert body["wear_off"]["cycles"][0]["verdict"] == "wear_off"


def test_the_rule_parameter_chooses_the_rule_set(as_alice, alice_diary):
    body = as_alice.get("/api/v1/trends/", {"rule": "trial_30min"}).json()
    assert body["rule"] == "trial_30min"


@pytest.mark.parametrize(("rule", "headache_days"), [("preempt_4h", 2), ("trial_30min", 4)])
def test_a_headache_day_lasts_as_long_as_the_rule_set_asks(as_alice, alice, rule, headache_days):
    durations = [None, Decimal("0.25"), Decimal("0.5"), Decimal("3.75"), Decimal(4), Decimal(9)]
    for offset, duration in enumerate(durations):
        factories.HeadacheDayFactory(
            patient=alice,
            date=date(2026, 5, 1 + offset),
            duration_hours=duration,
            # A headache stored without hours is one of unknown duration (a data migration).
            duration_known=duration is not None,
        )

    body = as_alice.get("/api/v1/trends/", {"rule": rule}).json()

    may = next(month for month in body["months"] if month["month"] == "2026-05")
    assert (may["logged_days"], may["headache_days"]) == (6, headache_days)


def test_from_and_to_bound_the_windows_and_months(as_alice, alice_diary):
    body = as_alice.get("/api/v1/trends/", {"from": "2026-02-01", "to": "2026-03-31"}).json()
    assert [m["month"] for m in body["months"]] == ["2026-02", "2026-03"]
    assert body["windows"][0]["start"] <= "2026-02-01" <= body["windows"][0]["end"]
    assert body["windows"][-1]["start"] <= "2026-03-31"
    assert body["to"] == "2026-03-31"


def test_a_linked_clinician_sees_the_trends_and_the_view_is_logged(as_carol, alice_diary, carol):
    response = as_carol.get(f"/api/v1/patients/{alice_diary.pk}/trends/")
    assert response.status_code == 200
    assert response.json()["baseline"]["headache_days"] == 24
    event = models.AccessEvent.objects.get(patient=alice_diary)
    assert (event.actor, event.action) == (carol.user, "view")
    assert "trends" in event.resource


def test_an_unlinked_clinician_gets_404(as_dave, alice_diary):
    assert as_dave.get(f"/api/v1/patients/{alice_diary.pk}/trends/").status_code == 404
    assert not models.AccessEvent.objects.exists()


def test_another_patient_gets_404_on_alices_trends(as_bob, alice_diary):
    assert as_bob.get(f"/api/v1/patients/{alice_diary.pk}/trends/").status_code == 404


def test_a_clinician_has_no_own_trends(as_carol):
    assert as_carol.get("/api/v1/trends/").status_code == 403


def test_anonymous_callers_are_refused(anonymous, alice):
    assert anonymous.get("/api/v1/trends/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"to": "2026-06-02"}, "to"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"rule": "one_hour"}, "rule"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(as_alice, alice, params, field):
    response = as_alice.get("/api/v1/trends/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_bad_parameters_are_refused_for_clinicians_too(as_carol, alice):
    response = as_carol.get(f"/api/v1/patients/{alice.pk}/trends/", {"rule": "x"})
    assert response.status_code == 400
    assert "rule" in response.json()


def test_five_years_of_daily_entries_take_a_small_constant_number_of_queries(
    as_alice, alice, django_assert_max_num_queries
):
    start = TODAY - timedelta(days=5 * 365)
    log_days(alice, start, ("T..S..H" * 300)[: 5 * 365 + 1])
    inject(alice, *(start + timedelta(days=28 + 84 * n) for n in range(21)))
    with django_assert_max_num_queries(6):
        response = as_alice.get("/api/v1/trends/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["cycles"]) == 21
    assert len(body["windows"]) > 60
    assert body["response"]["assessable"] is True


def test_the_trends_are_in_the_openapi_schema(anonymous):
    schema = anonymous.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/trends/", "/api/v1/patients/{patient_id}/trends/"):
        operation = schema["paths"][path]["get"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"from", "to", "rule"} <= names
    trends = schema["components"]["schemas"]["Trends"]["properties"]
    assert {"baseline", "windows", "months", "cycles", "response", "medication_overuse"} <= set(
        trends
    )


def test_a_patient_without_injections_has_no_baseline_yet(as_alice, alice):
    log_days(alice, TODAY - timedelta(days=40), "H." * 20)
    body = as_alice.get("/api/v1/trends/").json()
    assert body["baseline"]["source"] == "none"
    assert body["cycles"] == []
    assert len(body["months"]) == 13


def test_a_recalled_baseline_is_shown_as_recalled(as_alice, alice):
    alice.recalled_baseline_headache_days = 21
    alice.save(update_fields=["recalled_baseline_headache_days"])
    inject(alice, FIRST)
    body = as_alice.get("/api/v1/trends/").json()
    assert body["baseline"]["source"] == "recalled"
    assert body["baseline"]["headache_days_per_28"] == 21.0


def test_it_works_on_a_patient_in_another_time_zone(as_bob, bob):
    factories.DiaryDayFactory(patient=bob, date=TODAY - timedelta(days=1))
    assert as_bob.get("/api/v1/trends/").status_code == 200


def signed_in(client, patient):
    """A real session: each request loads the user and profile afresh, as in production."""
    client.force_login(patient.user)
    return client


def headache_days_of_last_window(client) -> int:
    return client.get("/api/v1/trends/").json()["windows"][-1]["headache_days"]


def test_trends_include_a_day_saved_after_they_were_read(client, alice_diary):
    client = signed_in(client, alice_diary)
    before = headache_days_of_last_window(client)

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        client.put(
            f"/api/v1/diary/{(TODAY - timedelta(days=1)).isoformat()}/",  # logged headache-free
            {"headache": True, "duration_hours": 6, "peak_severity": 2},
            content_type="application/json",
        )
        after = headache_days_of_last_window(client)

    assert after == before + 1


def test_trends_include_an_injection_recorded_after_they_were_read(client, alice_diary):
    client = signed_in(client, alice_diary)
    assert len(client.get("/api/v1/trends/").json()["cycles"]) == 2

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        recorded = client.post(
            "/api/v1/injections/",
            {
                "date": (TODAY - timedelta(days=1)).isoformat(),
                "total_units": 155,
                "early_reason": "Wear-off from week 8",
            },
            content_type="application/json",
        )
        cycles = client.get("/api/v1/trends/").json()["cycles"]

    assert recorded.status_code == 201
    assert len(cycles) == 3


def test_trends_read_again_without_changes_are_not_recomputed(
    client, alice_diary, django_assert_max_num_queries
):
    client = signed_in(client, alice_diary)
    first = client.get("/api/v1/trends/").json()

    # The session and the user with the profile: the diary itself is not read again.
    with django_assert_max_num_queries(2):
        again = client.get("/api/v1/trends/").json()

    assert again == first


def test_the_response_carries_one_verdict_per_guideline_with_its_reason(as_alice, alice_diary):
    response = as_alice.get("/api/v1/trends/").json()["response"]
    assert response["status"] == "not_yet_assessable"
    verdicts = response["verdicts"]
    assert [v["guideline"] for v in verdicts] == ["nice_ta260", "ehf_2018", "ahs_2021", "ihs_2025"]
    for verdict in verdicts:
        assert verdict["status"] == "not_yet_assessable"
        assert "its window ends on 2026-06-21" in verdict["reason"]
        assert verdict["text"].startswith(verdict["title"])


def test_one_injection_followed_by_24_weeks_gets_no_non_response(as_alice, alice):
    log_days(alice, FIRST - timedelta(days=28), "H" * 28 + "HH.H..." * 21)
    inject(alice, FIRST)
    # 24 weeks after the injection: days 0-167.
    with time_machine.travel(datetime(2026, 6, 21, 12, tzinfo=UTC), tick=False):
        body = as_alice.get("/api/v1/trends/").json()
    assert body["response"]["status"] == "not_yet_assessable"
    assert body["stopping_rules"]["non_response"] is False
    assert len(body["cycles"]) == 1
    # Due on day 84; on day 167 (today, not over yet) 83 days have passed with no injection.
    assert body["cycles"][0]["response_window"]["overdue_days"] == 83


def test_a_one_day_cycle_is_not_assessable_with_the_reason(as_alice, alice):
    log_days(alice, FIRST - timedelta(days=28), "H" * 28 + "." * 88)
    second = FIRST + timedelta(weeks=12)
    inject(alice, FIRST, second, second + timedelta(days=1))
    body = as_alice.get("/api/v1/trends/", {"to": (second + timedelta(days=3)).isoformat()}).json()
    response = body["response"]
    window = body["cycles"][1]["response_window"]
    assert (window["assessable"], window["percent_change"]) == (False, None)
    assert "cycle 2 lasted 1 day" in window["reason"]
    # Not a cycle of treatment of its own: the verdict waits for cycle 3, the second one.
    assert (response["status"], response["percent_change"]) == ("not_yet_assessable", None)
    assert {v["status"] for v in response["verdicts"]} == {"not_yet_assessable"}


def test_the_overuse_evidence_is_the_same_months_whatever_the_range_asked(as_alice, alice_diary):
    wide = as_alice.get("/api/v1/trends/").json()["medication_overuse"]
    narrow = as_alice.get("/api/v1/trends/", {"from": "2026-05-01"}).json()["medication_overuse"]
    assert wide == narrow
    assert [m["month"] for m in wide["months"]] == [
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]


def test_the_verdicts_are_in_the_openapi_schema(anonymous):
    schemas = anonymous.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert "verdicts" in schemas["TreatmentResponse"]["properties"]
    verdict = schemas["GuidelineVerdict"]["properties"]
    assert {"status", "text", "reason", "rule", "patient_message"} <= set(verdict)


def test_every_verdict_status_the_analytics_give_is_in_the_openapi_schema(anonymous):
    schemas = anonymous.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    status = schemas["GuidelineVerdict"]["properties"]["status"]
    enum = status["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    listed = set(schemas[enum]["enum"])
    assert listed == set(get_args(verdicts.Status))
    assert "stop_when_well" in listed


def test_baseline_days_typed_in_weeks_after_the_first_injection_are_frozen_as_retrospective(
    as_alice, alice
):
    inject(alice, FIRST)
    log_days(alice, FIRST - timedelta(days=28), "HHHT.HH" * 4)  # typed in today, in June
    scan_patient(patient=alice, today=TODAY)
    frozen = models.TreatmentBaseline.objects.get(patient=alice)
    assert (frozen.source, frozen.retrospective) == ("diary", True)
    baseline = as_alice.get("/api/v1/trends/").json()["baseline"]
    assert baseline["retrospective"] is True
    assert "Retrospective" in baseline["message"]
    assert baseline["acute_medication_days_by_class"] == {"triptan": 4}


def test_a_recalled_baseline_is_frozen_and_a_later_edit_does_not_move_it(as_alice, alice):
    alice.recalled_baseline_headache_days = 21
    alice.save(update_fields=["recalled_baseline_headache_days"])
    inject(alice, TODAY - timedelta(days=1))
    scan_patient(patient=alice, today=TODAY)
    alice.recalled_baseline_headache_days = 12
    alice.save(update_fields=["recalled_baseline_headache_days"])
    baseline = as_alice.get("/api/v1/trends/").json()["baseline"]
    assert (baseline["source"], baseline["frozen"], baseline["headache_days_per_28"]) == (
        "recalled",
        True,
        21.0,
    )


def test_the_scan_flags_overuse_on_the_months_the_trends_show(as_alice, alice):
    # Triptans on 12 days in each of the last five months.
    start = date(2026, 1, 1)
    log_days(alice, start, ("T" * 12 + "." * 18) * 5 + "T" * 2)
    flags = scan_patient(patient=alice, today=TODAY)
    evidence = next(f for f in flags if f.kind == "medication_overuse").evidence
    trends = as_alice.get("/api/v1/trends/", {"from": "2026-05-01"}).json()["medication_overuse"]
    assert [m["month"] for m in evidence["months"]] == [m["month"] for m in trends["months"]]
    assert evidence["summary"] == trends["message"]


def test_the_fhir_export_carries_each_guidelines_verdict(as_alice, alice_diary):
    bundle = as_alice.get("/api/v1/me/fhir/").json()
    verdicts = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "ClinicalImpression"
    ]
    trends = as_alice.get("/api/v1/trends/").json()["response"]["verdicts"]
    assert [v["code"]["coding"][0]["code"] for v in verdicts] == [t["guideline"] for t in trends]
    assert [v["finding"][0]["itemCodeableConcept"]["coding"][0]["code"] for v in verdicts] == [
        t["status"] for t in trends
    ]
    assert verdicts[0]["summary"] == trends[0]["text"]
    Bundle.model_validate(bundle)


def test_a_patient_waiting_on_an_overdue_injection_is_told_to_book_it(as_alice, alice):
    log_days(alice, FIRST - timedelta(days=28), "H" * 28 + "HH.H..." * 21)
    inject(alice, FIRST)
    with time_machine.travel(datetime(2026, 6, 21, 12, tzinfo=UTC), tick=False):
        body = as_alice.get("/api/v1/trends/").json()
    words = body["response"]["patient_message"]
    assert words.startswith("It is too early to say how well Botox works for you")
    assert "Your next injection is overdue: book it with your clinic." in words


def test_a_patient_whose_injection_is_not_yet_due_is_not_told_it_is_overdue(as_alice, alice):
    log_days(alice, FIRST - timedelta(days=28), "H" * 28 + "HH.H..." * 11)
    inject(alice, FIRST)
    with time_machine.travel(
        datetime.combine(FIRST + timedelta(weeks=12), datetime.min.time(), tzinfo=UTC)
        + timedelta(hours=12),
        tick=False,
    ):
        body = as_alice.get("/api/v1/trends/").json()
    assert "overdue" not in body["response"]["patient_message"]
