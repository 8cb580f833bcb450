"""The one ingest pipeline for every source: files, IMAP and SMTP/LMTP (see docs/email.md,
"Ingest, threading and quarantine").

1. `store_raw` commits the raw bytes in their own transaction before anything else reads
   them; a message already stored (same Message-ID, or same bytes when it has none) returns
   its existing row.
2. `process` parses, classifies, threads and creates or appends, in one transaction together
   with the row's outcome: a crash at any point leaves the row `pending` with nothing
   half-done, and `process_pending` finishes it later. A message that cannot be parsed or
   routed is `quarantined` with the reason, never dropped.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.mail import routing
from kizuna.mail.models import InboundMail, InboundState, Mailbox, MailReference
from kizuna.mail.parsing import ParsedMail, normalize_message_id, parse_message
from kizuna.tickets import services
from kizuna.tickets.models import (
    Channel,
    Contact,
    EventKind,
    Message,
    Organization,
    Status,
    Ticket,
    TicketEvent,
)
from kizuna.tickets.services import IncomingFile
from kizuna.tickets.workflow import TicketError

logger = logging.getLogger(__name__)

S = InboundState
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# Message-IDs quoted inside a bounce (the returned original or its headers).
_QUOTED_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]{1,900}>)", re.IGNORECASE | re.MULTILINE)
_KEY_MAX = 900


@dataclass
class IngestResult:
    """What became of one message; `as_json` is the `kizuna ingest --json` line."""

    source: str
    outcome: str
    ticket: str | None
    message_id: str
    from_address: str
    subject: str
    attachments: int
    reason: str
    inbound_id: int | None = None

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "outcome": self.outcome,
            "ticket": self.ticket,
            "message_id": self.message_id,
            "from": self.from_address,
            "subject": self.subject,
            "attachments": self.attachments,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Envelope:
    """What a cheap scan of the headers tells before the message is parsed."""

    dedupe_key: str
    message_id: str
    sent_at: datetime | None
    sha256: str


def scan_headers(raw: bytes) -> Envelope:
    """The dedupe key, Message-ID and Date from the header block alone; never raises."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = ""
    sent_at = None
    try:
        end = _HEADER_END.search(raw, 0, 1 << 20)
        head = raw[: end.start()] if end else raw[: 1 << 20]
        headers = BytesHeaderParser(policy=compat32).parsebytes(head)
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
    return Envelope(key, message_id[:998], sent_at, digest)


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


