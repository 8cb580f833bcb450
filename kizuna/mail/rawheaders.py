"""The header block of a raw message, read line by line before any parser sees it.

Used for the dedupe digest (which headers are the author's and which the route's) and for
the lenient reading of broken header blocks (see docs/email.md, "Parsing"). Works on bytes
and never raises; the stored raw message is never changed.
"""

from __future__ import annotations

import re

# The blank line that ends the header block, whatever the line ends (CRLF, LF, old Mac CR).
_BLANK_LINE = re.compile(rb"\r?\n\r?\n|\r\r(?!\n)")
_LINE_END = re.compile(rb"\r\n|\r|\n")
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")
_STRICT_FIELD = re.compile(rb"^[!-9;-~]+:")
_SCAN_LIMIT = 1 << 20

# Headers that the way a message travelled adds or changes: a copy that differs from another
# only in these came by another route (or was stored by another program), so it is the same
# message. Everything else is the author's; a difference there is another message.
_ROUTE_HEADERS = frozenset(
    {
        "received", "x-received", "delivered-to", "x-delivered-to", "return-path",
        "x-original-to", "envelope-to", "x-envelope-to", "x-envelope-from", "x-rcpt-to",
        "x-forwarded-to", "x-forwarded-for", "x-original-recipient", "received-spf",
        "authentication-results", "dkim-signature", "domainkey-signature",
        "x-originating-ip", "x-apparently-to", "x-uid", "x-uidl", "status", "x-status",
        "x-keywords", "content-length", "lines", "x-imapbase", "x-imap", "x-sieve",
        "x-spam", "x-spam-flag", "x-spam-level", "x-spam-score", "x-spam-status",
        "x-spam-checker-version", "x-spam-report", "x-ham-report", "x-virus-scanned",
        "x-virus-status", "x-quarantine-id", "x-scanned-by", "x-mailscanner",
        "x-policyd-weight",
    }
)  # fmt: skip
_ROUTE_PREFIXES = (
    b"arc-", b"x-ms-exchange-", b"x-microsoft-", b"x-forefront-", b"x-google-", b"x-gm-",
    b"x-mozilla-", b"x-amavis", b"x-spam-", b"x-virus-", b"x-ironport-", b"x-proofpoint-",
    b"x-mimecast-", b"x-barracuda-", b"x-cloudmark", b"x-ses-", b"x-rspamd-", b"resent-",
    b"x-original-authentication", b"x-yahoo-", b"x-ymail-", b"x-apple-",
)  # fmt: skip


def split(raw: bytes) -> tuple[bytes, bytes]:
    """(header block, body): the body starts after the first blank line; without one, the
    whole message (up to 1 MB) counts as headers and the body is empty."""
    end = _BLANK_LINE.search(raw, 0, _SCAN_LIMIT)
    if end is None:
        return raw[:_SCAN_LIMIT], raw[_SCAN_LIMIT:]
    return raw[: end.start()], raw[end.end() :]


def fields(head: bytes, *, keep_other_lines: bool = False) -> list[tuple[bytes, bytes]]:
    """(lower-cased name, unfolded value) for each header line. A line that is neither a
    field nor a continuation (text among the headers) is skipped, or kept as (b"", line)
    with `keep_other_lines`; an mbox "From " line, which the mail store adds, is always
    skipped."""
    found: list[tuple[bytes, bytes]] = []
    for line in _LINE_END.split(head):
        if line[:1] in (b" ", b"\t"):
            if found:
                found[-1] = (found[-1][0], found[-1][1] + b" " + line.strip())
            continue
        match = _FIELD.match(line)
        if match:
            found.append((match.group(1).lower(), line[match.end() :].strip()))
        elif keep_other_lines and line and not line.startswith((b"From ", b">From ")):
            found.append((b"", line.strip()))
    return found


def is_route_header(name: bytes) -> bool:
    return name.decode("ascii", "replace") in _ROUTE_HEADERS or name.startswith(_ROUTE_PREFIXES)


def authored_fields(head: bytes) -> list[bytes]:
    """The author's headers as canonical lines (name lower-cased, whitespace collapsed, in a
    fixed order): equal for two copies of one message whatever route each took."""
    return sorted(
        name + b":" + b" ".join(value.split())
        for name, value in fields(head, keep_other_lines=True)
        if not is_route_header(name)
    )
