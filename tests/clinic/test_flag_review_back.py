"""A flag review stays inside the clinic: a refused one is shown again with its errors, a saved
one returns to the page ``back`` names, never to a posted URL."""

from __future__ import annotations

import pytest

from diary.models import FlagKind, FlagStatus, ReviewFlag


@pytest.fixture
def flag(alice, carol):
    return ReviewFlag.objects.create(patient=alice, kind=FlagKind.WEAR_OFF, evidence={})


@pytest.mark.django_db
def test_resolving_without_a_decision_re_renders_the_errors_inside_the_clinic(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/",
        {
            f"flag{flag.pk}-status": "resolved",
            f"flag{flag.pk}-note": "Discussed at clinic.",
            "back": "https://evil.example/phish",
        },
    )

    assert response.status_code == 200
    assert response.resolver_match.namespace == "clinic"
    page = response.content.decode()
    assert "Choose the decision this flag is resolved with." in page
    assert "Discussed at clinic." in page  # what was typed is kept
    assert "evil.example" not in page
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


@pytest.mark.django_db
def test_a_review_saved_from_the_patient_page_returns_there(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/", {f"flag{flag.pk}-status": "acknowledged", "back": "patient"}
    )

    assert response["Location"] == f"/clinic/patients/{flag.patient_id}/"


@pytest.mark.django_db
def test_a_review_saved_never_follows_a_posted_url(flag, carol_client):
    response = carol_client.post(
        f"/clinic/flags/{flag.pk}/",
        {f"flag{flag.pk}-status": "dismissed", "back": "//evil.example/"},
    )

    assert response["Location"] == "/clinic/flags/"
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
