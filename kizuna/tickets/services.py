"""Writes to the ticket domain (see docs/overview.md). Every entry point (desk, portal, API,
email, shell) calls these.

Each service owns its transaction, validates before it writes (bad input changes nothing),
records an event in the append-only trail, and hands mail to the background queue only
after the commit.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.lib import savepoints
from kizuna.lib.files import clean_content_type, clean_filename
from kizuna.lib.prepared import PreparedGet
from kizuna.lib.rows import insert_rows, new_row
from kizuna.lib.text import is_blank
from kizuna.tickets import signals, wording, workflow
from kizuna.tickets.access import is_agent
from kizuna.tickets.models import (
    Attachment,
    Channel,
    CloseReason,
    Contact,
    EmailDomain,
    EventKind,
    Language,
    MailCharset,
    Message,
    MessageKind,
    Organization,
    Priority,
    ResolutionReport,
    Status,
    Team,
    TechnicalLevel,
    Ticket,
    TicketEvent,
)
from kizuna.tickets.workflow import TicketError


@dataclass(frozen=True)
class IncomingFile:
    """An attachment as it arrives from a form, the API or a mail part."""

    name: str
    content_type: str
    data: bytes


class ServiceLevels(Protocol):
    """Where promised times come from (kizuna.sla installs its policies at start)."""

    def response_due(
        self, *, organization_id: int, priority: str, now: datetime
    ) -> datetime | None:
        """When the customer will hear from us at the latest; None when no policy applies."""

    def update_due(self, *, organization_id: int, priority: str, now: datetime) -> datetime | None:
        """The latest the next news may come after an update; None when no policy applies."""


_service_levels: ServiceLevels | None = None


def service_levels_install(levels: ServiceLevels | None) -> None:
    global _service_levels
    _service_levels = levels


def response_due(
    priority: str, *, now: datetime | None = None, organization_id: int | None = None
) -> datetime:
    """When the customer will hear from us at the latest (P1): under the organization's SLA
    policy in business time, else KIZUNA_RESPONSE_MINUTES of clock time by priority."""
    now = now or timezone.now()
    if _service_levels is not None and organization_id is not None:
        due = _service_levels.response_due(
            organization_id=organization_id, priority=priority, now=now
        )
        if due is not None:
            return due
    minutes = settings.KIZUNA_RESPONSE_MINUTES.get(
        priority, settings.KIZUNA_RESPONSE_MINUTES["normal"]
    )
    return now + timedelta(minutes=minutes)


def update_due(ticket: Ticket, *, now: datetime) -> datetime:
    """The latest the customer should wait for the next news (P1): the policy's update
    interval in business time, else the first-response time of its priority."""
    if _service_levels is not None:
        due = _service_levels.update_due(
            organization_id=ticket.organization_id, priority=ticket.priority, now=now
        )
        if due is not None:
            return due
    return response_due(ticket.priority, now=now)


# Statuses in which the next update is ours to give: a holding update may answer a passed
# checkpoint, and a checkpoint later than the policy allows needs a reason.
HOLDING_STATUSES = (
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.INVESTIGATING,
    Status.WAITING_THIRD_PARTY,
)
# Suggested times are rounded up to five minutes: that much past the limit needs no reason.
REASON_SLACK = timedelta(minutes=5)
MAX_REASON_CHARS = 500


def _check_checkpoint_reason(
    ticket: Ticket, *, status: str, checkpoint: datetime | None, reason: str | None, now
) -> str:
    """The reason an agent gives for a next update later than the longest wait for news the
    policy allows (P12): required then, and kept with the change. A caller that passes None
    does not ask agents (imports, scripts); the desk and the API always pass what was typed."""
    if reason is None:
        return ""
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_CHARS:
        raise TicketError(
            _("The reason is too long (at most %(max)s characters).") % {"max": MAX_REASON_CHARS},
            field="checkpoint_reason",
        )
    if checkpoint is None or status not in HOLDING_STATUSES:
        return reason
    limit = update_due(ticket, now=now)
    if checkpoint > limit + REASON_SLACK and is_blank(reason):
        raise TicketError(
            _(
                "The next update (%(when)s) is later than the longest wait for news this "
                "request's policy allows (%(limit)s). Say why in the reason field (it is "
                "recorded for the team), or choose an earlier time."
            )
            % {
                "when": timezone.localtime(checkpoint).strftime("%Y-%m-%d %H:%M %Z"),
                "limit": timezone.localtime(limit).strftime("%Y-%m-%d %H:%M %Z"),
            },
            field="checkpoint_reason",
        )
    return reason


@dataclass(frozen=True)
class Commitment:
    """A promise an agent confirmed in their words to the customer: the words and when it
    falls due (P13)."""

    text: str
    due: datetime


MAX_PROMISES = 20


def _check_promises(promises: Sequence[Commitment], *, now: datetime) -> list[Commitment]:
    if len(promises) > MAX_PROMISES:
        raise TicketError(
            _("At most %(max)s promises per message.") % {"max": MAX_PROMISES}, field="promises"
        )
    checked = []
    for n, promise in enumerate(promises):
        field = f"promises.{n}"
        text = " ".join((promise.text or "").split())
        if is_blank(text) or len(text) > 300:
            raise TicketError(
                _("A promise needs its words (1 to 300 characters)."), field=f"{field}.text"
            )
        workflow.check_checkpoint(promise.due, now=now)  # aware, in range, in the future
        checked.append(Commitment(text=text, due=promise.due))
    return checked


def _check_files(files: Sequence[IncomingFile]) -> None:
    limit = settings.KIZUNA_MAX_ATTACHMENT_BYTES
    for f in files:
        if len(f.data) > limit:
            raise TicketError(
                _("“%(name)s” is %(size)s MB; attachments may be at most %(limit)s MB each.")
                % {
                    "name": f.name,
                    "size": f"{len(f.data) / 1048576:.1f}",
                    "limit": f"{limit / 1048576:.0f}",
                },
                field="attachments",
            )


def _store_files(message: Message, files: Sequence[IncomingFile]) -> None:
    """Store one message's files; each is saved as `save()` saves it (the search index
    follows each through post_save)."""
    for f in files:
        digest = Attachment.digest(f.data)
        _attachment(message, f, _stored_files([digest]), digest).save()


def _store_files_many(pairs: Sequence[tuple[Message, Sequence[IncomingFile]]]) -> None:
    """Store the files of many messages (the requests of a batch of mail): one statement to
    find the contents already stored, one to insert all rows. No post_save: the caller's
    `tickets_opened` indexes the requests with their attachments' names."""
    each = [(message, f, Attachment.digest(f.data)) for message, files in pairs for f in files]
    if not each:
        return
    known = _stored_files([digest for _message, _f, digest in each])
    insert_rows([_attachment(message, f, known, digest) for message, f, digest in each])


