"""Bounded lists that keep api.md's shape: the body stays a plain JSON list.

api.md fixes several lists as plain lists and clients rely on that, so pages are not wrapped
in an envelope. ``limit`` and ``offset`` choose a page; a response that stops short of the end
carries ``Link: <...>; rel="next"`` (RFC 8288) and ``X-Total-Count``. A client that sends
neither parameter gets what it always got, bounded at DEFAULT_LIMIT items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.response import Response

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


class ListPageSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


LIST_PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}). The body "
        "stays a plain list; when more items follow, the response has a Link header with "
        'rel="next", and X-Total-Count is the number of items in all.',
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        description="Items to skip (default 0).",
    ),
]


def list_page(request, items: QuerySet | Sequence) -> tuple[list, int, int, int]:
    """The page of ``items`` the query asks for, with the total, limit and offset."""
    # A plain dict: from a QueryDict, DRF would read "?limit=" as "not given".
    query = ListPageSerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    limit, offset = query.validated_data["limit"], query.validated_data["offset"]
    total = items.count() if isinstance(items, QuerySet) else len(items)
    return list(items[offset : offset + limit]), total, limit, offset


def paged_response(request, data: list[Any], *, total: int, limit: int, offset: int) -> Response:
    response = Response(data)
    response["X-Total-Count"] = str(total)
    if offset + limit < total:
        params = {**request.query_params.dict(), "limit": limit, "offset": offset + limit}
        response["Link"] = f'<{settings.SITE_URL}{request.path}?{urlencode(params)}>; rel="next"'
    return response
