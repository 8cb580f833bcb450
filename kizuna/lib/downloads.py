"""Serving stored attachments: always as a download, never rendered inline in our origin."""

from __future__ import annotations

from django.http import FileResponse


def attachment_response(attachment) -> FileResponse:
    # as_attachment + nosniff: a customer's HTML or SVG file can never run as our page.
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
