"""The patient app shows what the server sends: choices and constants come from the server,
and the few keys the app words itself must be the API's own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from diary import paradigms
from diary.advice import EDUCATION_CARDS
from diary.models import DiaryDay, DurationBand, MedicationClass, Relief, SideEffectKind

pytestmark = pytest.mark.django_db

JS = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "js"


def app_config(client) -> dict:
    html = client.get("/").content.decode()
    found = re.search(r'<script id="app-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the shell carries no app config"
    return json.loads(found.group(1))


def js_values(module: str, constant: str) -> list[str]:
    """The `value:` keys of a `const NAME = [...]` list in one of the app's modules."""
    source = (JS / module).read_text()
    block = re.search(rf"const {constant} = \[(.*?)\n\];", source, re.S)
    assert block, f"{constant} not found in {module}"
    return re.findall(r'value: "([a-z_0-9]+)"', block.group(1))


def test_it_sends_the_apis_choices_with_the_shell(client):
    choices = app_config(client)["choices"]

    assert choices["duration_band"] == [list(choice) for choice in DurationBand.choices]
    assert choices["relief"] == [list(choice) for choice in Relief.choices]
    assert choices["medication_class"] == [list(choice) for choice in MedicationClass.choices]
    assert choices["side_effect"] == [list(choice) for choice in SideEffectKind.choices]


def test_it_sends_the_standard_dose_from_the_paradigm(client):
    preempt = app_config(client)["preempt"]

    assert preempt == {
        "total_units": int(paradigms.PREEMPT_TOTAL_UNITS),
        "points": paradigms.PREEMPT_POINTS,
        "interval_weeks": paradigms.STANDARD_INTERVAL_WEEKS,
    }


def test_the_apps_words_for_features_name_exactly_the_apis_features():
    assert js_values("labels.js", "FEATURES") == list(DiaryDay.FEATURES)


def test_no_module_keeps_its_own_copy_of_a_server_rule():
    sources = {path.name: path.read_text() for path in JS.glob("*.js")}

    # The dose, the cycle week and the enum lists come from the server (config or trends).
    assert not [name for name, text in sources.items() if re.search(r"\b155\b", text)]
    assert not [name for name, text in sources.items() if "/ 7) + 1" in text]
    assert "daysBetween" not in sources["treatment.js"]
    assert "SIDE_EFFECTS" not in sources["treatment.js"]
    # One payload shape for trends: no fallback to a "counts" sub-object.
    assert "item.counts" not in sources["trends.js"]
    assert "window_start" not in sources["trends.js"]


def test_the_shell_sets_the_browser_bar_colour_of_each_theme(client):
    html = client.get("/").content.decode()
    colours = app_config(client)["theme_colours"]

    assert set(colours) == {"light", "dark", "lowlight"}
    assert f'content="{colours["light"]}" media="(prefers-color-scheme: light)"' in html
    assert f'content="{colours["dark"]}" media="(prefers-color-scheme: dark)"' in html


def test_it_sends_the_cycle_education_in_the_servers_one_wording(client):
    cards = app_config(client)["education_cards"]

    assert [(c["from"], c["to"], c["title"], c["text"]) for c in cards] == [
        (c.first_day, c.last_day, c.title, c.text) for c in EDUCATION_CARDS
    ]
    treatment = (JS / "treatment.js").read_text()
    assert not [c.title for c in EDUCATION_CARDS if c.title in treatment]