def _attachment(
    message: Message, f: IncomingFile, known: dict[str, str], digest: str
) -> Attachment:
    """A new attachment row for `f` (whose content has this digest), its content written to
    storage unless `known` (digest to stored name) already has it; `known` then has it for
    the next file of the same content."""
    # A name or type that would break a header (a line break, a control character, a
    # type that is not type/subtype) is made safe here, whichever way the file came.
    att = new_row(
        Attachment,
        message=message,
        filename=clean_filename(f.name),
        content_type=clean_content_type(f.content_type),
        size=len(f.data),
        sha256=digest,
    )
    if digest in known:
        att.file.name = known[digest]
    else:
        att.file.save(digest, ContentFile(f.data), save=False)
        known[digest] = att.file.name
    return att


def _stored_files(digests: list[str], *, per_statement: int = 200) -> dict[str, str]:
    """The name of the file first stored with each of these contents, by digest, for those
    already stored: one plain statement for many (this runs for every file that arrives),
    each digest an indexed lookup of its own, however many rows share a content (a logo in
    every signature)."""
    found: dict[str, str] = {}
    unique = sorted(set(digests))
    one = f"SELECT %s, (SELECT file FROM {Attachment._meta.db_table} WHERE sha256 = %s ORDER BY id LIMIT 1)"
    with connection.cursor() as cursor:
        for start in range(0, len(unique), per_statement):
            chunk = unique[start : start + per_statement]
            cursor.execute(
                " UNION ALL ".join([one] * len(chunk)),
                [value for digest in chunk for value in (digest, digest)],
            )
            found.update((digest, name) for digest, name in cursor.fetchall() if name)
    return found


def _deliver_after_commit(message: Message) -> None:
    """Hand `message` to whoever mails customers (the mail app), inside this transaction."""
    signals.message_for_customer.send(sender=Message, message=message)


class DraftReviewer(Protocol):
    """Reviews what agents write to customers against the team's standard (kizuna.standards
    installs one at start; the ticket domain does not import it)."""

    def check(
        self,
        *,
        ticket: Ticket,
        text: str,
        to_status: str | None,
        field: str,
        override: bool,
        purpose: str | None = None,
    ):
        """Run before the ticket is locked; raise a TicketError to refuse the draft, or
        return what `record` should keep. `purpose` is what the agent said the message is
        (update, bad-news, resolution, closing); None: what the status change implies."""

    def record(self, *, ticket: Ticket, message: Message | None, user, result) -> None:
        """Run inside the transaction that stores the message."""


_reviewer: DraftReviewer | None = None


def draft_reviewer_install(reviewer: DraftReviewer | None) -> None:
    global _reviewer
    _reviewer = reviewer


def _review_draft(
    *,
    ticket: Ticket,
    text: str,
    to_status: str | None,
    field: str,
    override: bool,
    purpose: str | None = None,
):
    if _reviewer is None:
        return None
    return _reviewer.check(
        ticket=ticket,
        text=text,
        to_status=to_status,
        field=field,
        override=override,
        purpose=purpose,
    )


def _send_to_customer(
    ticket: Ticket,
    *,
    body: str,
    actor_user,
    now: datetime,
    automatic: bool = False,
    files: Sequence[IncomingFile] = (),
) -> Message:
    """Store a message for the customer, with its files, and queue its mail (inside the
    caller's transaction: message, files and delivery task commit together)."""
    msg = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.OUTBOUND,
        author_user=actor_user,
        body=body,
        automatic=automatic,
        created_at=now,
    )
    _store_files(msg, files)
    _deliver_after_commit(msg)
    return msg


