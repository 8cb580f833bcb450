"""Outbound mail for customer-visible messages: acknowledgements, replies, status notes and
reopen notices (see docs/email.md, "Outbound").

Every message leaves through the background queue (`kizuna.mail.tasks.message_deliver`),
queued in the transaction that stores the message (the `message_for_customer` signal of the
ticket domain). It is claimed with a conditional update so that two workers never send it
twice; it gets its own Message-ID before it is sent (so a reply threads even if the worker
dies right after sending), threading headers that point at the earlier mail of the ticket,
and the reference tag in the subject. Automatic mail is marked `Auto-Submitted` and sent at most once per
address per window, so two auto-responders cannot keep each other busy.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import secrets
import smtplib
import unicodedata
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from kizuna.background.services import tasks_pending
from kizuna.lib.files import clean_content_type, clean_filename
from kizuna.mail.models import Mailbox
from kizuna.tickets import wording
from kizuna.tickets.models import (
    AutoReplyLog,
    Channel,
    EventKind,
    MailCharset,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

# References keeps the thread's first id and the latest ones: enough for every client to
# thread, without a header that grows with every message of a long ticket.
MAX_REFERENCES = 20

# The longest line mail may carry, not counting its CRLF (RFC 5322).
MAX_LINE_BYTES = 998

# Minutes to wait before each retry of a failed delivery; the last value repeats.
RETRY_MINUTES = (1, 5, 15, 60, 120, 240, 480, 720)

SENT, SUPPRESSED, SKIPPED = "sent", "suppressed", "skipped"

# Far longer than one SMTP conversation (EMAIL_TIMEOUT is 30 s): a claim this old means the
# worker that took it is gone.
CLAIM_TIMEOUT = timedelta(minutes=10)

# Unclaimed mail older than this is not recovered by the sweep (see messages_to_recover).
RECOVER_WITHIN = timedelta(days=2)

# The delivery task as the queue names it (tasks.py imports this module, not the reverse).
DELIVER_TASK_PATH = "kizuna.mail.tasks.message_deliver"


def subject_for(ticket: Ticket) -> str:
    """The ticket's subject with its reference tag in front, once: `[KZ-000123] subject`.

    Every mail of a ticket carries the same subject, so the customer's client groups them
    and a reply can be threaded by the tag alone."""
    tag = f"[{ticket.reference}]"
    if re.search(rf"\[{re.escape(ticket.reference)}\]", ticket.subject, re.IGNORECASE):
        return ticket.subject
    return f"{tag} {ticket.subject}"


def reply_to_for(ticket: Ticket) -> str:
    """Where the customer's reply should go: the mailbox of the ticket's team when there is
    one with an address, else KIZUNA_REPLY_TO, else the From address."""
    if ticket.team_id:
        address = (
            Mailbox.objects.filter(team_id=ticket.team_id, active=True)
            .exclude(address="")
            .order_by("id")
            .values_list("address", flat=True)
            .first()
        )
        if address:
            return address
    return settings.KIZUNA_REPLY_TO or settings.DEFAULT_FROM_EMAIL


def thread_ids(message: Message) -> list[str]:
    """The Message-IDs of the ticket's earlier mail, oldest first: the customer's messages
    and ours that were mailed (or are being mailed), never internal notes."""
    earlier = (
        Message.objects.filter(ticket_id=message.ticket_id)
        .filter(
            Q(created_at__lt=message.created_at)
            | Q(created_at=message.created_at, id__lt=message.id)
        )
        .exclude(email_message_id="")
        .exclude(kind=MessageKind.NOTE)
        .exclude(kind=MessageKind.OUTBOUND, mail_suppressed__gt="")
        .order_by("created_at", "id")
        .values_list("email_message_id", flat=True)
    )
    ids: list[str] = []
    for value in earlier:
        if value not in ids:
            ids.append(value)
    return ids


def _references(ids: list[str]) -> list[str]:
    if len(ids) <= MAX_REFERENCES:
        return ids
    return [ids[0], *ids[-(MAX_REFERENCES - 1) :]]


# --- ISO-2022-JP (CP50221) ----------------------------------------------------------------

_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_ESC_JIS, _ESC_ASCII = b"\x1b$B", b"\x1b(B"


def _nec_selected_ibm() -> dict[str, bytes]:
    # The IBM extensions (Shift_JIS 0xFA40-0xFC4B) have twins in the NEC-selected rows 89-92,
    # which CP50221 can carry in ISO-2022-JP; the IBM codes themselves cannot be.
    table = {}
    for lead in (0xED, 0xEE):
        for trail in range(0x40, 0xFD):
            try:
                table.setdefault(bytes((lead, trail)).decode("cp932"), bytes((lead, trail)))
            except UnicodeDecodeError:
                pass
    return table


_NEC_IBM: dict[str, bytes] | None = None


def _sjis_to_jis(lead: int, trail: int) -> bytes:
    row = (lead - (0xC1 if lead >= 0xE0 else 0x81)) * 2 + (1 if trail < 0x9F else 2)
    col = trail - 0x9E if trail >= 0x9F else trail - 0x3F - (1 if trail >= 0x80 else 0)
    return bytes((row + 0x20, col + 0x20))


def _jis_pair(ch: str) -> bytes | None:
    """The two JIS bytes of one character, or None when ISO-2022-JP cannot carry it."""
    global _NEC_IBM
    try:
        encoded = ch.encode("iso2022_jp")
    except UnicodeEncodeError:
        encoded = b""
    if encoded.startswith(_ESC_JIS) and len(encoded) == 8:
        return encoded[3:5]
    # Vendor characters (①, ㈱, Ⅲ, 髙, ～): Shift_JIS code points mapped as CP50221 does.
    try:
        sjis = ch.encode("cp932")
    except UnicodeEncodeError:
        return None
    if len(sjis) != 2:
        return None
    if sjis[0] >= 0xF0:
        if _NEC_IBM is None:
            _NEC_IBM = _nec_selected_ibm()
        sjis = _NEC_IBM.get(ch, b"")
        if not sjis:
            return None
    return _sjis_to_jis(sjis[0], sjis[1])


def encode_iso2022jp(text: str) -> bytes | None:
    """`text` in ISO-2022-JP as Japanese mail clients read it (CP50221: NEC and IBM vendor
    characters such as ①, ㈱ and 髙 included), or None when a character (an emoji, a kanji
    outside JIS) cannot be carried at all.

    Half-width katakana become full-width, as legacy clients expect; every line returns to
    ASCII before its end (RFC 1468)."""
    text = _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    out = bytearray()
    jis = False
    for ch in text:
        if ord(ch) < 0x80:
            if jis:
                out += _ESC_ASCII
                jis = False
            out.append(ord(ch))
            continue
        pair = _jis_pair(ch)
        if pair is None:
            return None
        if not jis:
            out += _ESC_JIS
            jis = True
        out += pair
    if jis:
        out += _ESC_ASCII
    return bytes(out)


def _encode_lines(text: str) -> bytes | None:
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        encoded = encode_iso2022jp(line)
        if encoded is None:
            return None
        lines.append(encoded)
    return b"\n".join(lines)


def encoded_words(text: str, charset: str = "utf-8") -> str | None:
    """`text` for a mail header: RFC 2047 encoded words (B encoding) in `charset` (`utf-8` or
    `iso-2022-jp`), each complete in itself and short enough that a header line never has
    to be folded before its first word; a leading ASCII part (the reference tag) stays
    readable as it is. None when a character cannot be carried in ISO-2022-JP."""
    if text.isascii():
        return text
    prefix = re.match(r"[\x20-\x7e]*\s", text)
    plain = prefix.group() if prefix else ""
    jis = charset == MailCharset.ISO2022JP

    def encode(chunk: str) -> bytes | None:
        return encode_iso2022jp(chunk) if jis else chunk.encode("utf-8")

    label = "ISO-2022-JP" if jis else "UTF-8"
    room = 66 - len(label) - 7  # "=?" label "?B?" … "?=" in at most 66 characters
    chunks: list[str] = []
    chunk = ""
    for ch in text[len(plain) :]:
        encoded = encode(chunk + ch)
        if encoded is None:
            return None
        if chunk and len(base64.b64encode(encoded)) > room:
            chunks.append(chunk)
            chunk = ch
        else:
            chunk += ch
    chunks.append(chunk)
    words = [f"=?{label}?B?{base64.b64encode(encode(c)).decode('ascii')}?=" for c in chunks]
    return plain + " ".join(words)


def address_header(name: str, address: str, charset: str = "utf-8") -> str | None:
    """`Name <address>` with the name encoded as `encoded_words` does."""
    if not name:
        return address
    if name.isascii():
        return formataddr((name, address))
    encoded = encoded_words(name, charset)
    return None if encoded is None else f"{encoded} <{address}>"


class OutboundEmail(EmailMultiAlternatives):
    """A Django EmailMessage with its Subject and display names encoded here (short encoded
    words that every client reads alike), and optionally its text in ISO-2022-JP (7bit).
    Attachments stay as Django builds them; an HTML alternative, when there is one, is the
    same text (see `text_as_html`)."""

    def __init__(self, *args, encoded_headers: dict[str, str], jis_body: bytes | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.encoded_headers = encoded_headers
        self.jis_body = jis_body

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        if self.jis_body is not None:
            part = msg.get_payload(0) if msg.is_multipart() else msg
            part.set_charset(None)
            for name in ("Content-Type", "Content-Transfer-Encoding"):
                del part[name]
            part["Content-Type"] = 'text/plain; charset="ISO-2022-JP"'
            if max(map(len, self.jis_body.split(b"\n"))) <= MAX_LINE_BYTES:
                part["Content-Transfer-Encoding"] = "7bit"
                part.set_payload(self.jis_body.decode("ascii"))
            else:
                # SMTP allows 998 bytes a line; a long paragraph of Japanese in JIS exceeds it.
                # Base64 carries it unchanged, without inserting line breaks into the text.
                part["Content-Transfer-Encoding"] = "base64"
                crlf = self.jis_body.replace(b"\n", b"\r\n")
                part.set_payload(base64.encodebytes(crlf).decode("ascii"))
        for name, value in self.encoded_headers.items():
            if name in msg:
                msg.replace_header(name, value)
            else:
                msg[name] = value
        return msg


# --- Building and sending -----------------------------------------------------------------


def mail_text(message: Message) -> str:
    """The text mailed for `message`: its body, the agent's signature, then where the request
    stands now (not when the message was written: a mail that leaves after a retry still
    tells the truth) and its address in the portal."""
    parts = [message.body.rstrip()]
    signature = agent_signature(message)
    if signature:
        parts.append(signature)
    parts.append(wording.status_block(message.ticket))
    return "\n\n".join(parts) + "\n"


def agent_signature(message: Message) -> str:
    """The writing agent's own signature in the customer's language; none on automatic mail."""
    if message.automatic or message.author_user_id is None:
        return ""
    profile = getattr(message.author_user, "agent_profile", None)
    return profile.signature_for(message.ticket.language) if profile else ""


def build_email(message: Message) -> OutboundEmail:
    """The mail for one outbound message, with its threading and loop-protection headers.

    `message.email_message_id` must already be set (see `message_send`)."""
    ticket = message.ticket
    contact = ticket.requester
    ids = thread_ids(message)
    from_name = settings.KIZUNA_FROM_NAME
    from_address = settings.DEFAULT_FROM_EMAIL
    headers = {
        "Message-ID": message.email_message_id,
        "From": formataddr((from_name, from_address)) if from_name else from_address,
        "To": formataddr((contact.name, contact.email)),
    }
    if ids:
        headers["In-Reply-To"] = ids[-1]
        headers["References"] = " ".join(_references(ids))
    if message.automatic:
        # RFC 3834: other systems must not answer it; Exchange honours its own header.
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    subject = subject_for(ticket)
    body = mail_text(message)
    jis_body = None
    charset = "utf-8"
    if contact.mail_charset == MailCharset.ISO2022JP:
        jis_body = _encode_lines(body)
        charset = MailCharset.ISO2022JP
    encoded = {
        "Subject": encoded_words(subject, charset),
        "From": address_header(from_name, from_address, charset),
        "To": address_header(contact.name, contact.email, charset),
    }
    if charset != "utf-8" and (jis_body is None or None in encoded.values()):
        # A character no JIS table has (an emoji, a rare kanji): this one mail goes out in
        # UTF-8 rather than losing text.
        logger.info("message %s: not encodable in ISO-2022-JP, sent as UTF-8", message.id)
        jis_body = None
        encoded = {
            "Subject": encoded_words(subject),
            "From": address_header(from_name, from_address),
            "To": address_header(contact.name, contact.email),
        }
    email = OutboundEmail(
        subject=subject,
        body=body,
        from_email=from_address,
        to=[contact.email],
        # Whoever the customer copied, or an agent added on the ticket (tickets/copies.py).
        cc=list(ticket.cc or ()),
        reply_to=[reply_to_for(ticket)],
        headers=headers,
        encoded_headers=encoded,
        jis_body=jis_body,
    )
    if settings.KIZUNA_MAIL_HTML and jis_body is None:
        email.attach_alternative(text_as_html(body, ticket.language), "text/html")
    for att in message.attachments.all():
        # Cleaned again here: a row stored before names and types were checked on the way in
        # may hold a line break, and a header cannot carry one (the mail could never leave).
        with att.file.open("rb") as fh:
            email.attach(
                clean_filename(att.filename), fh.read(), clean_content_type(att.content_type)
            )
    return email


_URL = re.compile(r"https?://[^\s<>\"'「」（）()]+")


def text_as_html(text: str, language: str) -> str:
    """The mail's text as simple HTML that says exactly the same: paragraphs at blank lines,
    line breaks kept, addresses as links, everything else escaped."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block, quote=False)
        linked = _URL.sub(lambda m: f'<a href="{m.group()}">{m.group()}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return (
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif; line-height: 1.6">\n'
        + "\n".join(paragraphs)
        + "\n</body></html>\n"
    )


