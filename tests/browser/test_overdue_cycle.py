"""A cycle past its planned interval with no next injection: the Treatment screen says the
injection is overdue and shows the server's overdue advice, not the end-of-cycle cards (QA #9)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diary import selectors
from diary.advice import EDUCATION_CARDS
from diary.models import User
from tests.browser.helpers import app_closed, go, sign_up
from tests.factories import InjectionSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERDUE_CARDS = [card.title for card in EDUCATION_CARDS if card.overdue]
CYCLE_CARDS = [card.title for card in EDUCATION_CARDS if not card.overdue]


def injected(email: str, *, days_ago: int, planned_interval_weeks: int = 12) -> date:
    user = User.objects.get(email=email)
    day = selectors.local_today(user=user) - timedelta(days=days_ago)
    InjectionSessionFactory(
        patient=user.patient_profile, date=day, planned_interval_weeks=planned_interval_weeks
    )
    return day


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def education_titles(page) -> list[str]:
    return page.locator("article.education h3").all_inner_texts()


def test_one_injection_24_weeks_ago_is_overdue_not_week_25_of_12(page, screenshots):
    sign_up(page, "ann@example.org")
    with app_closed(page):
        day = injected("ann@example.org", days_ago=24 * 7)
    go(page, "#/treatment")

    page.get_by_role("heading", name="Your next injection is overdue").wait_for()
    summary = page.locator(".card.cycle")
    assert (
        f"Week 25 since your injection on {long_date(day)}; planned every 12 weeks."
        in summary.inner_text()
    )
    assert f"It was due on {long_date(day + timedelta(weeks=12))}." in summary.inner_text()
    assert "of 12" not in summary.inner_text()
    assert education_titles(page) == OVERDUE_CARDS
    assert not page.get_by_text("wearing off in the last weeks").count()
    page.screenshot(path=screenshots / "treatment_overdue.png", full_page=True)


def test_the_planned_interval_not_the_standard_one_makes_a_cycle_overdue(page):
    # Week 11 of a 10-week interval: overdue, though a 12-week cycle would still be running.
    sign_up(page, "ben@example.org")
    with app_closed(page):
        injected("ben@example.org", days_ago=10 * 7 + 3, planned_interval_weeks=10)
    go(page, "#/treatment")

    page.get_by_role("heading", name="Your next injection is overdue").wait_for()
    assert "planned every 10 weeks" in page.locator(".card.cycle").inner_text()
    assert education_titles(page) == OVERDUE_CARDS


def test_the_last_weeks_of_the_planned_interval_keep_the_cycles_cards(page):
    sign_up(page, "cy@example.org")
    with app_closed(page):
        injected("cy@example.org", days_ago=12 * 7 - 1)
    go(page, "#/treatment")

    page.get_by_role("heading", name="Week 12 of 12").wait_for()
    titles = education_titles(page)
    assert titles and set(titles) <= set(CYCLE_CARDS)
    assert not set(titles) & set(OVERDUE_CARDS)