# Every change to a ticket starts with this read: compiled once (kizuna/lib/prepared.py).
_LOCKED = PreparedGet(lambda: Ticket.objects.select_for_update())


def _locked(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock so concurrent changes apply one after the other."""
    locked = _LOCKED(ticket.pk)
    if locked is None:
        raise Ticket.DoesNotExist("Ticket matching query does not exist.")
    return locked


@dataclass
class NewRequest:
    """A customer's request as `tickets_open` takes it, checked by `request_checked`."""

    requester: Contact
    subject: str
    body: str
    priority: str = Priority.NORMAL
    channel: str = Channel.PORTAL
    language: str | None = None
    files: Sequence[IncomingFile] = ()
    actor_user: object = None
    team: Team | None = None
    email_message_id: str = ""
    body_html: str = ""
    follows: Ticket | None = None


def request_checked(request: NewRequest) -> NewRequest:
    """The request with its subject and text tidied, or a TicketError saying what is wrong
    with it (nothing is written)."""
    subject = " ".join((request.subject or "").split())
    body = (request.body or "").strip()
    if is_blank(subject):
        raise TicketError(_("A request needs a subject."), field="subject")
    if len(subject) > 250:
        raise TicketError(_("The subject is too long (at most 250 characters)."), field="subject")
    if not body:
        raise TicketError(_("Describe the request: the message is empty."), field="body")
    _check_choice(request.priority, Priority, field="priority")
    _check_choice(request.channel, Channel, field="channel")
    language = _check_choice(
        request.language or request.requester.language, Language, field="language"
    )
    if not request.requester.is_active:
        raise TicketError(_("This contact is deactivated."), field="requester")
    _check_files(request.files)
    return replace(request, subject=subject, body=body, language=language)


def ticket_open(
    *,
    requester: Contact,
    subject: str,
    body: str,
    priority: str = Priority.NORMAL,
    channel: str = Channel.PORTAL,
    language: str | None = None,
    files: Sequence[IncomingFile] = (),
    actor_user=None,
    team: Team | None = None,
    email_message_id: str = "",
    body_html: str = "",
    follows: Ticket | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket from a customer's request and acknowledge it at once (P1). `follows` is
    the closed request this one continues (both pages show the link).

    The request is stored as the customer's first message (`ticket.request_message`), with
    the Message-ID and sanitised HTML of the mail it came in, if any; the acknowledgement gives
    the reference and the time by which we will respond, and that time becomes the first
    checkpoint.
    """
    request = NewRequest(
        requester=requester,
        subject=subject,
        body=body,
        priority=priority,
        channel=channel,
        language=language,
        files=files,
        actor_user=actor_user,
        team=team,
        email_message_id=email_message_id,
        body_html=body_html,
        follows=follows,
    )
    return tickets_open([request], now=now)[0]


@savepoints.atomic
def tickets_open(requests: Sequence[NewRequest], *, now: datetime | None = None) -> list[Ticket]:
    """Open a ticket for each request, as `ticket_open` does, in one statement per table (a
    batch of mail opens hundreds). Every request is checked first: one that is not valid
    raises its TicketError and nothing is written."""
    requests = [request_checked(r) for r in requests]
    if not requests:
        return []
    now = now or timezone.now()
    # One business-time reckoning per organization and priority, not per request.
    due_for: dict[tuple[str, int], datetime] = {}
    for r in requests:
        key = (r.priority, r.requester.organization_id)
        if key not in due_for:
            due_for[key] = response_due(r.priority, now=now, organization_id=key[1])
    dues = [due_for[r.priority, r.requester.organization_id] for r in requests]
    tickets = insert_rows(
        [
            new_row(
                Ticket,
                organization_id=r.requester.organization_id,
                requester=r.requester,
                subject=r.subject,
                priority=r.priority,
                channel=r.channel,
                language=r.language,
                team=r.team,
                follows=r.follows,
                created_at=now,
                updated_at=now,
                next_checkpoint=due,
                # The queue's order until the service levels add their deadlines (they keep
                # it when none of theirs falls earlier, with no second write).
                next_due=due,
            )
            for r, due in zip(requests, dues, strict=True)
        ]
    )
    # The acknowledgement names the reference, known once the ticket is stored.
    for ticket, r, due in zip(tickets, requests, dues, strict=True):
        ticket.requester = r.requester
        ticket.customer_note = wording.acknowledgement_text(ticket, due)
    messages = insert_rows(
        [
            message
            for ticket, r in zip(tickets, requests, strict=True)
            for message in (
                new_row(
                    Message,
                    ticket=ticket,
                    kind=MessageKind.INBOUND,
                    author_contact=r.requester,
                    body=r.body,
                    body_html=r.body_html,
                    email_message_id=r.email_message_id,
                    created_at=now,
                ),
                new_row(
                    Message,
                    ticket=ticket,
                    kind=MessageKind.OUTBOUND,
                    body=ticket.customer_note,
                    automatic=True,
                    created_at=now,
                ),
            )
        ]
    )
    # One prepared statement for all (bulk_update's CASE over hundreds of ids costs more).
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Ticket._meta.db_table} SET customer_note = %s WHERE id = %s",
            [(ticket.customer_note, ticket.pk) for ticket in tickets],
        )
    insert_rows(
        [
            event
            for ticket, r, due in zip(tickets, requests, dues, strict=True)
            for event in (
                new_row(
                    TicketEvent,
                    ticket=ticket,
                    kind=EventKind.CREATED,
                    actor_user=r.actor_user,
                    actor_contact=None if r.actor_user else r.requester,
                    created_at=now,
                    to_status=Status.NEW,
                    data={
                        "channel": r.channel,
                        "priority": r.priority,
                        **({"follows": r.follows.id} if r.follows is not None else {}),
                    },
                ),
                new_row(
                    TicketEvent,
                    ticket=ticket,
                    kind=EventKind.ACKNOWLEDGED,
                    created_at=now,
                    customer_note=ticket.customer_note,
                    checkpoint=due,
                ),
            )
        ]
    )
    for n, ticket in enumerate(tickets):
        ticket.request_message = messages[2 * n]
    _store_files_many(
        [(t.request_message, r.files) for t, r in zip(tickets, requests, strict=True)]
    )
    for n, ticket in enumerate(tickets):
        request, ack = messages[2 * n], messages[2 * n + 1]
        signals.message_received.send(sender=Message, message=request, ticket=ticket, first=True)
        _deliver_after_commit(ack)
    signals.tickets_opened.send(sender=Ticket, tickets=tickets, now=now)
    return tickets


def _promised(ticket: Ticket, message, promises: list[Commitment], *, actor_user, now) -> None:
    """Record the promises confirmed with a message (after the clocks moved for it, so that
    the message itself keeps none of them), with an event each in the history."""
    if not promises or message is None:
        return
    insert_rows(
        [
            TicketEvent(
                ticket=ticket,
                kind=EventKind.PROMISE,
                actor_user=actor_user,
                created_at=now,
                checkpoint=p.due,
                data={"message": message.id, "text": p.text},
            )
            for p in promises
        ]
    )
    signals.promises_made.send(
        sender=Ticket,
        ticket=ticket,
        message=message,
        promises=promises,
        actor_user=actor_user,
        now=now,
    )


def _changed(ticket: Ticket, *, now, from_status, by_agent: bool, customer_visible: bool) -> None:
    signals.ticket_changed.send(
        sender=Ticket,
        ticket=ticket,
        now=now,
        from_status=from_status,
        by_agent=by_agent,
        customer_visible=customer_visible,
    )


def ticket_transition(
    *,
    ticket: Ticket,
    actor_user,
    to_status: str,
    customer_note: str = "",
    checkpoint: datetime | None = None,
    close_reason: str = "",
    override_check: bool = False,
    checkpoint_reason: str | None = None,
    promises: Sequence[Commitment] = (),
    resolution: workflow.ResolutionAnswers | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket to another status under the rules of `workflow` (P1, P10).

    Resolving needs `resolution`, P2's answers (what caused it; what was done and what
    remains; fully resolved or not; optionally whether it can recur): they are kept on the
    ticket with the message that told the customer.

    The customer note becomes a message the customer sees (and is mailed); the checkpoint
    becomes the next promised update. The note is checked against the team's standard
    (when resolving, as a resolution report, P2); error findings block the change unless
    `override_check` is set, and an override is recorded for managers. A checkpoint later
    than the policy's longest wait for news needs `checkpoint_reason` (when not None).

    The checker's result (findings of every severity) is left on the returned ticket as
    `check_result` (None when there was no note to check).
    """
    now = now or timezone.now()

    def checked_change(status: str) -> workflow.Transition:
        return workflow.check_transition(
            from_status=status,
            to_status=to_status,
            customer_note=customer_note,
            checkpoint=checkpoint,
            close_reason=close_reason,
            now=now,
        )

    # The note is checked before the ticket is locked: checking takes time in proportion
    # to the text, and no transaction (on SQLite: no write lock) may wait for it.
    change = checked_change(ticket.status)
    report = None
    if change.to_status == Status.RESOLVED:
        report = workflow.check_resolution(resolution)
    elif resolution is not None and any(vars(resolution).values()):
        raise TicketError(_("A resolution report only goes with resolving."), field="resolution")
    reason = _check_checkpoint_reason(
        ticket, status=to_status, checkpoint=change.checkpoint, reason=checkpoint_reason, now=now
    )
    promises = _check_promises(promises, now=now) if change.customer_note else []
    result = None
    if change.customer_note:
        result = _review_draft(
            ticket=ticket,
            text=change.customer_note,
            to_status=change.to_status,
            field="customer_note",
            override=override_check,
        )
    with transaction.atomic():
        locked = _locked(ticket)
        # Someone may have moved the ticket meanwhile: the rules apply to its status now.
        change = checked_change(locked.status)
        locked.requester = ticket.requester
        msg = _apply(
            locked,
            change,
            actor_user=actor_user,
            now=now,
            automatic=False,
            kind=EventKind.STATUS,
            reason=reason,
        )
        _promised(locked, msg, promises, actor_user=actor_user, now=now)
        if report is not None:
            ResolutionReport.objects.create(
                ticket=locked,
                message=msg,
                created_by=actor_user,
                created_at=now,
                **vars(report),
            )
        if result is not None:
            _reviewer.record(ticket=locked, message=msg, user=actor_user, result=result)
    _copy(locked, ticket)
    ticket.check_result = result
    return ticket


def _apply(
    ticket: Ticket,
    change: workflow.Transition,
    *,
    actor_user,
    now,
    automatic: bool,
    kind: str,
    reason: str = "",
    actor_contact: Contact | None = None,
    data: dict | None = None,
) -> Message | None:
    from_status = ticket.status
    ticket.status = change.to_status
    ticket.updated_at = now
    fields = ["status", "updated_at", "next_checkpoint", "customer_note"]
    if change.to_status == Status.CLOSED:
        ticket.next_checkpoint = None
        ticket.closed_at = now
        ticket.close_reason = change.close_reason
        fields += ["closed_at", "close_reason"]
    else:
        ticket.next_checkpoint = change.checkpoint
        ticket.customer_note = change.customer_note
        ticket.closed_at = None
        ticket.close_reason = ""
        fields += ["closed_at", "close_reason"]
    if change.to_status == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif from_status in (Status.RESOLVED, Status.CLOSED) and change.to_status != Status.CLOSED:
        ticket.resolved_at = None
        fields.append("resolved_at")
    if actor_user is not None and ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    ticket.save(update_fields=fields)
    msg = None
    if change.customer_note:
        body = change.customer_note if automatic else wording.status_message_text(ticket, change)
        msg = _send_to_customer(
            ticket, body=body, actor_user=actor_user, now=now, automatic=automatic
        )
    _event(
        ticket=ticket,
        kind=kind,
        actor_user=actor_user,
        actor_contact=actor_contact,
        created_at=now,
        from_status=from_status,
        to_status=change.to_status,
        customer_note=change.customer_note,
        checkpoint=change.checkpoint,
        data={
            **{
                key: value
                for key, value in (
                    ("close_reason", change.close_reason),
                    ("checkpoint_reason", reason),
                )
                if value
            },
            **(data or {}),
        },
    )
    _changed(
        ticket,
        now=now,
        from_status=from_status,
        by_agent=actor_user is not None and not automatic,
        customer_visible=msg is not None and not automatic,
    )
    return msg


def _event(**fields) -> TicketEvent:
    """Append an event to the audit trail (one plain insert: events are only ever added)."""
    return insert_rows([new_row(TicketEvent, **fields)])[0]


def _touch(ticket: Ticket, now: datetime) -> None:
    """Record that the ticket changed at `now`, and nothing else, in one plain statement
    (search, clocks and the queue's order follow other fields: nothing else need know)."""
    ticket.updated_at = now
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} SET updated_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(now), ticket.pk],
        )