def _new_message_id(message: Message) -> str:
    # Short enough to fit on one header line with its name, so that no client sees a fold;
    # unique by the message's id and a random part (several installations may share a domain).
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "kizuna.local"
    return f"<{message.ticket.reference}.{message.id}.{secrets.token_hex(8)}@{domain}>"


def answers_mail(message: Message) -> bool:
    """True when an automatic message answers mail: the ticket came by email, or the
    customer's latest message before it did. Only such messages can feed a loop between two
    auto-responders; a customer who opens two requests in the portal gets both
    acknowledgements."""
    if message.ticket.channel == Channel.EMAIL:
        return True
    latest = (
        Message.objects.filter(ticket_id=message.ticket_id, kind=MessageKind.INBOUND)
        .filter(
            Q(created_at__lt=message.created_at)
            | Q(created_at=message.created_at, id__lt=message.id)
        )
        .order_by("-created_at", "-id")
        .values_list("email_message_id", flat=True)
        .first()
    )
    return bool(latest)


def _auto_reply_allowed(message: Message, *, now: datetime) -> bool:
    """Take the address's automatic-reply slot for `message`, atomically; False when another
    automatic mail went to the address within the window.

    Safe with several workers: the slot is taken by a conditional update or by inserting the
    address's one row (unique), and only one of two concurrent attempts can succeed."""
    address = message.ticket.requester.email.lower()
    if AutoReplyLog.objects.filter(address=address, message_id=message.id).exists():
        return True  # a retry of the message that holds the slot
    window = timedelta(minutes=settings.KIZUNA_AUTO_REPLY_WINDOW_MINUTES)
    if AutoReplyLog.objects.filter(address=address, last_sent_at__lte=now - window).update(
        last_sent_at=now, message_id=message.id
    ):
        return True
    try:
        with transaction.atomic():
            AutoReplyLog.objects.create(address=address, last_sent_at=now, message_id=message.id)
    except IntegrityError:
        return False
    return True


