"""Parsing raw email into what the ticket system needs: ``parse_message(raw) -> ParsedMail``.

See docs/email.md ("Parsing"). ``parse_message`` never raises: whatever the bytes, it returns
what could be read and lists what was broken in ``defects``. Headers are decoded from their raw
bytes by our own RFC 2047 / RFC 2231 code rather than the standard library's header objects,
which give up or produce mojibake on the broken Japanese headers real clients send.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from kizuna.mail import loops, rawheaders
from kizuna.mail.charsets import decode_bytes, normalize_charset
from kizuna.mail.html import html_to_text, sanitize_html


@dataclass
class ParsedAttachment:
    name: str  # decoded file name, never empty
    content_type: str  # e.g. "text/plain"
    data: bytes
    inline: bool  # an inline part (e.g. an image referenced by cid:)
    content_id: str  # without <>, or ""


@dataclass
class ParsedMail:
    message_id: str = ""  # normalised "<local@domain>", "" when missing or unusable
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # oldest first
    subject: str = ""
    from_name: str = ""
    from_address: str = ""  # lower-cased addr-spec, "" when missing or unusable
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str = ""
    date: datetime | None = None  # aware (UTC when no offset)
    text: str = ""  # readable plain-text body
    html: str = ""  # sanitised HTML when the mail had HTML, else ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_reason: str = ""  # "" for a message a person wrote; else why it is automatic/noise
    is_bounce: bool = False  # a bounce or delivery/disposition report
    defects: list[str] = field(default_factory=list)  # what was broken and how it was repaired


class _RawHeaderPolicy(email_policy.EmailPolicy):
    """The modern policy, except that header values are handed out raw (unfolded strings).

    We decode every header ourselves (see ``decode_header_bytes``), and building the policy's
    header objects, Content-Type above all, took more than half the parsing time.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        if hasattr(value, "name"):
            return str(value)
        return value.replace("\r\n", "").replace("\n", "") if "\n" in value else value


# refold_source "none" keeps forwarded messages byte-faithful when they are written back out.
_POLICY = _RawHeaderPolicy(refold_source="none")
_COMPAT_POLICY = email_policy.compat32
_MAX_DEPTH = 20
_EAST_ASIAN = {"cp932", "euc-jp", "iso-2022-jp", "gb18030", "gbk", "big5", "big5hkscs", "cp949"}

# --- Message-IDs -----------------------------------------------------------------------------

_COMMENT_RE = re.compile(r"\([^()]*\)")
_ANGLE_RE = re.compile(r"<([^<>]*)>")
_WS_RE = re.compile(r"\s+")
# Control characters have no place in an id or a type, and NUL cannot be stored at all.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_CTYPE_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+\-]*/[a-z0-9][a-z0-9!#$&^_.+\-]*")


def _strip_comments(value: str) -> str:
    for _ in range(3):  # comments nest rarely, and never deeply in practice
        stripped = _COMMENT_RE.sub(" ", value)
        if stripped == value:
            break
        value = stripped
    return value


def _message_ids(value: str) -> list[str]:
    value = _strip_comments(value)
    ids = []
    for inner in _ANGLE_RE.findall(value):
        inner = _CONTROL_RE.sub("", _WS_RE.sub("", inner))
        if inner and len(inner) < 990:
            ids.append(f"<{inner}>")
    if not ids:
        # Some clients drop the angle brackets; take bare ids that look like addr-specs.
        ids = [
            f"<{token}>"
            for token in (_CONTROL_RE.sub("", t) for t in value.split())
            if "@" in token and len(token) < 990
        ]
    return ids


def normalize_message_id(value: str) -> str:
    """Return the Message-ID in ``value`` as "<local@domain>", or "" when there is none.

    Whitespace and comments are dropped; case is kept (the local part is case-sensitive), so
    ids compare as plain strings.
    """
    if not value:
        return ""
    ids = _message_ids(_to_text(value))
    return ids[0] if ids else ""


# --- header decoding -------------------------------------------------------------------------

_ENCODED_WORD_RE = re.compile(rb"=\?([^?\s]*)\?([bBqQ])\?(.*?)\?=", re.S)
_FOLD_RE = re.compile(rb"\r?\n(?=[ \t])")
_QP_HEADER_RE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _raw_bytes(value: str) -> bytes:
    """Header values from the parser hold 8-bit bytes as surrogates; get the bytes back."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace")


def _to_text(value: str) -> str:
    """A string with any surrogate-escaped bytes decoded, safe to store anywhere."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return decode_bytes(_raw_bytes(value))[0]