def _copy(src: Ticket, dst: Ticket) -> None:
    for field in (
        "status",
        "updated_at",
        "next_checkpoint",
        "customer_note",
        "closed_at",
        "close_reason",
        "resolved_at",
        "first_response_at",
        "assignee_id",
        "team_id",
    ):
        setattr(dst, field, getattr(src, field))


def ticket_reply(
    *,
    ticket: Ticket,
    actor_user,
    body: str,
    files: Sequence[IncomingFile] = (),
    checkpoint: datetime | None = None,
    override_check: bool = False,
    acknowledge: bool = True,
    checkpoint_reason: str | None = None,
    promises: Sequence[Commitment] = (),
    purpose: str | None = None,
    now: datetime | None = None,
) -> Message:
    """Send the customer a message from an agent; it is mailed after the commit.

    `purpose` says what the message is (update, bad-news, resolution, closing): the checker
    then runs that purpose's rules too (P2, P10, P11).

    The reply is checked against the team's standard first (P2–P8, P11): error findings
    block it unless `override_check` is set, and an override is recorded for managers.
    A reply that is an update may promise the next one: with `checkpoint`, the ticket's next
    checkpoint moves there and the message ends with that date and time (P1, P13).

    The customer's view follows every reply (P1): the reply becomes "what we are doing now";
    without a checkpoint, a next update already promised stays, and one that has passed
    moves to the end of the policy's update interval. The first reply to a new ticket
    acknowledges it, unless `acknowledge` is false. A checkpoint later than the policy's
    longest wait for news needs `checkpoint_reason` (when not None).
    """
    body = (body or "").strip()
    if not body:
        raise TicketError(_("The reply is empty."), field="body")
    if purpose is not None and purpose not in workflow.MESSAGE_PURPOSES:
        raise TicketError(
            _("Unknown purpose “%(value)s”; use one of %(known)s.")
            % {"value": purpose, "known": ", ".join(workflow.MESSAGE_PURPOSES)},
            field="purpose",
        )
    _check_files(files)
    now = now or timezone.now()
    if checkpoint is not None:
        workflow.check_checkpoint(checkpoint, now=now)
    _refuse_closed(ticket)
    status_after = (
        Status.ACKNOWLEDGED if acknowledge and ticket.status == Status.NEW else ticket.status
    )
    reason = _check_checkpoint_reason(
        ticket, status=status_after, checkpoint=checkpoint, reason=checkpoint_reason, now=now
    )
    promises = _check_promises(promises, now=now)
    # Checked before the ticket is locked: no transaction waits for the checker.
    result = _review_draft(
        ticket=ticket,
        text=body,
        to_status=None,
        field="body",
        override=override_check,
        purpose=purpose,
    )
    with transaction.atomic():
        locked = _locked(ticket)
        _refuse_closed(locked)
        locked.requester = ticket.requester
        sent = body
        if checkpoint is not None:
            sent = f"{body}\n\n{wording.next_update_line(locked, checkpoint, resolved=False)}"
        msg = _send_to_customer(locked, body=sent, actor_user=actor_user, now=now, files=files)
        from_status = locked.status
        if checkpoint is None and (locked.next_checkpoint is None or locked.next_checkpoint <= now):
            checkpoint = update_due(locked, now=now)
        fields = ["updated_at", "customer_note"]
        locked.updated_at = now
        locked.customer_note = body
        if checkpoint is not None:
            locked.next_checkpoint = checkpoint
            fields.append("next_checkpoint")
        if locked.first_response_at is None:
            locked.first_response_at = now
            fields.append("first_response_at")
        if acknowledge and from_status == Status.NEW:
            locked.status = Status.ACKNOWLEDGED
            fields.append("status")
        locked.save(update_fields=fields)
        events = [
            TicketEvent(
                ticket=locked,
                kind=EventKind.REPLY,
                actor_user=actor_user,
                created_at=now,
                checkpoint=checkpoint,
                data={"message": msg.id, **({"checkpoint_reason": reason} if reason else {})},
            )
        ]
        if locked.status != from_status:
            events.append(
                TicketEvent(
                    ticket=locked,
                    kind=EventKind.STATUS,
                    actor_user=actor_user,
                    created_at=now,
                    from_status=from_status,
                    to_status=locked.status,
                    customer_note=body,
                    checkpoint=locked.next_checkpoint,
                    data={"by_reply": msg.id},
                )
            )
        insert_rows(events)
        _changed(locked, now=now, from_status=from_status, by_agent=True, customer_visible=True)
        _promised(locked, msg, promises, actor_user=actor_user, now=now)
        if result is not None:
            _reviewer.record(ticket=locked, message=msg, user=actor_user, result=result)
    _copy(locked, ticket)
    msg.check_result = result
    return msg


