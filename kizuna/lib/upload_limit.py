"""Refuse an upload that is too large from its Content-Length, before reading the body.

A browser that runs Kizuna's script never sends such a request (it checks the chosen files
first, with the same words); this is the server's side of the same limit, so that a 2 GB
upload costs neither the time to receive it nor the disk to spool it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def too_large_message(size: int | str, limit: int) -> str:
    """The refusal of a request (all files together) over the limit; `size` may be a
    placeholder for the browser's script to fill in."""
    return _(
        "The message with its attachments is %(size)s MB; at most %(limit)s MB can be sent "
        "at once. Send fewer or smaller files."
    ) % {"size": size if isinstance(size, str) else megabytes(size), "limit": megabytes(limit)}


def file_too_large_message(name: str, size: int | str, limit: int) -> str:
    """The refusal of one file over the per-file limit; `size` may be a placeholder."""
    return _("“%(name)s” is %(size)s MB; attachments may be at most %(limit)s MB each.") % {
        "name": name,
        "size": size if isinstance(size, str) else f"{size / 1048576:.1f}",
        "limit": megabytes(limit),
    }


def megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}".removesuffix(".0")


def declared_length(request) -> int | None:
    """The Content-Length the client declared, or None when absent or unreadable."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = declared_length(request)
        limit = settings.KIZUNA_MAX_UPLOAD_BYTES
        if length is not None and length > limit:
            message = too_large_message(length, limit)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
