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

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.lib import batching, savepoints
from kizuna.lib.rows import copy_row, insert_rows, new_row
from kizuna.lib.text import is_blank
from kizuna.mail import routing
from kizuna.mail.envelope import Envelope, prepare, scan_headers
from kizuna.mail.models import REASONS, InboundMail, InboundState, Mailbox, MailReference
from kizuna.mail.parsing import ParsedMail, normalize_message_id, parse_message
from kizuna.tickets import copies, services
from kizuna.tickets.models import (
    Channel,
    Contact,
    EmailDomain,
    EventKind,
    Message,
    Organization,
    Status,
    Team,
    Ticket,
    TicketEvent,
    format_reference,
)
from kizuna.tickets.services import IncomingFile
from kizuna.tickets.workflow import TicketError

logger = logging.getLogger(__name__)

S = InboundState
# Message-IDs quoted inside a bounce (the returned original or its headers).
_QUOTED_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]{1,900}>)", re.IGNORECASE | re.MULTILINE)
_REASON_ARGS = InboundMail._meta.get_field("reason_args")


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


def store_raw(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> InboundMail:
    """Durably store the raw message and commit, before anything parses it.

    Returns the new row, or the existing row when the same message was stored before (then
    `row.is_repeat` is True, and `process` reports it as a duplicate once it is processed).
    """
    with transaction.atomic():
        return store_many([(raw, source)], mailbox=mailbox)[0]


def store_many(
    items: Sequence[tuple[bytes, str]],
    *,
    mailbox: Mailbox | None = None,
    envelopes: Sequence[Envelope] | None = None,
) -> list[InboundMail]:
    """Store several raw messages in one transaction (the caller's, or its own); one row per
    item, in order, existing rows for messages already stored. `envelopes`: the items'
    scanned headers, when a parsing process has read them already."""
    if envelopes is None:
        envelopes = [scan_headers(raw) for raw, _source in items]
    with transaction.atomic():
        known = _known_rows({env.dedupe_key for env in envelopes})
        # A Message-ID seen before on another message (some mailers reuse one for every
        # mail): the new message gets a key of its own, so it is kept, not taken for a copy.
        keys = [_own_key(env, known) for env in envelopes]
        variants = set(keys) - set(known)
        known.update(_known_rows(variants) if variants else {})
        fresh: dict[str, InboundMail] = {}
        rows: list[InboundMail | str] = []
        now = timezone.now()
        for (raw, source), env, key in zip(items, envelopes, keys, strict=True):
            if key in fresh and _own_key(env, fresh) != key:
                key = _own_key(env, fresh)
            if key in known:
                rows.append(_repeat(known[key], source))
                continue
            if key in fresh:  # a copy within this batch: its row has no id before the insert
                rows.append((key, source))
                continue
            row = new_row(
                InboundMail,
                raw=raw,
                sha256=env.sha256,
                body_sha256=env.content_sha256,
                size=len(raw),
                source=source[:1000],
                mailbox=mailbox,
                message_id=env.message_id,
                dedupe_key=key,
                sent_at=env.sent_at,
                received_at=now,
            )
            row.is_repeat = False
            row.fresh = True  # every field is in memory and the row is pending
            fresh[key] = row
            rows.append(row)
        if fresh:
            try:
                with transaction.atomic():
                    insert_rows(list(fresh.values()))
            except IntegrityError:
                # Another process stored one of these meanwhile: store them one by one.
                for row in fresh.values():
                    _store_one(row)
    return [_repeat(fresh[row[0]], row[1]) if isinstance(row, tuple) else row for row in rows]


def _known_rows(keys) -> dict[str, InboundMail]:
    return {
        row.dedupe_key: row for row in InboundMail.objects.filter(dedupe_key__in=keys).defer("raw")
    }


def _own_key(env: Envelope, known: dict[str, InboundMail]) -> str:
    """The message's dedupe key: its Message-ID's, unless the message stored under that key
    has other content (body, From, Subject, Date, … anything but route headers), then one
    that also names this content."""
    row = known.get(env.dedupe_key)
    if (
        row is None
        or not env.message_id
        or not row.body_sha256
        or row.body_sha256 == env.content_sha256
    ):
        return env.dedupe_key
    return f"{env.dedupe_key}#body:{env.content_sha256}"


def _repeat(row: InboundMail, source: str) -> InboundMail:
    """The stored row, standing for a copy that just arrived from `source`."""
    twin = copy_row(row)
    twin.arrived_from = source
    twin.is_repeat = True
    twin.fresh = False  # what it became is read from the database when it is processed
    return twin


def _store_one(row: InboundMail) -> None:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        existing = InboundMail.objects.defer("raw").get(dedupe_key=row.dedupe_key)
        row.arrived_from = row.source
        row.pk = existing.pk
        row._state.adding = False
        row.is_repeat = True
        row.fresh = False


# --- Processing -------------------------------------------------------------------------------


class _Lost(Exception):
    """Another process finished the row first: roll back and report its outcome."""


class _Redo(Exception):
    """A message failed in a batch written without a savepoint per message: the batch is
    rolled back and written again, each message in a savepoint of its own."""


class RunCache:
    """Lookups that stay true for one ingest run: mail domains and organizations, contacts
    that already existed, mailbox teams. Only rows read from the database are kept, never
    rows this run created (a rolled-back message could otherwise leave a ghost behind)."""

    def __init__(self) -> None:
        self.domains: dict[str, int] | None = None
        self.organizations: dict[int, Organization] = {}
        self.contacts: dict[str, Contact] = {}
        self.teams: dict[int, Team | None] = {}
        # The batch's waiting new requests, and the ids its messages name, read at once (set
        # by the batch writer).
        self.opener: BatchOpener | None = None
        self.known_ids: routing.KnownIds | None = None
        # The outcomes and thread ids of the batch's messages not written yet (set by the
        # batch writer when it writes without a savepoint per message).
        self.later: Later | None = None

    def organization_for(self, address: str) -> Organization | None:
        if self.domains is None:
            self.domains = dict(EmailDomain.objects.values_list("domain", "organization_id"))
        for domain in routing.domain_candidates(address):
            if domain in self.domains:
                org_id = self.domains[domain]
                if org_id not in self.organizations:
                    self.organizations[org_id] = Organization.objects.get(pk=org_id)
                return self.organizations[org_id]
        return None

    def contact_for(self, address: str) -> Contact | None:
        contact = self.contacts.get(address)
        if contact is None:
            contact = routing.contact_for_address(address)
            if contact is not None:
                self.contacts[address] = contact
        return contact

    def team_for(self, mailbox_id: int | None) -> Team | None:
        if mailbox_id is None:
            return None
        if mailbox_id not in self.teams:
            self.teams[mailbox_id] = Team.objects.filter(mailboxes=mailbox_id).first()
        return self.teams[mailbox_id]


class _NoCache(RunCache):
    """For a single message: every lookup asks the database."""

    def organization_for(self, address: str) -> Organization | None:
        return routing.organization_for_address(address)

    def contact_for(self, address: str) -> Contact | None:
        return routing.contact_for_address(address)


def process(
    inbound: InboundMail,
    *,
    parsed: ParsedMail | None = None,
    raw: bytes | None = None,
    cache: RunCache | None = None,
    savepoint: bool = True,
) -> IngestResult:
    """Parse, classify, thread and turn a stored message into a ticket or a reply.

    Everything happens in one transaction with the row's outcome; a row already processed is
    not processed again (a repeat delivery is reported as `duplicate`). Any error in parsing
    or routing quarantines the row with the reason; database failures propagate, leaving the
    row pending for `process_pending`. Without `savepoint` (inside a batch's transaction),
    the message's writes cannot roll back alone: an error raises _Redo instead.
    """
    repeat = getattr(inbound, "is_repeat", False)
    try:
        # Every error ends the message's savepoint or the batch's writing: the services it
        # calls need no savepoints of their own (kizuna/lib/savepoints.py).
        with transaction.atomic(savepoint=savepoint), savepoints.skipped():
            row = inbound if getattr(inbound, "fresh", False) else _load(inbound.pk)
            if row.state != S.PENDING:
                return _already(row, repeat=repeat, arrived_from=_arrived_from(inbound))
            if parsed is None:
                if raw is None and "raw" in row.__dict__:
                    raw = row.raw
                if raw is None:
                    raw = InboundMail.objects.filter(pk=row.pk).values_list("raw", flat=True).get()
                parsed = parse_message(bytes(raw))
            cache = cache or _NoCache()
            return _route(
                row,
                parsed,
                accept_sender=getattr(inbound, "accept_sender", False),
                cache=cache,
                # In a savepoint of its own, a message's outcome is written with it.
                later=None if savepoint else cache.later,
            )
    except _Lost:
        if not savepoint:
            raise _Redo from None
        # Another process finished this message first (the same mail delivered twice at once,
        # or two workers on one pending row): what was done here is rolled back, and this
        # call reports a duplicate, so that of two deliveries exactly one says `created`.
        result = _already(_load(inbound.pk), repeat=repeat, arrived_from=_arrived_from(inbound))
        if not repeat:
            result.outcome = S.DUPLICATE
            result.reason = _("processed at the same moment by another process")
        return result
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable or locked: not the message's fault
    except Exception as exc:
        if not savepoint:
            raise _Redo from exc
        logger.exception("quarantined inbound mail %s", inbound.pk)
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return _quarantine(inbound, parsed, f"{type(exc).__name__}: {reason}")


def _load(pk: int) -> InboundMail:
    return InboundMail.objects.defer("raw").get(pk=pk)


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
    ticket = format_reference(row.ticket_id) or None
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


def _arrived_from(inbound: InboundMail) -> str | None:
    return getattr(inbound, "arrived_from", None)


def _already(row: InboundMail, *, repeat: bool, arrived_from: str | None) -> IngestResult:
    """The result for a row processed before. A repeat delivery names the input just read
    as its source (a caller matches results to inputs), and the earlier copy in its reason."""
    result = _result(row, S.DUPLICATE if repeat else row.state)
    if arrived_from is not None:
        result.source = arrived_from
    if repeat:
        InboundMail.objects.filter(pk=row.pk).update(duplicates=F("duplicates") + 1)
        result.reason = _("already received (%(source)s)") % {"source": row.source}
    return result


def _quarantine(inbound: InboundMail, parsed: ParsedMail | None, reason: str) -> IngestResult:
    now = timezone.now()
    fields = {"state": S.QUARANTINED, "reason": reason[:2000], "processed_at": now}
    if parsed is not None:
        fields.update(from_address=parsed.from_address[:320], subject=parsed.subject[:1000])
    with transaction.atomic():
        InboundMail.objects.filter(pk=inbound.pk, state=S.PENDING).update(
            attempts=F("attempts") + 1, **fields
        )
        row = _load(inbound.pk)
    return _result(row, row.state, parsed=parsed)


class Reason:
    """A reason from `models.REASONS` with its values: stored as text and as code and values,
    so that the desk shows it in each agent's language."""

    def __init__(self, code: str, **args: str) -> None:
        self.code, self.args = code, args

    def __str__(self) -> str:
        return str(REASONS[self.code]) % self.args


def _finish(
    row: InboundMail,
    parsed: ParsedMail,
    state: str,
    reason: str | Reason = "",
    *,
    ticket: Ticket | None = None,
    message=None,
    attachments: int | None = None,
    later: Later | None = None,
) -> IngestResult:
    """Record the outcome, only if the row is still pending: the conditional update also
    waits for (and then loses to) another process finishing the same row. With `later`, the
    outcome is written with the batch's others."""
    outcome = _outcome(row, parsed, state, reason, ticket=ticket, message=message)
    if later is not None:
        later.outcomes.append(outcome)
    else:
        _outcomes_write([outcome])
    return _result(row, state, parsed=parsed, attachments=attachments)


_OUTCOME_SQL = (
    f"UPDATE {InboundMail._meta.db_table} SET state = %s, reason = %s, reason_code = %s,"
    " reason_args = %s, ticket_id = %s, ticket_message_id = %s, from_address = %s,"
    " subject = %s, processed_at = %s, attempts = attempts + 1 WHERE id = %s AND state = %s"
)


def _outcome(row, parsed, state, reason, *, ticket=None, message=None) -> list:
    """Set the row's outcome in memory; returns the parameters of the statement saving it."""
    row.state = state
    row.reason = str(reason)[:2000]
    row.reason_code = reason.code if isinstance(reason, Reason) else ""
    row.reason_args = reason.args if isinstance(reason, Reason) else {}
    row.ticket_id = ticket.pk if ticket is not None else None
    row.from_address = parsed.from_address[:320]
    row.subject = parsed.subject[:1000]
    row.processed_at = timezone.now()
    return [
        state,
        row.reason,
        row.reason_code,
        _REASON_ARGS.get_db_prep_save(row.reason_args, connection),
        row.ticket_id,
        message.pk if isinstance(message, Message) else message,
        row.from_address,
        row.subject,
        row.processed_at,
        row.pk,
        S.PENDING,
    ]


def _outcomes_write(params: list[list]) -> None:
    """Save outcomes, one plain prepared statement for all (the ORM's update building cost
    more than the writes); raises _Lost when a row was no longer pending."""
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(_OUTCOME_SQL, params[0])
        else:
            cursor.executemany(_OUTCOME_SQL, params)
        updated = cursor.rowcount
    if updated != len(params):
        raise _Lost([p[-2] for p in params])


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


def _route(
    row: InboundMail,
    parsed: ParsedMail,
    *,
    accept_sender: bool,
    cache: RunCache,
    later: Later | None = None,
) -> IngestResult:
    address = parsed.from_address
    if parsed.is_bounce or parsed.auto_reason:
        return _ignore(row, parsed, later=later)
    if not address:
        return _finish(row, parsed, S.QUARANTINED, Reason("no_sender"), later=later)
    if address in own_addresses():
        return _finish(row, parsed, S.IGNORED, Reason("own_mail"), later=later)
    body, files, dropped = _body_and_files(parsed)
    if not body and not files:
        return _finish(row, parsed, S.QUARANTINED, Reason("empty"), later=later)

    contact = cache.contact_for(address)
    thread = routing.find_thread(
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        lookup=cache.known_ids or (later.known_ids if later is not None else None),
        for_update=True,  # inside the message's transaction: a reply then reads it once
    )
    if thread is not None:
        ticket = thread.ticket
        if not accept_sender and not routing.may_write_to(ticket, address=address, contact=contact):
            return _finish(
                row,
                parsed,
                S.HELD,
                Reason("foreign_reply", address=address, ref=ticket.reference),
                ticket=ticket,
                later=later,
            )
        if contact is None:
            contact = _contact_create(parsed, ticket.organization)
        if ticket.status == Status.CLOSED and not services.reply_reopens_closed(
            ticket, now=timezone.now()
        ):
            # Closed too long ago (or as spam, a duplicate): a new request, linked (P10).
            return _open(row, parsed, contact, body, files, cache=cache, follows=ticket)
        message = services.ticket_customer_reply(
            ticket=ticket,
            contact=contact,
            body=body,
            files=files,
            email_message_id=parsed.message_id[:998],
            body_html=parsed.html,
            ticket_locked=thread.locked,
        )
        _remember(row, parsed, ticket, message, later=later)
        _keep_copies(ticket, parsed)
        return _finish(
            row,
            parsed,
            S.APPENDED,
            ticket=ticket,
            message=message,
            attachments=len(files),
            later=later,
        )

    if contact is None:
        organization = cache.organization_for(address)
        if organization is None:
            return _finish(
                row,
                parsed,
                S.HELD,
                Reason("unknown_sender", address=address),
                later=later,
            )
        contact = _contact_create(parsed, organization)
    return _open(row, parsed, contact, body, files, cache=cache)


def _open(row, parsed, contact, body, files, *, cache: RunCache, follows: Ticket | None = None):
    subject = parsed.subject
    if follows is not None:
        subject = routing.clean_subject(subject) or follows.subject
        with translation.override(contact.language):
            note = _("This message answers %(ref)s, which is closed.") % {"ref": follows.reference}
        body = f"{note}\n\n{body}"
    if is_blank(subject):  # none, or one that shows nothing (only invisible characters)
        with translation.override(contact.language):
            subject = _("(no subject)")
    if not contact.is_active:
        raise TicketError(
            _("The sender %(address)s is a deactivated contact.") % {"address": contact.email}
        )
    request = services.request_checked(
        services.NewRequest(
            requester=contact,
            subject=subject[:250],
            body=body,
            channel=Channel.EMAIL,
            files=files,
            team=cache.team_for(row.mailbox_id),
            email_message_id=parsed.message_id[:998],
            body_html=parsed.html,
            follows=follows,
        )
    )
    reason = Reason("follows_closed", ref=follows.reference) if follows is not None else ""
    if cache.opener is not None:
        return cache.opener.add(row, parsed, request, reason)
    (ticket,) = services.tickets_open([request])
    return _opened([(row, parsed, ticket, request, reason)])[0]


def _opened(opened: list[tuple]) -> list[IngestResult]:
    """Record the messages that opened tickets, each (row, parsed, ticket, request, reason):
    their ids, their copies and their outcomes, in one statement each for all (a round trip
    each on PostgreSQL, where a statement per message would cost the most)."""
    references, outcomes = [], []
    for row, parsed, ticket, _request, reason in opened:
        references += _references(parsed, ticket)
        _keep_copies(ticket, parsed)
        outcomes.append(
            _outcome(row, parsed, S.CREATED, reason, ticket=ticket, message=ticket.request_message)
        )
    _references_write(references)
    _outcomes_write(outcomes)
    return [
        _result(row, S.CREATED, parsed=parsed, attachments=len(request.files))
        for row, parsed, _ticket, request, _reason in opened
    ]


@dataclass
class _Waiting:
    before: InboundMail  # the row as it was, to process it alone if the batch write fails
    row: InboundMail
    parsed: ParsedMail
    request: services.NewRequest
    reason: str | Reason
    result: IngestResult


class BatchOpener:
    """The new requests of a batch of mail, opened together (`tickets_open`: a few statements
    for all rather than several per message) when the batch ends, or before a later message
    of the batch that might continue one of them, or that repeats a message of the batch."""

    def __init__(self) -> None:
        self.waiting: list[_Waiting] = []
        self.ids: set[str] = set()

    def add(self, row, parsed: ParsedMail, request, reason) -> IngestResult:
        result = _result(row, S.PENDING, parsed=parsed, attachments=len(request.files))
        self.waiting.append(_Waiting(copy_row(row), row, parsed, request, reason, result))
        self.ids.update(_ids_of(parsed))
        return result

    def needed_by(self, row: InboundMail, parsed: ParsedMail | None) -> bool:
        """Whether `row` must see the waiting requests as tickets before it is routed."""
        if not self.waiting:
            return False
        if parsed is None or not getattr(row, "fresh", False):
            return True  # unread, or a copy of a message of this batch
        if routing.REFERENCE_RE.search(parsed.subject or ""):
            return True
        return not self.ids.isdisjoint(_ids_of(parsed))

    def flush(self, *, cache: RunCache) -> None:
        waiting, self.waiting, self.ids = self.waiting, [], set()
        if not waiting:
            return
        try:
            # This block's savepoint is the one the fallback below rolls back to.
            with transaction.atomic(), savepoints.skipped():
                tickets = services.tickets_open([w.request for w in waiting])
                results = _opened(
                    [
                        (w.row, w.parsed, ticket, w.request, w.reason)
                        for w, ticket in zip(waiting, tickets, strict=True)
                    ]
                )
            for w, done in zip(waiting, results, strict=True):
                w.result.__dict__.update(done.__dict__)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            # One of them could not be written with the others (or another process took a
            # row meanwhile): each alone, as it would have been, each with its own outcome.
            logger.warning("opening %s requests together failed", len(waiting), exc_info=True)
            # What the batch holds back is written first, outside the savepoints the
            # requests now get: a row found finished by another process then makes the
            # whole batch be written again, not the request whose lookup wrote it.
            if cache.later is not None:
                _flush_or_redo(cache.later)
            cache.opener = None
            try:
                for w in waiting:
                    done = process(w.before, parsed=w.parsed, cache=cache)
                    w.result.__dict__.update(done.__dict__)
            finally:
                cache.opener = self


def _ids_of(parsed: ParsedMail) -> list[str]:
    return routing.thread_ids(
        message_id=parsed.message_id, in_reply_to=parsed.in_reply_to, references=parsed.references
    )


def _keep_copies(ticket: Ticket, parsed: ParsedMail) -> None:
    """Whoever else the customer wrote to (Cc, To) is copied on our answers too."""
    others = [a for a in parsed.cc + parsed.to if a and a != parsed.from_address]
    if others:
        copies.ticket_cc_add_from_mail(
            ticket=ticket, addresses=others, own=own_addresses() | {settings.KIZUNA_REPLY_TO}
        )


def _remember(
    row, parsed: ParsedMail, ticket: Ticket, message: Message, *, later: Later | None = None
) -> int:
    """Record the message's own id and the ids it refers to, so later mail (and earlier mail
    arriving late) finds this ticket. One plain statement, as this runs for every message
    that reaches a ticket (the message itself already carries its Message-ID); with `later`,
    one for the batch."""
    if later is not None:
        later.references += _references(parsed, ticket)
    else:
        _references_write(_references(parsed, ticket))
    return message.pk


def _references(parsed: ParsedMail, ticket: Ticket) -> list[tuple[str, int]]:
    return [(mid, ticket.pk) for mid in _ids_of(parsed) if len(mid) <= 998]


def _references_write(pairs: list[tuple[str, int]], *, per_statement: int = 300) -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), per_statement):
            chunk = pairs[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {MailReference._meta.db_table} (message_id, ticket_id, created_at)"
                f" VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))}"
                " ON CONFLICT (message_id, ticket_id) DO NOTHING",
                [value for mid, ticket_id in chunk for value in (mid, ticket_id, now)],
            )