def _refuse_closed(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise TicketError(
            _("This ticket is closed; open a new one to write to the customer."), field="status"
        )


@transaction.atomic
def ticket_note(*, ticket: Ticket, actor_user, body: str, now: datetime | None = None) -> Message:
    """Add an internal note: agents only, never shown or mailed to a customer."""
    body = (body or "").strip()
    if not body:
        raise TicketError(_("The note is empty."), field="body")
    now = now or timezone.now()
    msg = Message.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author_user=actor_user, body=body, created_at=now
    )
    _event(
        ticket=ticket,
        kind=EventKind.NOTE,
        actor_user=actor_user,
        created_at=now,
        data={"message": msg.id},
    )
    return msg


@transaction.atomic
def ticket_holding_update(*, ticket: Ticket, now: datetime | None = None) -> Message | None:
    """Tell the customer, in Kizuna's own words, that work goes on and when the next update
    comes (the policy's update interval from now): sent when a checkpoint passed with no
    update and the policy asks for it. None when the ticket no longer waits on us."""
    now = now or timezone.now()
    locked = _locked(ticket)
    if locked.status not in HOLDING_STATUSES:
        return None
    locked.requester = ticket.requester
    due = update_due(locked, now=now)
    note = wording.holding_note(locked, due)
    locked.next_checkpoint, locked.customer_note, locked.updated_at = due, note, now
    locked.save(update_fields=["next_checkpoint", "customer_note", "updated_at"])
    msg = _send_to_customer(locked, body=note, actor_user=None, now=now, automatic=True)
    _event(
        ticket=locked,
        kind=EventKind.REPLY,
        created_at=now,
        customer_note=note,
        checkpoint=due,
        data={"message": msg.id, "holding_update": True},
    )
    _changed(locked, now=now, from_status=locked.status, by_agent=False, customer_visible=True)
    _copy(locked, ticket)
    return msg


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    actor_user,
    assignee=None,
    team: Team | None = None,
    priority: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to an agent and/or a team, and optionally change its priority; the
    change is recorded. The next checkpoint stays as promised to the customer."""

    if assignee is not None and not is_agent(assignee):
        raise TicketError(_("“%(name)s” is not an agent.") % {"name": assignee}, field="assignee")
    if priority is not None:
        _check_choice(priority, Priority, field="priority")
    now = now or timezone.now()
    locked = _locked(ticket)
    before = {"assignee": locked.assignee_id, "team": locked.team_id, "priority": locked.priority}
    locked.assignee = assignee
    locked.team = team
    locked.priority = priority or locked.priority
    locked.updated_at = now
    locked.save(update_fields=["assignee", "team", "priority", "updated_at"])
    after = {"assignee": locked.assignee_id, "team": locked.team_id, "priority": locked.priority}
    _event(
        ticket=locked,
        kind=EventKind.ASSIGNED,
        actor_user=actor_user,
        created_at=now,
        data={"before": before, "after": after},
    )
    _copy(locked, ticket)
    ticket.assignee, ticket.team, ticket.priority = assignee, team, locked.priority
    return ticket


@savepoints.atomic
def ticket_customer_reply(
    *,
    ticket: Ticket,
    contact: Contact,
    body: str,
    files: Sequence[IncomingFile] = (),
    email_message_id: str = "",
    body_html: str = "",
    now: datetime | None = None,
    ticket_locked: bool = False,
) -> Message:
    """Record a customer's message (with the Message-ID and sanitised HTML of the mail it came
    in, if any). A reply to a resolved ticket reopens it; an answer we were waiting for puts
    it back into investigation, with a new checkpoint (P1). `ticket_locked`: the caller read
    `ticket` under a row lock in the transaction this runs in (it is not read again)."""
    body = (body or "").strip()
    if not body:
        raise TicketError(_("The message is empty."), field="body")
    _check_files(files)
    now = now or timezone.now()
    locked = ticket if ticket_locked else _locked(ticket)
    if locked.status == Status.CLOSED and not reply_reopens_closed(locked, now=now):
        raise TicketError(
            _("This request is closed. Please open a new request; you can mention %(ref)s in it.")
            % {"ref": locked.reference},
            field="status",
        )
    msg = Message.objects.create(
        ticket=locked,
        kind=MessageKind.INBOUND,
        author_contact=contact,
        body=body,
        body_html=body_html,
        email_message_id=email_message_id,
        created_at=now,
    )
    _store_files(msg, files)
    signals.message_received.send(sender=Message, message=msg, ticket=locked, first=False)
    _event(
        ticket=locked,
        kind=EventKind.CUSTOMER_REPLY,
        actor_contact=contact,
        created_at=now,
        data={"message": msg.id},
    )
    resumed = workflow.CUSTOMER_REPLY_RESUMES.get(locked.status)
    if resumed:
        due = response_due(locked.priority, now=now, organization_id=locked.organization_id)
        locked.requester = ticket.requester
        reopened = locked.status in (Status.RESOLVED, Status.CLOSED)
        change = workflow.Transition(
            resumed, wording.resume_note(locked, due, reopened=reopened), due, ""
        )
        _apply(
            locked,
            change,
            actor_user=None,
            now=now,
            automatic=True,
            kind=EventKind.REOPENED if reopened else EventKind.STATUS,
        )
    else:
        _touch(locked, now)
    _copy(locked, ticket)
    return msg


def reopen_days(ticket: Ticket) -> int:
    """How many days after closing a customer's answer still reopens the request (P10)."""
    team = ticket.team if ticket.team_id else None
    return team.reopen_days if team is not None else settings.KIZUNA_REOPEN_DAYS


