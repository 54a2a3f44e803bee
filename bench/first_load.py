"""Size of the patient app's first load, compressed as the server would send it.

Counts every file a first visit fetches: the HTML shell, the manifest, the service worker and
everything it precaches (the JavaScript modules, CSS, the chart library and the icons). Run from
the repository root: python bench/first_load.py
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_KB = 80


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789abcdef0123456789")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,testserver")
    import django

    django.setup()


def first_load_files() -> list[tuple[str, bytes]]:
    import json
    import re

    from django.contrib.staticfiles import finders
    from django.test import Client

    client = Client()
    files = [(url, client.get(url).content) for url in ("/", "/manifest.webmanifest", "/sw.js")]
    worker = files[-1][1].decode()
    listed = re.search(r"const PRECACHE = (\[.*?\]);", worker)
    if listed is None:
        raise SystemExit("sw.js has no `const PRECACHE = [...];` list to measure.")
    precache = json.loads(listed.group(1))
    manifest = json.loads(files[1][1])
    icons = [icon["src"] for icon in manifest["icons"] if icon["sizes"] == "192x192"]
    for url in dict.fromkeys([*precache, *icons]):
        if url == "/":
            continue
        path = finders.find(url.removeprefix("/static/"))
        if path is None:
            # The service worker would fail to install on this URL too.
            raise SystemExit(f"sw.js precaches {url}, but no static file has that name.")
        files.append((url, Path(path).read_bytes()))
    return files


def compressed_sizes(content: bytes) -> dict[str, int]:
    sizes = {"raw": len(content), "gzip": len(gzip.compress(content, compresslevel=9))}
    try:
        import brotli
    except ImportError:
        return sizes
    sizes["brotli"] = len(brotli.compress(content, quality=11))
    return sizes


def main() -> None:
    setup_django()
    files = first_load_files()
    totals: dict[str, int] = {}
    print(f"{'file':<48} {'raw':>8} {'gzip':>8} {'brotli':>8}")
    for url, content in files:
        sizes = compressed_sizes(content)
        # PNGs are already compressed; servers send them as they are.
        if url.endswith(".png"):
            sizes = dict.fromkeys(sizes, len(content))
        for kind, size in sizes.items():
            totals[kind] = totals.get(kind, 0) + size
        print(f"{url:<48} {sizes['raw']:>8} {sizes['gzip']:>8} {sizes.get('brotli', '-'):>8}")
    print(
        f"total: {len(files)} files, {totals['raw'] / 1024:.1f} KB raw, "
        f"{totals['gzip'] / 1024:.1f} KB gzip"
        + (f", {totals['brotli'] / 1024:.1f} KB brotli" if "brotli" in totals else "")
    )
    # gzip is what every server and browser pair can use, so the target is judged on it.
    print(f"ratio first_load_kb {totals['gzip'] / 1024:.1f} target <={TARGET_KB}")
    if totals["gzip"] > TARGET_KB * 1024:
        sys.exit(1)


if __name__ == "__main__":
    main()