def _decode_word(encoding: bytes, text: bytes) -> bytes:
    if encoding in (b"b", b"B"):
        text = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
        if len(text) % 4 == 1:  # a dangling character holds no whole byte
            text = text[:-1]
        text += b"=" * (-len(text) % 4)
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return b""
    return _QP_HEADER_RE.sub(lambda m: bytes((int(m.group(1), 16),)), text.replace(b"_", b" "))


def decode_header_bytes(
    raw: bytes, defects: list[str] | None = None, name: str = "", hint: str | None = None
) -> str:
    """Decode a raw header value: RFC 2047 words (also broken ones), raw 8-bit and JIS text.

    Raw 8-bit text is read in `hint` (the charset the message's body declares, which is what
    the sender's client used) when it decodes in it, else in the charset detected.

    Adjacent encoded words in the same charset are joined as bytes before decoding, so a
    character split between two words (ISO-2022-JP and UTF-8 clients do this) survives.
    """
    raw = _FOLD_RE.sub(b"", raw)
    if b"=?" not in raw:
        if raw.isascii() and b"\x1b" not in raw:
            return raw.decode("ascii")
        text, note = decode_bytes(raw, hint) if hint else ("", "")
        if not text or note:
            text, note = decode_bytes(raw)
        elif defects is not None:
            note = f"read in the body's charset {hint}"
        if note and defects is not None:
            defects.append(f"{name}: raw 8-bit header, {note}")
        return text
    pieces: list[tuple[str | None, bytes]] = []  # (charset or None for plain text, bytes)
    pos = 0
    for match in _ENCODED_WORD_RE.finditer(raw):
        between = raw[pos : match.start()]
        charset = match.group(1).decode("ascii", "replace").split("*", 1)[0]  # RFC 2231 lang
        data = _decode_word(match.group(2), match.group(3))
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, between))
        if pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
        pos = match.end()
    if pos < len(raw):
        pieces.append((None, raw[pos:]))
    out = []
    for charset, data in pieces:
        text, note = decode_bytes(data, charset)
        if note and defects is not None:
            defects.append(f"{name}: {note}")
        out.append(text)
    return "".join(out)


def _collapse(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


# --- addresses -------------------------------------------------------------------------------

# Starts only where a run of address characters starts: otherwise a long run with no "@" is
# tried from each of its characters in turn, in time growing with the square of its length.
_ADDR_RE = re.compile(r"(?<![^\s<>\"'(),;:@])[^\s<>\"'(),;:@]+@[A-Za-z0-9.\-\[\]:]+")


def _clean_address(addr: str) -> str:
    """The address as a contact can be created with it (lower-cased, the trailing dot of a
    fully qualified domain dropped), or "" when it is not a usable address."""
    addr = addr.strip().strip("<>").strip().lower()
    if addr.startswith("mailto:"):
        addr = addr[7:]
    if "@" not in addr or any(ch.isspace() for ch in addr) or addr.count("@") != 1:
        return ""
    local, domain = addr.split("@")
    # "example.com." is the root-anchored form of "example.com": the same domain.
    domain = domain.strip(".")
    if not local or not domain:
        return ""
    addr = _to_text(f"{local}@{domain}")
    if len(addr) > 254:  # longer than any mailbox can be (RFC 5321's path limit)
        return ""
    try:
        validate_email(addr)
    except ValidationError:
        return ""
    return addr


def _addresses(
    values: list[str], defects: list[str], name: str, hint: str | None = None
) -> list[tuple[str, str]]:
    """(display name, address) pairs from raw header values; never raises."""
    result = []
    for value in values:
        unfolded = _WS_RE.sub(" ", value)
        try:
            pairs = getaddresses([unfolded])
        except Exception:  # noqa: BLE001 - the stdlib parser can fail on odd input
            pairs = []
        found = False
        for display, addr in pairs:
            clean = _clean_address(addr)
            if not clean:
                continue
            found = True
            display_text = _collapse(decode_header_bytes(_raw_bytes(display), defects, name, hint))
            result.append((display_text.strip("\"' "), clean))
        if not found:
            for match in _ADDR_RE.finditer(_to_text(unfolded)):
                clean = _clean_address(match.group(0))
                if clean:
                    defects.append(f"{name}: address recovered from a malformed header")
                    display = _to_text(unfolded)[: match.start()].strip().strip("<\"' ")
                    display = _collapse(
                        decode_header_bytes(_raw_bytes(display), defects, name, hint)
                    )
                    result.append((display, clean))
    return result


# --- MIME parameters (RFC 2231 and the broken forms) ------------------------------------------

_PARAM_RE = re.compile(r';\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)', re.S)
_RFC2231_RE = re.compile(r"^([^*]+)\*(?:(\d+)\*?|)$")


def _params(value: str) -> dict[str, str]:
    """Parameters of a raw Content-Type/Disposition value, RFC 2231 pieces joined and decoded."""
    params: dict[str, str] = {}
    pieces: dict[str, list[tuple[int, bool, str]]] = {}
    for key, val in _PARAM_RE.findall(_WS_RE.sub(" ", value)):
        key = key.lower()
        val = val.strip()
        if val.startswith('"'):
            val = re.sub(
                r"\\(.)", r"\1", val[1:-1] if val.endswith('"') and len(val) > 1 else val[1:]
            )
        match = _RFC2231_RE.match(key)
        if match:
            index = int(match.group(2)) if match.group(2) else 0
            pieces.setdefault(match.group(1), []).append((index, key.endswith("*"), val))
        else:
            params.setdefault(key, val)
    for key, parts in pieces.items():
        parts.sort()
        charset = ""
        data = b""
        for n, (_, encoded, val) in enumerate(parts):
            if encoded:
                if n == 0 and val.count("'") >= 2:
                    charset, _, val = val.split("'", 2)
                data += re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes((int(m.group(1), 16),)),
                               _raw_bytes(val))  # fmt: skip
            else:
                data += _raw_bytes(val)
        params[key] = decode_bytes(data, charset or None)[0]
        params.setdefault(f"{key}@rfc2231", "1")
    return params


