"""Attachment names and media types that are safe in a header.

A file's name and type end up in mail headers (Content-Type, Content-Disposition) and in the
headers of a download. A line break in either would end the header, so mail could not be
built and a download would fail. Files are cleaned where they come in (`clean_filename`,
`clean_content_type`), and the same functions are applied again wherever a stored name or
type goes into a header, so a row stored before this check existed still sends and downloads.
"""

from __future__ import annotations

import re

FALLBACK_NAME = "attachment"
FALLBACK_TYPE = "application/octet-stream"
MAX_NAME = 255
MAX_TYPE = 255

# RFC 6838 / RFC 9110: type "/" subtype, each a token; no parameters, no spaces.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
CONTENT_TYPE_PATTERN = rf"^{_TOKEN}/{_TOKEN}$"
_CONTENT_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}", re.ASCII)

# Characters never kept in a file name: controls (C0, DEL, C1), line and paragraph
# separators, lone surrogates. Path separators become "_": a name is never a path.
_NAME_DROP = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAME_SEPARATORS = re.compile(r"[/\\]")


def is_content_type(value: str) -> bool:
    """True for a syntactically valid `type/subtype` of at most MAX_TYPE characters."""
    return len(value) <= MAX_TYPE and _CONTENT_TYPE.fullmatch(value) is not None


def clean_content_type(value: str | None) -> str:
    """The media type in lower case, or application/octet-stream when it is not one, or
    names a multipart container (a file is never one: mail would need a boundary)."""
    value = (value or "").strip().lower()
    if not is_content_type(value) or value.startswith("multipart/"):
        return FALLBACK_TYPE
    return value


def clean_filename(value: str | None, *, fallback: str = FALLBACK_NAME) -> str:
    """The name without control characters or line breaks, path separators made "_",
    trimmed of spaces and cut to MAX_NAME characters (keeping its extension); `fallback`
    when nothing is left."""
    name = _NAME_SEPARATORS.sub("_", _NAME_DROP.sub("", value or "")).strip()
    if not name:
        return fallback
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME].rstrip()
    return name
