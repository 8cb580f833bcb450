"""What a cheap scan of a raw message tells before it is parsed (its dedupe key, Message-ID,
Date and digests), and the work a parsing process does for the ingest pipeline. No database
here: this runs in the parsing process too."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

from django.utils import timezone

from kizuna.mail import rawheaders
from kizuna.mail.parsing import ParsedMail, normalize_message_id, parse_message

logger = logging.getLogger(__name__)

_KEY_MAX = 900


@dataclass(frozen=True)
class Envelope:
    """What a cheap scan of the headers tells before the message is parsed."""

    dedupe_key: str
    message_id: str
    sent_at: datetime | None
    sha256: str
    content_sha256: str


def content_digest(head: bytes, body: bytes) -> str:
    """The sha256 of what the author wrote: the body and every header but those the route
    adds (Received, Delivered-To, Return-Path, …). Two copies of one message that took other
    routes have the same digest; a message that differs in From, Subject, Date or any other
    header of its own has another. Line ends are left out, as a mail store may change them."""
    digest = hashlib.sha256()
    for line in rawheaders.authored_fields(head):
        digest.update(line + b"\n")
    digest.update(b"\n")
    digest.update(re.sub(rb"\r\n?", b"\n", body))
    return digest.hexdigest()


def _headers(head: bytes):
    """The header block, parsed leniently; None when it is too broken to read."""
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(rawheaders.lenient(head)[0])
    except Exception:
        logger.warning("unreadable header block", exc_info=True)
        return None


def sent_date(raw: bytes) -> datetime | None:
    """The message's Date, from its first Date field (to order files before reading them
    whole: a line scan, as this runs for every file before any work starts); never raises."""
    for name, value in rawheaders.fields(rawheaders.split(raw)[0]):
        if name == b"date":
            try:
                return _date(value.decode("ascii", "replace"))
            except Exception:  # a date no calendar holds (year 99999, an offset of days)
                return None
    return None


def scan_headers(raw: bytes) -> Envelope:
    """The dedupe key, Message-ID and Date from the header block alone, and digests of the
    whole message and of what its author wrote; never raises."""
    digest = hashlib.sha256(raw).hexdigest()
    head, body = rawheaders.split(raw)
    message_id = ""
    sent_at = None
    headers = _headers(head)
    try:
        if headers is not None:
            message_id = normalize_message_id(str(headers.get("Message-ID") or ""))
            sent_at = _date(str(headers.get("Date") or ""))
    except Exception:  # a header block too broken to scan is keyed by its content
        logger.warning("unreadable header block", exc_info=True)
    if message_id and len(message_id) <= _KEY_MAX:
        key = f"mid:{message_id}"
    elif message_id:
        key = "midsha:" + hashlib.sha256(message_id.encode()).hexdigest()
    else:
        key = f"sha256:{digest}"
    return Envelope(key, message_id[:998], sent_at, digest, content_digest(head, body))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=UTC)
    return when


def prepare(raw: bytes) -> tuple[Envelope, ParsedMail]:
    """Everything the pipeline reads from a message before it touches the database (done in
    a parsing process while the previous batch is written)."""
    return scan_headers(raw), parse_message(raw)