def _raw_header(msg: Message, name: str) -> str:
    """The raw value of a header (8-bit bytes as surrogates), "" when absent; never raises."""
    lowered = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lowered:
            return value if isinstance(value, str) else str(value)
    return ""


def _raw_headers(msg: Message, name: str) -> list[str]:
    lowered = name.lower()
    return [
        value if isinstance(value, str) else str(value)
        for key, value in msg.raw_items()
        if key.lower() == lowered
    ]


def _content_type(msg: Message) -> tuple[str, dict[str, str]]:
    raw = _raw_header(msg, "content-type")
    try:
        ctype = msg.get_content_type()
    except Exception:  # noqa: BLE001
        ctype = "text/plain"
    if not _CTYPE_RE.fullmatch(ctype):  # damaged beyond use: a file of unknown type
        ctype = "application/octet-stream"
    return ctype, _params(raw) if raw else {}


def _filename(msg: Message, ctype_params: dict[str, str], defects: list[str]) -> str:
    disposition = _raw_header(msg, "content-disposition")
    dparams = _params(disposition) if disposition else {}
    name = dparams.get("filename") or ctype_params.get("name") or ""
    if not name:
        return ""
    if "=?" in name or not name.isascii():
        name = decode_header_bytes(_raw_bytes(name), defects, "file name")
    name = _to_text(name)
    # A path in the name is the sender's business, not ours: keep only the last component.
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip().strip(".")
    return name[:255]


def _disposition(msg: Message) -> str:
    raw = _raw_header(msg, "content-disposition")
    return raw.split(";", 1)[0].strip().lower() if raw else ""


# --- bodies ----------------------------------------------------------------------------------


def _payload_bytes(msg: Message, defects: list[str]) -> bytes:
    try:
        data = msg.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if data is None:
        payload = msg.get_payload()
        if isinstance(payload, str):
            data = _raw_bytes(payload)
            cte = _raw_header(msg, "content-transfer-encoding").strip().lower()
            if cte == "quoted-printable":
                data = quopri.decodestring(data)
        else:
            data = b""
        defects.append("undecodable transfer encoding, kept as is")
    return data


