from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from frontend import views

pytestmark = pytest.mark.django_db


def test_the_shell_is_served_at_the_root_with_a_csrf_cookie(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"]
    assert 'rel="manifest" href="/manifest.webmanifest"' in response.content.decode()


def test_the_shell_has_no_inline_script_or_style(client):
    html = client.get("/").content.decode()

    assert "default-src 'none'" in client.get("/")["Content-Security-Policy"]
    # A JSON data block (the app's config) is never run, so the CSP needs no exception for it.
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", html)
    assert "<style" not in html
    assert "style=" not in html


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    manifest = json.loads(response.content)

    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["start_url"].startswith("/")
    assert manifest["scope"] == "/"
    assert manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_every_manifest_icon_is_a_png_of_its_stated_size(client):
    manifest = json.loads(client.get("/manifest.webmanifest").content)

    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with open(path, "rb") as handle:
            header = handle.read(24)
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(header[16:20], "big")
        height = int.from_bytes(header[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_is_served_for_the_whole_scope_and_never_cached(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]


def test_the_service_worker_precaches_the_versioned_shell(client):
    body = client.get("/sw.js").content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", body).group(1))

    assert f'const VERSION = "{views.shell_version()}"' in body
    assert precache[0] == "/"
    for url in precache[1:]:
        assert finders.find(url.removeprefix("/static/")), url


def test_every_module_the_shell_imports_is_precached():
    """A module missing from the precache list would break the app offline."""
    modules = set()
    for path in views.SHELL_FILES:
        if path.endswith(".js") and path.startswith("frontend/js/"):
            source = Path(finders.find(path)).read_text(encoding="utf-8")
            for name in re.findall(r"""(?:from|import\()\s*["']\./([\w.-]+\.js)["']""", source):
                modules.add(f"frontend/js/{name}")
    js_files = {path for path in views.SHELL_FILES if path.startswith("frontend/js/")}

    assert modules
    assert modules <= js_files


def test_the_app_urls_answer_only_reads(client):
    assert client.post("/").status_code == 405
    assert client.post("/sw.js").status_code == 405


def test_the_first_load_stays_under_its_compressed_budget():
    from bench.first_load import TARGET_KB, compressed_sizes, first_load_files

    files = first_load_files()
    total = sum(
        len(content) if url.endswith(".png") else compressed_sizes(content)["gzip"]
        for url, content in files
    )

    assert "/static/frontend/js/welcome.js" in {url for url, _ in files}
    assert total <= TARGET_KB * 1024


def test_the_shell_is_drawn_in_the_patients_chosen_theme_from_the_first_paint(client):
    client.cookies[views.THEME_COOKIE] = "lowlight"

    html = client.get("/").content.decode()

    assert '<html lang="en" data-theme="lowlight">' in html
    assert '<meta name="theme-color" content="#000000">' in html


def test_the_shell_follows_the_system_theme_without_a_choice(client):
    client.cookies[views.THEME_COOKIE] = "not-a-theme"

    html = client.get("/").content.decode()

    assert "data-theme" not in html
    assert 'media="(prefers-color-scheme: dark)"' in html
