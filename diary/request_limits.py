"""Bounds on request bodies, checked before anything parses them.

- A body over its limit is refused on its Content-Length, before a byte is read: a 200 MB
  upload used to be streamed to disk whole before the import said 400.
- A JSON body nested deeper than MAX_JSON_DEPTH, or holding an integer of more digits than
  Python converts (4,300), is refused with 400 before DRF or allauth headless (which parses
  JSON itself) sees it: ``json.loads`` would raise RecursionError or ValueError, a 500.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, JsonResponse

# Far deeper than any document the API takes (a diary day is 3 levels), far below the recursion
# limit.
MAX_JSON_DEPTH = 32
# Python's default limit on converting a digit string to int (sys.get_int_max_str_digits());
# no field of ours needs a number a hundredth as long.
MAX_JSON_DIGITS = 4300
# A diary file is at most 2 MB (diary.interop.importers.MAX_FILE_BYTES); the rest is room for
# the multipart envelope.
UPLOAD_PATHS = re.compile(r"^/api/v1/me/imports/$")
UPLOAD_MAX_BYTES = 2 * 1024 * 1024 + 64 * 1024

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (MAX_JSON_DIGITS + 1))


def json_body_problem(body: bytes) -> str | None:
    """Why a JSON body cannot be parsed safely, or None; malformed JSON is left to the parser."""
    outside_strings = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(outside_strings):
        return f"Numbers may have at most {MAX_JSON_DIGITS} digits."
    depth = 0
    for bracket in _NOT_BRACKET.sub(b"", outside_strings):
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            return f"JSON may be nested at most {MAX_JSON_DEPTH} levels deep."
    return None


def _refused(message: str, status: int) -> JsonResponse:
    # DRF's shape for a request it cannot parse: {"detail": "..."}.
    return JsonResponse({"detail": message}, status=status)


class RequestBodyLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refused("Content-Length must be a number of bytes.", 400)
        upload = bool(UPLOAD_PATHS.match(request.path))
        limit = UPLOAD_MAX_BYTES if upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _refused(f"The request body is larger than {limit // 1024} KB.", 413)
        content_type = request.META.get("CONTENT_TYPE", "")
        if length and content_type.split(";")[0].strip().lower().endswith(("/json", "+json")):
            problem = json_body_problem(request.body)
            if problem:
                return _refused(problem, 400)
        return self.get_response(request)