def reply_reopens_closed(ticket: Ticket, *, now: datetime) -> bool:
    """Whether a customer's answer to this closed request reopens it: closed as resolved or
    withdrawn, within its team's reopen window. Otherwise the answer opens a new request,
    linked to this one."""
    return (
        ticket.status == Status.CLOSED
        and ticket.closed_at is not None
        and ticket.close_reason in workflow.REOPENABLE_CLOSE_REASONS
        and now - ticket.closed_at <= timedelta(days=reopen_days(ticket))
    )


@transaction.atomic
def ticket_notice(
    *, ticket: Ticket, body: str, kind: str, data: dict, now: datetime | None = None
) -> Message | None:
    """Send the customer a message Kizuna writes by itself (a reminder), with its event.
    None when the ticket closed meanwhile."""
    now = now or timezone.now()
    locked = _locked(ticket)
    if locked.status == Status.CLOSED:
        return None
    msg = _send_to_customer(locked, body=body, actor_user=None, now=now, automatic=True)
    _touch(locked, now)
    _event(ticket=locked, kind=kind, created_at=now, data={"message": msg.id, **data})
    _copy(locked, ticket)
    return msg


def _close_resolved(
    ticket: Ticket, *, note: str, now: datetime, actor_contact=None, data: dict
) -> bool:
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status != Status.RESOLVED:
            return False
        locked.requester = ticket.requester
        change = workflow.Transition(Status.CLOSED, note, None, CloseReason.RESOLVED)
        _apply(
            locked,
            change,
            actor_user=None,
            now=now,
            automatic=True,
            kind=EventKind.STATUS,
            actor_contact=actor_contact,
            data=data,
        )
    _copy(locked, ticket)
    return True