def _normalize_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines, keep quote depth and signatures."""
    out: list[str] = []
    buffer = ""
    depth_of_buffer = -1
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        if buffer and depth != depth_of_buffer:
            out.append(">" * depth_of_buffer + (" " if depth_of_buffer else "") + buffer)
            buffer = ""
        flowed = stripped.endswith(" ") and stripped != "-- "
        piece = stripped[:-1] if (flowed and delsp) else stripped
        buffer += piece
        depth_of_buffer = depth
        if not flowed:
            out.append(">" * depth + (" " if depth else "") + buffer)
            buffer = ""
    if buffer:
        out.append(">" * depth_of_buffer + (" " if depth_of_buffer > 0 else "") + buffer)
    return "\n".join(out)


def _text_of(msg: Message, params: dict[str, str], defects: list[str]) -> str:
    data = _payload_bytes(msg, defects)
    charset = params.get("charset")
    if not charset and msg.get_content_subtype() == "html":
        match = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", data[:4096], re.I)
        if match:
            charset = match.group(1).decode("ascii")
    text, note = decode_bytes(data, charset)
    if note:
        defects.append(f"body: {note}")
    text = _normalize_newlines(text)
    if params.get("format", "").lower() == "flowed":
        text = _unflow(text, params.get("delsp", "").lower() == "yes")
    return text


class _Body:
    """What a walk over MIME parts collects."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.forwarded: list[str] = []


def _guess_name(ctype: str, count: int, inline: bool) -> str:
    if ctype == "message/rfc822":
        return "forwarded.eml"
    ext = mimetypes.guess_extension(ctype, strict=False) or ".bin"
    if ext in (".jpe", ".jpeg"):
        ext = ".jpg"
    stem = "image" if ctype.startswith("image/") else "attachment"
    return f"{stem}-{count}{ext}"


def _add_attachment(body: _Body, msg: Message, ctype: str, params: dict[str, str],
                    data: bytes, defects: list[str], *, name: str = "") -> None:  # fmt: skip
    name = name or _filename(msg, params, defects)
    cid = _ANGLE_RE.sub(r"\1", _raw_header(msg, "content-id").strip()).strip()
    inline = _disposition(msg) == "inline" or (bool(cid) and _disposition(msg) != "attachment")
    name = _CONTROL_RE.sub("", _to_text(name))
    if not name:
        name = _guess_name(ctype, len(body.attachments) + 1, inline)
    body.attachments.append(
        ParsedAttachment(
            name=name,
            content_type=ctype,
            data=data,
            inline=inline,
            content_id=_CONTROL_RE.sub("", _to_text(cid)),
        )  # fmt: skip
    )


def _serialize(inner: Message, raw: bytes) -> bytes:
    """A part as bytes (a forwarded message, a report block). The generators refuse some
    damaged parts (an undecodable charset label, 8-bit bytes where they expect ASCII): then
    the headers and payloads as they were read."""
    linesep = "\r\n" if b"\r\n" in raw[:2000] else "\n"
    for policy in (_POLICY, _COMPAT_POLICY):
        try:
            return inner.as_bytes(policy=policy.clone(linesep=linesep))
        except Exception:  # noqa: BLE001 - next, a plainer way
            continue
    return _plain_bytes(inner, linesep.encode())


def _plain_bytes(part: Message, linesep: bytes, depth: int = 0) -> bytes:
    out = [_raw_bytes(f"{name}: {value}") + linesep for name, value in part.raw_items()]
    out.append(linesep)
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001 - it decodes 8-bit text in the part's own (bogus) charset
        payload = part._payload  # the text as read, which is all we want here
    if isinstance(payload, list) and depth < _MAX_DEPTH:
        boundary = _raw_bytes(part.get_param("boundary", "") or "") if part.is_multipart() else b""
        for sub in payload:
            if isinstance(sub, Message):
                out += [b"--" + boundary + linesep, _plain_bytes(sub, linesep, depth + 1)]
        out.append(b"--" + boundary + b"--" + linesep)
    elif isinstance(payload, str):
        out.append(_raw_bytes(payload))
    return b"".join(out)


def _forward_block(
    inner: Message, raw: bytes, defects: list[str], depth: int
) -> tuple[str, list[ParsedAttachment]]:
    """The forwarded message as a quoted block of text, and its own attachments."""
    sub = _Body()
    _walk(inner, sub, defects, depth + 1, raw)
    lines = ["---------- Forwarded message ----------"]
    for label, header in (("From", "from"), ("Date", "date"), ("Subject", "subject"),
                          ("To", "to")):  # fmt: skip
        value = _raw_header(inner, header)
        if value:
            lines.append(f"{label}: {_collapse(decode_header_bytes(_raw_bytes(value)))}")
    text = _choose_text(sub)[0]
    return "\n".join(lines) + "\n\n" + text, sub.attachments


