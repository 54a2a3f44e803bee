"""Keep calendar feed tokens out of the logs.

A feed URL's token is the credential (calendar apps cannot sign in), so an access log or a
"Not Found" warning that holds the path would hand the feed to anyone who reads the logs.
Log lines show a short digest instead: the start of the SHA-256 the database stores, enough to
find the feed's row, useless to fetch it. Loaded by the logging configuration, before the apps:
no model imports here.
"""

from __future__ import annotations

import hashlib
import logging
import re

FEED_PATH = re.compile(r"(/calendar/)([^/\s\"'?#]+)(\.ics)")
DIGEST_SHOWN = 12


def redact_feed_tokens(text: str) -> str:
    return FEED_PATH.sub(
        lambda match: (
            f"{match[1]}sha256:"
            f"{hashlib.sha256(match[2].encode()).hexdigest()[:DIGEST_SHOWN]}{match[3]}"
        ),
        text,
    )


class FeedTokenRedactor(logging.Filter):
    """A handler filter: the formatted message, with every feed token replaced by its digest."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_feed_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        # Django's request loggers attach the request, which the JSON formatter would print
        # with its path.
        request = getattr(record, "request", None)
        if request is not None and FEED_PATH.search(getattr(request, "path", "")):
            record.request = None
        return True
