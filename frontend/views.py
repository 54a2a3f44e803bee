"""The patient app: its HTML shell, web app manifest and service worker, all served at scope /."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

from diary import paradigms
from diary.advice import EDUCATION_CARDS
from diary.models import ClinicRole, DurationBand, MedicationClass, Relief, SideEffectKind

THEME_COLOUR = "#1d4e89"
BACKGROUND_COLOUR = "#f6f8fb"
# The browser bar's colour in each theme of the app (app.css draws the same colours).
THEME_COLOURS = {"light": THEME_COLOUR, "dark": "#10161f", "lowlight": "#000000"}
# The patient's manual theme, mirrored by theme.js into a cookie so the shell is drawn in it
# from the first paint (the modules that apply it run only after the page is parsed).
THEME_COOKIE = "diary_theme"

# Every file the app may need with no network. The ES modules import each other by these
# unhashed names, so they are served as is and the service worker's cache is versioned by a hash
# of their contents instead of by hashed file names.
SHELL_FILES = (
    "frontend/css/app.css",
    "frontend/js/main.js",
    "frontend/js/api.js",
    "frontend/js/store.js",
    "frontend/js/outbox.js",
    "frontend/js/dom.js",
    "frontend/js/dates.js",
    "frontend/js/labels.js",
    "frontend/js/auth.js",
    "frontend/js/today.js",
    "frontend/js/day-form.js",
    "frontend/js/calendar.js",
    "frontend/js/treatment.js",
    "frontend/js/trends.js",
    "frontend/js/settings.js",
    "frontend/js/welcome.js",
    "frontend/js/undo.js",
    "frontend/js/theme.js",
    "frontend/vendor/uplot.min.js",
    "frontend/vendor/uplot.min.css",
    "frontend/icons/icon-192.png",
    "frontend/icons/favicon-32.png",
)
ICONS = (
    {"src": "frontend/icons/icon-192.png", "sizes": "192x192", "purpose": "any"},
    {"src": "frontend/icons/icon-512.png", "sizes": "512x512", "purpose": "any"},
    {"src": "frontend/icons/maskable-512.png", "sizes": "512x512", "purpose": "maskable"},
)


def static_url(path: str) -> str:
    return f"{settings.STATIC_URL}{path}"


@lru_cache(maxsize=1)
def shell_version() -> str:
    """Changes whenever any shell file, the shell's HTML template or the app's config changes."""
    digest = hashlib.sha256()
    for path in (*SHELL_FILES, "frontend/templates/frontend/app.html"):
        found = finders.find(path) or str(settings.BASE_DIR / path)
        with open(found, "rb") as handle:
            digest.update(path.encode() + b"\0" + handle.read())
    digest.update(json.dumps(app_config(), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def app_config() -> dict:
    """Server facts the app shows, sent with the shell so it never keeps its own copy."""
    return {
        "preempt": {
            "total_units": int(paradigms.PREEMPT_TOTAL_UNITS),
            "points": paradigms.PREEMPT_POINTS,
            "interval_weeks": paradigms.STANDARD_INTERVAL_WEEKS,
        },
        "max_total_units": int(paradigms.MAX_UNITS_PER_SESSION),
        "theme_colours": THEME_COLOURS,
        # What to expect on each day of a cycle, in diary/advice.py's one wording (to: null runs
        # to the planned interval's end), and the cards for an overdue cycle instead.
        "education_cards": [
            {
                "from": c.first_day,
                "to": c.last_day,
                "overdue": c.overdue,
                "title": c.title,
                "text": c.text,
            }
            for c in EDUCATION_CARDS
        ],
        # The API's choices with the words patients read, as [value, label] pairs.
        "choices": {
            "duration_band": DurationBand.choices,
            "relief": Relief.choices,
            "medication_class": MedicationClass.choices,
            "side_effect": SideEffectKind.choices,
            "clinic_role": ClinicRole.choices,
        },
    }


@require_safe
@ensure_csrf_cookie
@cache_control(no_cache=True)
@vary_on_cookie
def app_shell(request: HttpRequest) -> HttpResponse:
    chosen = request.COOKIES.get(THEME_COOKIE)
    return render(
        request,
        "frontend/app.html",
        {
            "theme": chosen if chosen in THEME_COLOURS else None,
            "theme_colours": THEME_COLOURS,
            "version": shell_version(),
            "config": app_config(),
        },
    )


@require_safe
@cache_control(no_cache=True)
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "id": "/",
        "name": "Headache diary",
        "short_name": "Diary",
        "description": "Log headache days and follow your Botox treatment cycles.",
        "start_url": "/#/today",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "lang": "en",
        "categories": ["health", "medical"],
        "icons": [{**icon, "src": static_url(icon["src"]), "type": "image/png"} for icon in ICONS],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "frontend/sw.js",
        {
            "version": shell_version(),
            "precache": json.dumps(["/", *(static_url(path) for path in SHELL_FILES)]),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response