def _walk(msg: Message, body: _Body, defects: list[str], depth: int, raw: bytes) -> None:
    ctype, params = _content_type(msg)
    if depth > _MAX_DEPTH:
        defects.append("MIME nesting too deep, kept as an attachment")
        _add_attachment(body, msg, ctype, params, _serialize(msg, raw), defects)
        return
    if msg.is_multipart():
        parts = msg.get_payload()
        if not isinstance(parts, list):
            parts = []
        if ctype == "message/rfc822":
            inner = parts[0] if parts else None
            if isinstance(inner, Message):
                _add_attachment(body, msg, ctype, params, _serialize(inner, raw), defects)
                block, files = _forward_block(inner, raw, defects, depth)
                body.forwarded.append(block)
                # Its files can be opened one by one too; forwarded.eml keeps the whole.
                body.attachments.extend(files)
            return
        if msg.get_content_maintype() == "message":
            # Reports (delivery-status, disposition-notification) parse as blocks of fields.
            data = b"".join(_serialize(block, raw) for block in parts if isinstance(block, Message))
            _add_attachment(body, msg, ctype, params, data, defects,
                            name=f"{msg.get_content_subtype()}.txt")  # fmt: skip
            return
        if ctype == "multipart/alternative":
            alternatives = []
            for part in parts:
                sub = _Body()
                _walk(part, sub, defects, depth + 1, raw)
                alternatives.append(sub)
                body.attachments.extend(sub.attachments)
                body.forwarded.extend(sub.forwarded)
            plain = [s for s in alternatives if "".join(s.plain).strip()]
            html = [s for s in alternatives if "".join(s.html).strip()]
            if plain:
                body.plain.extend(plain[-1].plain)
            if html:
                body.html.extend(html[-1].html)
            return
        if ctype == "multipart/report":
            for part in parts:
                part_type = part.get_content_type() if isinstance(part, Message) else ""
                if part_type == "message/rfc822" or part_type == "text/rfc822-headers":
                    data = _serialize(part.get_payload(0), raw) if part.is_multipart() else (
                        _payload_bytes(part, defects))  # fmt: skip
                    name = "original-message.eml" if part_type == "message/rfc822" else (
                        "original-headers.txt")  # fmt: skip
                    _add_attachment(body, part, part_type, {}, data, defects, name=name)
                elif isinstance(part, Message):
                    _walk(part, body, defects, depth + 1, raw)
            return
        for part in parts:
            if isinstance(part, Message):
                _walk(part, body, defects, depth + 1, raw)
        return
    disposition = _disposition(msg)
    filename = _filename(msg, params, defects)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = _text_of(msg, params, defects)
        (body.plain if ctype == "text/plain" else body.html).append(text)
        return
    if ctype.startswith("multipart/"):
        defects.append(f"{ctype} without parts (missing boundary), kept as text")
        text = _text_of(msg, params, defects)
        if text.strip():
            body.plain.append(text)
        return
    if ctype.startswith("message/") and ctype != "message/rfc822" and not filename:
        _add_attachment(body, msg, ctype, params, _payload_bytes(msg, defects), defects,
                        name=f"{msg.get_content_subtype()}.txt")  # fmt: skip
        return
    _add_attachment(body, msg, ctype, params, _payload_bytes(msg, defects), defects, name=filename)


def _choose_text(body: _Body) -> tuple[str, str]:
    """(plain text, sanitised html) for a walked message."""
    plain = "\n".join(p.rstrip("\n") for p in body.plain if p.strip())
    html = "\n".join(h for h in body.html if h.strip())
    text = plain if plain.strip() else (html_to_text(html) if html else "")
    if body.forwarded:
        text = "\n\n".join([t for t in [text.rstrip("\n")] if t.strip()] + body.forwarded)
    return text, sanitize_html(html) if html else ""


# --- the entry point -------------------------------------------------------------------------


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(_collapse(_strip_comments(value)))
    except Exception:  # noqa: BLE001
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _clean_text(value: str) -> str:
    value = _to_text(value)
    return value.replace("\x00", "") if "\x00" in value else value