def ticket_close_for_customer(*, ticket: Ticket, contact: Contact | None, now=None) -> bool:
    """The customer confirms their resolved request may be closed (P10). False, and nothing
    changes, when it is no longer resolved (closed already, or reopened)."""
    return _close_resolved(
        ticket,
        note="",
        now=now or timezone.now(),
        actor_contact=contact,
        data={"by_customer": True},
    )


def ticket_close_automatically(*, ticket: Ticket, note: str, now=None) -> bool:
    """Close a resolved request the customer did not answer, telling them with `note` (the
    auto-close letter). False, and nothing changes, when it is no longer resolved."""
    return _close_resolved(ticket, note=note, now=now or timezone.now(), data={"auto_close": True})


# --- Organizations and contacts -------------------------------------------------------------

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _check_timezone(name: str, *, field: str = "timezone") -> str:
    name = (name or "").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise TicketError(
            _("Unknown time zone “%(tz)s”; use an IANA name such as Asia/Tokyo.") % {"tz": name},
            field=field,
        ) from None
    return name


def _check_choice(value: str, choices, *, field: str) -> str:
    if not isinstance(value, str) or value not in _choice_values(choices):
        raise TicketError(
            _("Unknown %(field)s “%(value)s”. Use one of: %(known)s.")
            % {
                "field": field.replace("_", " "),
                "value": value,
                "known": ", ".join(choices.values),
            },
            field=field,
        )
    return value