class Later:
    """The outcomes and thread ids of a batch's messages, written together (one statement
    each on PostgreSQL instead of two round trips per message) before anything reads them:
    a lookup of thread ids in the database, a message already stored (a copy), the end of
    the batch. Raises _Lost, as `_outcomes_write` does, when another process finished one
    of the rows first."""

    def __init__(self) -> None:
        self.outcomes: list[list] = []
        self.references: list[tuple[str, int]] = []

    def flush(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        references, self.references = self.references, []
        if references:
            _references_write(references)
        if outcomes:
            _outcomes_write(outcomes)

    def known_ids(self, ids: list[str], *, refs: list[str]) -> list[tuple[str, int]]:
        """`routing.known_ids`, once the ids recorded so far are written."""
        self.flush()
        return routing.known_ids(ids, refs=refs)


def _contact_create(parsed: ParsedMail, organization: Organization) -> Contact:
    name = " ".join((parsed.from_name or "").split()) or parsed.from_address.partition("@")[0]
    language = routing.guess_language(f"{parsed.from_name} {parsed.subject} {parsed.text[:2000]}")
    return services.contact_create(
        organization=organization, name=name, email=parsed.from_address, language=language
    )


def _ignore(row: InboundMail, parsed: ParsedMail, *, later: Later | None = None) -> IngestResult:
    reason = parsed.auto_reason or _("delivery report")
    ticket = None
    if parsed.is_bounce:
        if later is not None:
            later.flush()  # the ids the batch's messages recorded, which the bounce may name
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
        row,
        parsed,
        S.IGNORED,
        reason,
        ticket=ticket,
        attachments=len(parsed.attachments),
        later=later,
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
    items: Iterable[tuple[bytes, str]],
    *,
    mailbox: Mailbox | None = None,
    batch_size: int = 100,
    parse_pool=None,
) -> Iterator[IngestResult]:
    """Store and process messages in batches, in order.

    Each batch's raw bytes are committed together first; then the batch is processed in one
    transaction, and its results are yielded once that has committed. A crash leaves the
    unfinished batch pending. A message that fails (quarantined with its reason) must roll
    back alone, which takes a savepoint per message, two statements each (a round trip each
    on PostgreSQL): so a batch is first written without them, and only if one of its messages
    fails is it rolled back and written again with them. A message that could not even be
    parsed gets its savepoint from the start.
    With `parse_pool` (a concurrent.futures executor), the next batch is scanned and parsed in
    another process while this one is written; if that process dies (killed, out of memory),
    the messages are parsed here from then on.
    """
    cache = RunCache()
    pending = None
    for number, batch in enumerate(_chunks(items, batch_size)):
        parsed = None
        # The first batch is read here while the parsing process starts (a second or so).
        if parse_pool is not None and number > 0:
            try:
                parsed = parse_pool.map(prepare, [raw for raw, _source in batch], chunksize=16)
            except RuntimeError:  # BrokenProcessPool, or a pool already shut down
                logger.warning("the parsing process is gone: parsing here", exc_info=True)
                parse_pool = None
        if pending is not None:
            yield from _ingest_batch(*pending, mailbox=mailbox, cache=cache)
        pending = (batch, parsed)
    if pending is not None:
        yield from _ingest_batch(*pending, mailbox=mailbox, cache=cache)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ingest_batch(batch, prepared, *, mailbox, cache) -> list[IngestResult]:
    envelopes = None
    parsed_list: list[ParsedMail | None] = [None] * len(batch)
    if prepared is not None:
        try:
            envelopes, parsed_list = map(list, zip(*prepared, strict=True))
        except Exception:  # a broken worker: parse here instead, message by message
            logger.warning("parsing in the worker process failed", exc_info=True)
            envelopes, parsed_list = None, [None] * len(batch)
    rows = store_many(batch, mailbox=mailbox, envelopes=envelopes)
    for i, (row, (raw, _source), one) in enumerate(zip(rows, batch, parsed_list, strict=True)):
        if one is None and getattr(row, "fresh", False):
            parsed_list[i] = _parsed_or_none(raw)
    # The rows as stored: processing sets their outcome in memory, and a batch written again
    # starts from these.
    stored = [copy_row(row) for row in rows]
    try:
        return _process_batch(rows, batch, parsed_list, cache=cache, savepoints=False)
    except _Redo:
        logger.info("a message of the batch failed: writing the batch again message by message")
        # Contacts read during the rolled-back writing may have been created by it.
        cache.contacts.clear()
        return _process_batch(stored, batch, parsed_list, cache=cache, savepoints=True)