def store_raw(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> InboundMail:
    """Durably store the raw message and commit, before anything parses it.

    Returns the new row, or the existing row when the same message was stored before (then
    `row.is_repeat` is True, and `process` reports it as a duplicate once it is processed).
    """
    with transaction.atomic():
        return store_many([(raw, source)], mailbox=mailbox)[0]


def store_many(
    items: Sequence[tuple[bytes, str]], *, mailbox: Mailbox | None = None
) -> list[InboundMail]:
    """Store several raw messages in one transaction (the caller's, or its own); one row per
    item, in order, existing rows for messages already stored."""
    envelopes = [scan_headers(raw) for raw, _source in items]
    with transaction.atomic():
        keys = {env.dedupe_key for env in envelopes}
        known = {
            row.dedupe_key: row
            for row in InboundMail.objects.filter(dedupe_key__in=keys).defer("raw")
        }
        fresh: dict[str, InboundMail] = {}
        rows: list[InboundMail] = []
        now = timezone.now()
        for (raw, source), env in zip(items, envelopes, strict=True):
            if env.dedupe_key in known or env.dedupe_key in fresh:
                rows.append(_repeat(known.get(env.dedupe_key) or fresh[env.dedupe_key]))
                continue
            row = InboundMail(
                raw=raw,
                sha256=env.sha256,
                size=len(raw),
                source=source[:1000],
                mailbox=mailbox,
                message_id=env.message_id,
                dedupe_key=env.dedupe_key,
                sent_at=env.sent_at,
                received_at=now,
            )
            row.is_repeat = False
            fresh[env.dedupe_key] = row
            rows.append(row)
        if fresh:
            try:
                with transaction.atomic():
                    InboundMail.objects.bulk_create(list(fresh.values()))
            except IntegrityError:
                # Another process stored one of these meanwhile: store them one by one.
                for row in fresh.values():
                    _store_one(row)
    return rows


def _repeat(row: InboundMail) -> InboundMail:
    twin = copy.copy(row)
    twin.is_repeat = True
    return twin


def _store_one(row: InboundMail) -> None:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        existing = InboundMail.objects.defer("raw").get(dedupe_key=row.dedupe_key)
        row.pk = existing.pk
        row._state.adding = False
        row.is_repeat = True


# --- Processing -------------------------------------------------------------------------------


def process(inbound: InboundMail, *, parsed: ParsedMail | None = None) -> IngestResult:
    """Parse, classify, thread and turn a stored message into a ticket or a reply.

    Everything happens in one transaction with the row's outcome; a row already processed is
    not processed again (a repeat delivery is reported as `duplicate`). Any error in parsing
    or routing quarantines the row with the reason; database failures propagate, leaving the
    row pending for `process_pending`.
    """
    try:
        with transaction.atomic():
            row = (
                InboundMail.objects.select_for_update()
                .filter(pk=inbound.pk)
                .defer("raw")
                .select_related("mailbox__team")
                .first()
            )
            if row is None:
                raise InboundMail.DoesNotExist(inbound.pk)
            if row.state != S.PENDING:
                return _already(row, repeat=getattr(inbound, "is_repeat", False))
            if parsed is None:
                raw = InboundMail.objects.filter(pk=row.pk).values_list("raw", flat=True).get()
                parsed = parse_message(bytes(raw))
            return _route(row, parsed, accept_sender=getattr(inbound, "accept_sender", False))
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable or locked: not the message's fault
    except Exception as exc:
        logger.exception("quarantined inbound mail %s", inbound.pk)
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return _quarantine(inbound, parsed, f"{type(exc).__name__}: {reason}")


def ingest_raw(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> IngestResult:
    """Store, then process: the whole pipeline for one message."""
    return process(store_raw(raw, source=source, mailbox=mailbox))


def process_pending(*, limit: int | None = None) -> list[IngestResult]:
    """Process every stored message still pending (after a crash, or stored by a listener
    that could not process at once), oldest first."""
    ids = list(
        InboundMail.objects.filter(state=S.PENDING)
        .order_by(F("sent_at").asc(nulls_last=True), "received_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    results = []
    for pk in ids:
        row = InboundMail(pk=pk)
        row._state.adding = False
        results.append(process(row))
    return results


def _result(
    row: InboundMail,
    outcome: str,
    *,
    parsed: ParsedMail | None = None,
    attachments: int | None = None,
) -> IngestResult:
    ticket = row.ticket.reference if row.ticket_id and row.ticket else None
    if attachments is None:
        attachments = len(parsed.attachments) if parsed else 0
    return IngestResult(
        source=row.source,
        outcome=outcome,
        ticket=ticket,
        message_id=row.message_id,
        from_address=parsed.from_address if parsed else row.from_address,
        subject=parsed.subject if parsed else row.subject,
        attachments=attachments,
        reason=row.reason,
        inbound_id=row.pk,
    )


def _already(row: InboundMail, *, repeat: bool) -> IngestResult:
    if repeat:
        InboundMail.objects.filter(pk=row.pk).update(duplicates=F("duplicates") + 1)
        result = _result(row, S.DUPLICATE)
        result.reason = _("already received (%(source)s)") % {"source": row.source}
        return result
    return _result(row, row.state)


def _quarantine(inbound: InboundMail, parsed: ParsedMail | None, reason: str) -> IngestResult:
    now = timezone.now()
    fields = {"state": S.QUARANTINED, "reason": reason[:2000], "processed_at": now}
    if parsed is not None:
        fields.update(from_address=parsed.from_address[:320], subject=parsed.subject[:1000])
    with transaction.atomic():
        InboundMail.objects.filter(pk=inbound.pk, state=S.PENDING).update(
            attempts=F("attempts") + 1, **fields
        )
        row = InboundMail.objects.defer("raw").select_related("ticket").get(pk=inbound.pk)
    return _result(row, row.state, parsed=parsed)


def _finish(
    row: InboundMail,
    parsed: ParsedMail,
    state: str,
    reason: str = "",
    *,
    ticket: Ticket | None = None,
    message: Message | None = None,
    attachments: int | None = None,
) -> IngestResult:
    row.state = state
    row.reason = reason[:2000]
    row.ticket = ticket
    row.ticket_message = message
    row.from_address = parsed.from_address[:320]
    row.subject = parsed.subject[:1000]
    row.processed_at = timezone.now()
    row.attempts += 1
    row.save(
        update_fields=[
            "state",
            "reason",
            "ticket",
            "ticket_message",
            "from_address",
            "subject",
            "processed_at",
            "attempts",
        ]
    )
    return _result(row, state, parsed=parsed, attachments=attachments)


_own_addresses: tuple[float, frozenset[str]] = (0.0, frozenset())


def own_addresses() -> frozenset[str]:
    """Our own addresses (the From of our mail and every mailbox's address), cached briefly."""
    global _own_addresses
    stamp, addresses = _own_addresses
    if time.monotonic() - stamp > 60:
        found = {
            a.lower() for a in Mailbox.objects.exclude(address="").values_list("address", flat=True)
        }
        found.add(settings.DEFAULT_FROM_EMAIL.lower())
        addresses = frozenset(found)
        _own_addresses = (time.monotonic(), addresses)
    return addresses


def _route(row: InboundMail, parsed: ParsedMail, *, accept_sender: bool = False) -> IngestResult:
    address = parsed.from_address
    if parsed.is_bounce or parsed.auto_reason:
        return _ignore(row, parsed)
    if not address:
        return _finish(row, parsed, S.QUARANTINED, _("no usable sender address (From)"))
    if address in own_addresses():
        return _finish(row, parsed, S.IGNORED, _("sent by this helpdesk itself (mail loop)"))
    body, files, dropped = _body_and_files(parsed)
    if not body and not files:
        return _finish(
            row, parsed, S.QUARANTINED, _("empty message: no subject, text or attachment")
        )

    contact = routing.contact_for_address(address)
    thread = routing.find_thread(
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
    )
    if thread is not None:
        ticket = thread.ticket
        if not accept_sender and not routing.may_write_to(ticket, address=address, contact=contact):
            return _finish(
                row,
                parsed,
                S.HELD,
                _(
                    "%(address)s is not a contact of %(ref)s's organization; an agent decides "
                    "whether to add this reply"
                )
                % {"address": address, "ref": ticket.reference},
                ticket=ticket,
            )
        if contact is None:
            contact = _contact_create(parsed, ticket.organization)
        if ticket.status == Status.CLOSED:
            return _open(row, parsed, contact, body, files, dropped, follows=ticket)
        message = services.ticket_customer_reply(
            ticket=ticket, contact=contact, body=body, files=files
        )
        _remember(row, parsed, ticket, message)
        return _finish(
            row, parsed, S.APPENDED, ticket=ticket, message=message, attachments=len(files)
        )

    if contact is None:
        organization = routing.organization_for_address(address)
        if organization is None:
            return _finish(
                row,
                parsed,
                S.HELD,
                _(
                    "unknown sender: no organization has the mail domain of %(address)s; an "
                    "agent places the sender in an organization"
                )
                % {"address": address},
            )
        contact = _contact_create(parsed, organization)
    return _open(row, parsed, contact, body, files, dropped)


def _open(row, parsed, contact, body, files, dropped, *, follows: Ticket | None = None):
    subject = parsed.subject
    if follows is not None:
        subject = routing.clean_subject(subject) or follows.subject
        with translation.override(contact.language):
            note = _("This message answers %(ref)s, which is closed.") % {"ref": follows.reference}
        body = f"{note}\n\n{body}"
    if not subject:
        with translation.override(contact.language):
            subject = _("(no subject)")
    if not contact.is_active:
        raise TicketError(
            _("The sender %(address)s is a deactivated contact.") % {"address": contact.email}
        )
    ticket = services.ticket_open(
        requester=contact,
        subject=subject[:250],
        body=body,
        channel=Channel.EMAIL,
        files=files,
        team=row.mailbox.team if row.mailbox_id and row.mailbox else None,
    )
    message = ticket.messages.filter(kind="inbound").order_by("id").first()
    _remember(row, parsed, ticket, message)
    reason = ""
    if follows is not None:
        reason = _("follows up %(ref)s, which is closed") % {"ref": follows.reference}
    return _finish(
        row, parsed, S.CREATED, reason, ticket=ticket, message=message, attachments=len(files)
    )


def _remember(row, parsed: ParsedMail, ticket: Ticket, message: Message | None) -> None:
    """Record the message's own id and the ids it refers to, so later mail (and earlier mail
    arriving late) finds this ticket; the message keeps its Message-ID for our replies."""
    ids = routing.thread_ids(
        message_id=parsed.message_id, in_reply_to=parsed.in_reply_to, references=parsed.references
    )
    ids = [mid for mid in ids if len(mid) <= 998]
    if ids:
        MailReference.objects.bulk_create(
            [MailReference(message_id=mid, ticket=ticket) for mid in ids], ignore_conflicts=True
        )
    if message is not None and parsed.message_id:
        Message.objects.filter(pk=message.pk).update(email_message_id=parsed.message_id[:998])
        message.email_message_id = parsed.message_id[:998]


def _contact_create(parsed: ParsedMail, organization: Organization) -> Contact:
    name = " ".join((parsed.from_name or "").split()) or parsed.from_address.partition("@")[0]
    language = routing.guess_language(f"{parsed.from_name} {parsed.subject} {parsed.text[:2000]}")
    return services.contact_create(
        organization=organization, name=name, email=parsed.from_address, language=language
    )


def _ignore(row: InboundMail, parsed: ParsedMail) -> IngestResult:
    reason = parsed.auto_reason or _("delivery report")
    ticket = None
    if parsed.is_bounce:
        raw = InboundMail.objects.filter(pk=row.pk).values_list("raw", flat=True).get()
        quoted = [
            normalize_message_id(m.decode("ascii", "replace"))
            for m in _QUOTED_ID.findall(bytes(raw))
        ]
        ids = routing.thread_ids(
            message_id="", in_reply_to=parsed.in_reply_to, references=parsed.references
        )
        ids += [mid for mid in quoted if mid and mid != parsed.message_id and mid not in ids]
        ticket, outbound_id = routing.bounced_ticket(ids)
        if ticket is not None:
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.MAIL_FAILED,
                data={"message": outbound_id, "inbound_mail": row.pk, "error": reason[:2000]},
            )
            with translation.override(ticket.language):
                note = _(
                    "Mail about this ticket could not be delivered (%(reason)s). The customer "
                    "may not have received our last message; the report is kept as received "
                    "mail %(id)s."
                ) % {
                    "reason": f"{reason}: {parsed.subject}" if parsed.subject else reason,
                    "id": row.pk,
                }
            services.ticket_note(ticket=ticket, actor_user=None, body=note)
    return _finish(
        row, parsed, S.IGNORED, reason, ticket=ticket, attachments=len(parsed.attachments)
    )


def _body_and_files(parsed: ParsedMail) -> tuple[str, list[IncomingFile], list[str]]:
    """The message text and its attachments; a file over the size limit stays only in the
    original mail, and the text says so."""
    limit = settings.KIZUNA_MAX_ATTACHMENT_BYTES
    files, dropped = [], []
    for att in parsed.attachments:
        if len(att.data) > limit:
            dropped.append(att.name)
            continue
        files.append(IncomingFile(name=att.name, content_type=att.content_type, data=att.data))
    body = (parsed.text or "").strip()
    if dropped:
        lines = [
            _(
                "[Attachment “%(name)s” is larger than %(limit)s MB; it is kept in the original mail.]"
            )
            % {"name": name, "limit": f"{limit / 1048576:.0f}"}
            for name in dropped
        ]
        body = "\n\n".join([body, *lines]) if body else "\n".join(lines)
    if not body and files:
        body = _("(no text; see the attachments)")
    if not body and parsed.subject:
        body = parsed.subject
    return body, files, dropped


def ingest_many(
    items: Iterable[tuple[bytes, str]], *, mailbox: Mailbox | None = None, batch_size: int = 100
) -> Iterable[IngestResult]:
    """Store and process messages in batches: each batch's raw bytes are committed together,
    then each message is processed in its own transaction."""
    batch: list[tuple[bytes, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from _ingest_batch(batch, mailbox)
            batch = []
    if batch:
        yield from _ingest_batch(batch, mailbox)


def _ingest_batch(batch, mailbox):
    rows = store_many(batch, mailbox=mailbox)
    for row in rows:
        yield process(row)
