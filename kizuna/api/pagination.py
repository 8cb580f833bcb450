"""Limit/offset pages with a total and links to the neighbouring pages.

Two queries per page (the count and the rows), whatever the page size or table size.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _link(request, offset: int, limit: int) -> str:
    query = request.GET.copy()
    query["offset"] = str(offset)
    query["limit"] = str(limit)
    return f"{request.path}?{query.urlencode()}"


def paginate(request, qs: QuerySet, *, limit: int, offset: int, serialize: Callable) -> dict:
    count = qs.count()
    rows = list(qs[offset : offset + limit]) if offset < count else []
    return {
        "count": count,
        "next": _link(request, offset + limit, limit) if offset + limit < count else None,
        "previous": _link(request, max(0, offset - limit), limit) if offset > 0 else None,
        "results": [serialize(row) for row in rows],
    }
