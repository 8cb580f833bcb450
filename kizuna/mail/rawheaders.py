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


# --- reading broken header blocks as mail clients do -------------------------------------------

# Names that show a header block going on: after a stray line, one of these means the stray
# line was inside the headers, not the start of the body. Any X- header counts too.
_KNOWN_NAMES = frozenset(
    {
        b"from", b"to", b"cc", b"bcc", b"subject", b"date", b"message-id", b"sender",
        b"reply-to", b"in-reply-to", b"references", b"mime-version", b"received",
        b"return-path", b"delivered-to", b"importance", b"priority", b"user-agent",
        b"organization", b"thread-topic", b"thread-index", b"precedence", b"auto-submitted",
        b"dkim-signature", b"authentication-results", b"errors-to", b"comments", b"keywords",
        b"disposition-notification-to", b"envelope-to", b"status",
    }
)  # fmt: skip
_KNOWN_PREFIXES = (b"x-", b"content-", b"list-", b"resent-", b"arc-")
_LINE_WITH_END = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _is_known_field(line: bytes) -> bool:
    match = _FIELD.match(line)
    if not match:
        return False
    name = match.group(1).lower()
    return name in _KNOWN_NAMES or name.startswith(_KNOWN_PREFIXES)


def lenient(raw: bytes) -> tuple[bytes, list[str]]:
    """A copy of `raw` whose header block a strict parser reads as a mail client would, and
    what was repaired; `raw` itself when nothing needed it.

    - "Subject : …" (space before the colon, an old form) becomes "Subject: …";
    - a line that is no header, followed by more headers, is an unindented continuation of
      the header before it, or (before the first header) stray text that is skipped;
    - an encoded word on a line of its own right before the body continues the header
      before it.

    Without this, the standard parser ends the headers at the first such line, and Subject,
    From and everything after it become body text.
    """
    end = _BLANK_LINE.search(raw, 0, _SCAN_LIMIT)
    head_end = end.start() if end else min(len(raw), _SCAN_LIMIT)
    lines = _LINE_WITH_END.findall(raw, 0, head_end)
    if all(_STRICT_FIELD.match(ln) or ln[:1] in (b" ", b"\t") for ln in lines[1:]) and (
        not lines
        or _STRICT_FIELD.match(lines[0])
        or (lines[0].startswith(b"From ") and not _FIELD.match(lines[0]))
    ):
        return raw, []
    notes: list[str] = []
    out: list[bytes] = []
    seen_field = False
    last_known = max((i for i, ln in enumerate(lines) if _is_known_field(ln)), default=-1)
    for index, line in enumerate(lines):
        if line[:1] in (b" ", b"\t") or _STRICT_FIELD.match(line):
            seen_field = seen_field or line[:1] not in (b" ", b"\t")
            out.append(line)
            continue
        match = _FIELD.match(line)
        if match:
            out.append(match.group(1) + b":" + line[match.end() :])
            notes.append("space before a header's colon removed")
            seen_field = True
            continue
        if index == 0 and line.startswith(b"From "):
            out.append(line)  # an mbox envelope line, which the parser knows
            continue
        if index > last_known and not (seen_field and line.lstrip().startswith(b"=?")):
            out.extend(lines[index:])  # the body starts here, without a blank line
            break
        if seen_field:
            out.append(b" " + line)
            notes.append("unindented header continuation line")
        else:
            notes.append("text before the headers skipped")
    if not notes:
        return raw, []
    return b"".join(out) + raw[head_end:], notes
