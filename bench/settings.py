"""Production settings plus the bench-only URLconf that adds the bare baseline views."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