def parse_message(raw: bytes) -> ParsedMail:
    """Parse raw email bytes into a ``ParsedMail``. Never raises, whatever the input."""
    try:
        raw = bytes(raw) if not isinstance(raw, bytes) else raw
    except Exception:  # noqa: BLE001
        raw = str(raw).encode("utf-8", "replace")
    failure = None
    for policy in (_POLICY, _COMPAT_POLICY):
        try:
            result = _parse(raw, policy)
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - contract: never raise
            failure = exc
            continue
        if failure is not None:
            result.defects.insert(0, f"modern parser failed ({type(failure).__name__}), "
                                     "parsed with the compat32 policy")  # fmt: skip
        return result
    return ParsedMail(defects=[f"unparseable: {type(failure).__name__}: {failure}"[:500]])


def _body_charset(msg: Message) -> str | None:
    """The charset the first text part declares, when it is a multibyte East Asian one: the
    best guess for raw 8-bit headers, which clients write in the same charset as the body.
    (A single-byte label such as iso-8859-1 says little: any bytes decode in it.)"""
    for part in msg.walk() if msg.is_multipart() else [msg]:
        raw = _raw_header(part, "content-type")
        charset = normalize_charset(_params(raw).get("charset")) if raw else ""
        if charset:
            return charset if charset in _EAST_ASIAN else None
    return None


def _sender(
    msg: Message, reply_to: list[tuple[str, str]], defects: list[str], hint: str | None
) -> tuple[str, str]:
    """(name, address) of who wrote the message: From, else Sender, else Reply-To (a missing
    From, or one with no usable address such as `"me" <>`, still leaves a way to answer)."""
    for name in ("From", "Sender"):
        found = _addresses(_raw_headers(msg, name.lower()), defects, name, hint)
        if found:
            if name != "From":
                defects.append(f"no usable From address, {name} used")
            return found[0]
    if reply_to:
        defects.append("no usable From address, Reply-To used")
        return reply_to[0]
    return "", ""


def _parse(raw: bytes, policy: email_policy.Policy) -> ParsedMail:
    defects: list[str] = []
    stripped = raw.lstrip(b"\r\n\t ")
    if len(stripped) != len(raw) and stripped:
        defects.append("blank lines before the headers removed")
        raw = stripped
    raw, repairs = rawheaders.lenient(raw)
    defects.extend(repairs)
    msg: Message = BytesParser(policy=policy).parsebytes(raw)

    result = ParsedMail(defects=defects)
    result.message_id = normalize_message_id(_raw_header(msg, "message-id"))
    for value in _raw_headers(msg, "in-reply-to"):
        result.in_reply_to.extend(_message_ids(_to_text(value)))
    for value in _raw_headers(msg, "references"):
        result.references.extend(_message_ids(_to_text(value)))

    subject = _raw_header(msg, "subject")
    hint = _body_charset(msg)
    result.subject = _clean_text(
        _collapse(decode_header_bytes(_raw_bytes(subject), defects, "Subject", hint))
    )

    reply_to = _addresses(_raw_headers(msg, "reply-to"), defects, "Reply-To", hint)
    result.reply_to = reply_to[0][1] if reply_to else ""
    result.from_name, result.from_address = _sender(msg, reply_to, defects, hint)
    result.from_name = _clean_text(result.from_name)
    result.to = [addr for _, addr in _addresses(_raw_headers(msg, "to"), defects, "To")]
    result.cc = [addr for _, addr in _addresses(_raw_headers(msg, "cc"), defects, "Cc")]
    result.date = _parse_date(_to_text(_raw_header(msg, "date")))

    body = _Body()
    _walk(msg, body, defects, 0, raw)
    text, html = _choose_text(body)
    for attachment in body.attachments:
        if attachment.content_id and not attachment.inline:
            # Referenced from the HTML by cid: it is part of the page, whatever the disposition.
            attachment.inline = f"cid:{attachment.content_id}" in html
    result.text = _clean_text(text)
    result.html = _clean_text(html)
    result.attachments = body.attachments

    result.auto_reason, result.is_bounce = loops.classify(
        msg, subject=result.subject, from_address=result.from_address, text=result.text
    )
    # The reason may quote a header's value (Auto-Submitted), damaged bytes and all.
    result.auto_reason = _CONTROL_RE.sub("", _to_text(result.auto_reason))
    for part in msg.walk() if msg.is_multipart() else [msg]:
        for defect in getattr(part, "defects", []):
            defects.append(type(defect).__name__)
    if len(defects) > 50:
        result.defects = defects[:50] + [f"... and {len(defects) - 50} more"]
    return result
