"""A flag review returns to a page of the clinic that ``back`` names, never to a posted URL."""

from __future__ import annotations

import pytest

from diary.models import FlagKind, FlagStatus, ReviewFlag


@pytest.fixture
def flag(alice, carol):
    return ReviewFlag.objects.create(patient=alice, kind=FlagKind.WEAR_OFF, evidence={})


@pytest.mark.django_db
def test_an_invalid_review_does_not_follow_a_posted_url(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/",
        {f"flag{flag.pk}-status": "resolved", "back": "https://evil.example/phish"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/clinic/flags/"
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


@pytest.mark.django_db
def test_an_invalid_review_from_the_patient_page_returns_there(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/", {f"flag{flag.pk}-status": "resolved", "back": "patient"}
    )

    assert response["Location"] == f"/clinic/patients/{flag.patient_id}/"


@pytest.mark.django_db
def test_an_invalid_review_from_the_queue_returns_to_the_queue(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/", {f"flag{flag.pk}-status": "resolved", "back": "flags"}
    )

    assert response["Location"] == "/clinic/flags/"


@pytest.mark.django_db
def test_a_review_saved_never_follows_a_posted_url(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/",
        {f"flag{flag.pk}-status": "dismissed", "back": "//evil.example/"},
    )

    assert response["Location"] == "/clinic/flags/"
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