@functools.cache
def _choice_values(choices) -> frozenset[str]:
    # Django builds the list of values afresh at each use; this runs for every new request.
    return frozenset(choices.values)


@transaction.atomic
def organization_create(
    *, name: str, domains: Sequence[str] = (), timezone_name: str = "Asia/Tokyo"
) -> Organization:
    """Create a customer organization with the mail domains that identify its contacts."""
    name = " ".join((name or "").split())
    if not name:
        raise TicketError(_("An organization needs a name."), field="name")
    if len(name) > 200:
        raise TicketError(_("The name is too long (at most 200 characters)."), field="name")
    if Organization.objects.filter(name__iexact=name).exists():
        raise TicketError(
            _("An organization named “%(name)s” already exists.") % {"name": name}, field="name"
        )
    tzname = _check_timezone(timezone_name)
    clean: list[str] = []
    for raw in domains:
        domain = (raw or "").strip().lower().lstrip("@")
        if not _DOMAIN_RE.match(domain):
            raise TicketError(
                _("“%(d)s” is not a mail domain such as example.co.jp.") % {"d": raw},
                field="domains",
            )
        if domain not in clean:
            clean.append(domain)
    taken = EmailDomain.objects.filter(domain__in=clean).select_related("organization").first()
    if taken:
        raise TicketError(
            _("The domain %(d)s already belongs to %(org)s.")
            % {"d": taken.domain, "org": taken.organization.name},
            field="domains",
        )
    org = Organization.objects.create(name=name, timezone=tzname)
    EmailDomain.objects.bulk_create([EmailDomain(organization=org, domain=d) for d in clean])
    return org


def _contact_fields(fields: dict) -> dict:
    clean = {}
    if "name" in fields:
        name = " ".join((fields["name"] or "").split())
        if not name:
            raise TicketError(_("A contact needs a name."), field="name")
        clean["name"] = name[:200]
    if "language" in fields:
        clean["language"] = _check_choice(fields["language"], Language, field="language")
    if "technical_level" in fields:
        clean["technical_level"] = _check_choice(
            fields["technical_level"], TechnicalLevel, field="technical_level"
        )
    if "role" in fields:
        clean["role"] = (fields["role"] or "").strip()[:100]
    if "timezone" in fields:
        clean["timezone"] = _check_timezone(fields["timezone"])
    if "mail_charset" in fields:
        clean["mail_charset"] = _check_choice(
            fields["mail_charset"], MailCharset, field="mail_charset"
        )
    if "sees_organization" in fields:
        if not isinstance(fields["sees_organization"], bool):
            raise TicketError(_("“sees_organization” is true or false."), field="sees_organization")
        clean["sees_organization"] = fields["sees_organization"]
    return clean


@savepoints.atomic
def contact_create(
    *,
    organization: Organization,
    name: str,
    email: str,
    language: str = Language.JA,
    technical_level: str = TechnicalLevel.GENERAL,
    role: str = "",
    timezone_name: str | None = None,
    mail_charset: str = MailCharset.UTF8,
) -> Contact:
    """Register a customer contact; technical level and language shape every reply (P5, P6);
    `mail_charset` is `iso-2022-jp` for legacy Japanese mail clients."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise TicketError(
            _("“%(e)s” is not an email address.") % {"e": email}, field="email"
        ) from None
    if Contact.objects.filter(email=email).exists():
        raise TicketError(
            _("A contact with the address %(e)s already exists.") % {"e": email}, field="email"
        )
    fields = _contact_fields(
        {
            "name": name,
            "language": language,
            "technical_level": technical_level,
            "role": role,
            "timezone": timezone_name or organization.timezone,
            "mail_charset": mail_charset,
        }
    )
    return Contact.objects.create(organization=organization, email=email, **fields)


@transaction.atomic
def contact_update(*, contact: Contact, **fields) -> Contact:
    """Change a contact's name, language, technical level, role, time zone, mail encoding, or
    whether they see all of their organization's requests in the portal.

    Only the given fields change; an unknown field or value changes nothing.
    """
    allowed = {
        "name",
        "language",
        "technical_level",
        "role",
        "timezone",
        "mail_charset",
        "sees_organization",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TicketError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    clean = _contact_fields(fields)
    for key, value in clean.items():
        setattr(contact, key, value)
    if clean:
        contact.save(update_fields=list(clean))
    return contact
