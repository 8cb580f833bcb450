"""Serving stored attachments: always as a download, never rendered inline in our origin."""

from __future__ import annotations

from django.http import FileResponse

from kizuna.lib.files import clean_content_type, clean_filename


def attachment_response(attachment) -> FileResponse:
    # as_attachment + nosniff: a customer's HTML or SVG file can never run as our page.
    # Name and type are cleaned again: a row stored before names and types were checked on
    # the way in may hold a line break, which no header can carry.
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=clean_filename(attachment.filename),
        content_type=clean_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