def _unsent():
    return Message.objects.filter(kind=MessageKind.OUTBOUND, mailed_at=None, mail_suppressed="")


def stale_claims(*, now: datetime | None = None):
    """Outbound messages whose sending worker died mid-send (claimed long ago, never sent)."""
    return _unsent().filter(mail_claimed_at__lt=(now or timezone.now()) - CLAIM_TIMEOUT)


def messages_to_recover(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of outbound messages nothing will mail unless they are queued again.

    Two kinds: a claim that expired (its worker died mid-send), and a message that was never
    claimed, is not given up on, and has no delivery task queued or running, older than
    CLAIM_TIMEOUT (its task was lost, e.g. with a queue restored from an older backup) and
    younger than RECOVER_WITHIN (older mail would surprise the customer more than help).
    A worker killed after taking a delivery task but before claiming the message is covered
    by the task's lease (kizuna/background): the task itself runs again.
    """
    now = now or timezone.now()
    ids = list(stale_claims(now=now).order_by("id").values_list("id", flat=True)[:limit])
    unclaimed = (
        _unsent()
        .filter(
            mail_claimed_at=None,
            mail_failed_at=None,
            mail_attempts__lte=settings.KIZUNA_MAIL_RETRIES,
            created_at__lt=now - CLAIM_TIMEOUT,
            created_at__gte=now - RECOVER_WITHIN,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(ids) < limit and unclaimed.exists():
        queued = _queued_deliveries()
        ids += [i for i in unclaimed[: limit * 2] if i not in queued][: limit - len(ids)]
    return ids


def _queued_deliveries() -> set[int]:
    """Message ids with a delivery task queued (now or later) or running."""
    queued = set()
    for task in tasks_pending(DELIVER_TASK_PATH):
        args = task.args_kwargs.get("args") if isinstance(task.args_kwargs, dict) else None
        if args and isinstance(args[0], int):
            queued.add(args[0])
    return queued


def message_send(*, message_id: int, now: datetime | None = None, claimant: str = "") -> str:
    """Mail one outbound message to the ticket's requester.

    Returns `sent`, `suppressed` (an automatic message inside the address's automatic-reply
    window: it stays in the ticket, unmailed, with the reason recorded) or `skipped` (not an
    outbound message, already mailed, or being mailed by another worker). When sending fails
    the claim is released, the error recorded, and the exception propagates for a retry.

    Two workers never send at the same time (the claim is a conditional update), and a
    message is marked mailed only once the server has accepted it. A worker that dies
    mid-send leaves a claim behind: the same delivery task, run again once the dead worker's
    lease expired, recognises its `claimant` (the task's id) and sends at once; any other
    claim expires after CLAIM_TIMEOUT, and `mail_recover` sends the message again. Either way
    with the same Message-ID: at worst (the worker died after the server accepted the mail but
    before recording it) the customer's client sees the same mail twice and folds it into
    one; never no mail at all.
    """
    now = now or timezone.now()
    free = Q(mail_claimed_at=None) | Q(mail_claimed_at__lt=now - CLAIM_TIMEOUT)
    if claimant:
        free |= Q(mail_claimed_by=claimant)
    claimed = (
        _unsent()
        .filter(id=message_id)
        .filter(free)
        .update(
            mail_claimed_at=now,
            mail_claimed_by=claimant[:64],
            mail_attempts=F("mail_attempts") + 1,
        )
    )
    if not claimed:
        return SKIPPED
    released = {"mail_claimed_at": None, "mail_claimed_by": ""}
    connection = None
    try:
        msg = Message.objects.select_related("ticket__requester").get(id=message_id)
        if not msg.email_message_id:
            # Stored before sending: a reply to this mail threads even if we die after sending.
            msg.email_message_id = _new_message_id(msg)
            Message.objects.filter(id=msg.id).update(email_message_id=msg.email_message_id)
        if msg.automatic and answers_mail(msg) and not _auto_reply_allowed(msg, now=now):
            reason = (
                f"Not mailed: {msg.ticket.requester.email} already received an automatic "
                f"message in the last {settings.KIZUNA_AUTO_REPLY_WINDOW_MINUTES} minutes."
            )
            Message.objects.filter(id=msg.id).update(**released, mail_suppressed=reason[:200])
            return SUPPRESSED
        email = build_email(msg)
        connection = email.get_connection()
        connection.open()
        connection.send_messages([email])
    except BaseException as exc:
        Message.objects.filter(id=message_id).update(**released, mail_error=_describe(exc))
        _close_quietly(connection)
        raise
    # Recorded before saying goodbye to the server: the moment in which a worker's death
    # would send the mail twice is only this one write.
    Message.objects.filter(id=message_id).update(
        **released, mailed_at=timezone.now(), mail_error=""
    )
    _close_quietly(connection)
    return SENT


def _close_quietly(connection) -> None:
    """Ends the SMTP session; an error on QUIT changes nothing about what was sent."""
    if connection is None:
        return
    try:
        connection.close()
    except Exception as exc:
        logger.info("SMTP session did not close cleanly: %s", _describe(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {resp.decode('utf-8', 'replace') if isinstance(resp, bytes) else resp}"
            for rcpt, (code, resp) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error
        text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"[:2000]


def is_permanent(exc: BaseException) -> bool:
    """A 5xx answer from the SMTP server (no such user, message refused): retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _resp in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 5, 15, 60 minutes …"""
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


def message_delivery_failed(*, message_id: int, error: str) -> None:
    """Record for agents that a message could not be mailed after every attempt: a
    `mail_failed` event on the ticket (the message stays in the ticket, unmailed)."""
    msg = Message.objects.only("id", "ticket_id", "mail_attempts").get(id=message_id)
    Message.objects.filter(id=msg.id).update(mail_failed_at=timezone.now())
    TicketEvent.objects.create(
        ticket_id=msg.ticket_id,
        kind=EventKind.MAIL_FAILED,
        data={"message": msg.id, "attempts": msg.mail_attempts, "error": error[:2000]},
    )
    logger.warning("message %s could not be mailed: %s", message_id, error)