def _process_batch(rows, batch, parsed_list, *, cache, savepoints: bool) -> list[IngestResult]:
    results = []
    # The analyses of the batch's messages (mood, intake, search) become one task each,
    # enqueued in this transaction (kizuna/lib/batching.py).
    opener = cache.opener = BatchOpener()
    later = cache.later = None if savepoints else Later()
    try:
        with transaction.atomic(), batching.batch():
            known = cache.known_ids = routing.KnownIds(
                {mid for one in parsed_list if one is not None for mid in _ids_of(one)},
                before_reading=later.flush if later is not None else None,
            )
            for row, (raw, _source), one in zip(rows, batch, parsed_list, strict=True):
                if one is None:
                    # Read inside `process`: its ids are not known here.
                    known = cache.known_ids = None
                # Outside the message's own savepoint: what the waiting requests write must
                # not roll back with a message that fails.
                if opener.needed_by(row, one):
                    opener.flush(cache=cache)
                if later is not None and not getattr(row, "fresh", False):
                    _flush_or_redo(later)  # a copy: what became of it is read from its row
                # A fresh message that could not be parsed will be quarantined: its own
                # savepoint keeps that from costing the batch a second writing.
                unread = one is None and getattr(row, "fresh", False)
                results.append(
                    process(row, parsed=one, raw=raw, cache=cache, savepoint=savepoints or unread)
                )
                if known is not None:
                    known.recorded.update(_ids_of(one))
            opener.flush(cache=cache)
            if later is not None:
                _flush_or_redo(later)
    finally:
        cache.opener = None
        cache.known_ids = None
        cache.later = None
    return results


def _flush_or_redo(later: Later) -> None:
    try:
        later.flush()
    except _Lost:
        raise _Redo from None  # another process finished one of the rows: each on its own


def _parsed_or_none(raw: bytes) -> ParsedMail | None:
    """The parsed message, or None when it cannot be parsed (`process` then quarantines it
    with the reason)."""
    try:
        return parse_message(bytes(raw))
    except Exception:
        return None
