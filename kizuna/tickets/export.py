"""The audit export: every organization, contact, ticket, message (with its text), attachment
(name, size, sha256), event and resolution report as JSON lines (see docs/export.md for the format).

The export is a snapshot as of its start: rows created while it runs are left for the next
one (PostgreSQL reads in one repeatable-read transaction; on SQLite, which would lock out
writers for as long as a transaction lasts, the highest ids seen at the start bound every
table). It streams with `.iterator()`, so memory stays flat however large the installation.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from kizuna.tickets.models import (
    Attachment,
    Contact,
    Message,
    MessageKind,
    Organization,
    ResolutionReport,
    Ticket,
    TicketEvent,
    format_reference,
)

FORMAT = "kizuna-export"
VERSION = 1
TYPES = ("organization", "contact", "ticket", "message", "attachment", "event", "resolution")
CHUNK = 2000


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class _Peek:
    """An iterator whose next item can be looked at before it is taken."""

    _END = object()

    def __init__(self, iterable):
        self._it = iter(iterable)
        self._next = next(self._it, self._END)

    def peek(self):
        return None if self._next is self._END else self._next

    def take(self):
        item, self._next = self._next, next(self._it, self._END)
        return item


def _person(user_id, username, contact_email) -> dict | None:
    if contact_email:
        return {"contact": contact_email}
    if user_id:
        return {"agent": username}
    return None


def records(*, limits: dict[str, int] | None = None) -> Iterator[dict]:
    """Every record of the export but the header, in the documented order: organizations by
    name, contacts by address, then each ticket (by reference) followed by its messages
    (oldest first, each followed by its attachments) and its events."""
    limits = limits or snapshot_limits()
    for org in Organization.objects.order_by("name", "id").prefetch_related("domains"):
        yield {
            "type": "organization",
            "name": org.name,
            "domains": sorted(d.domain for d in org.domains.all()),
            "timezone": org.timezone,
            "created_at": _time(org.created_at),
        }
    contacts = Contact.objects.select_related("organization").order_by("email", "id")
    for c in contacts.iterator(chunk_size=CHUNK):
        yield {
            "type": "contact",
            "email": c.email,
            "name": c.name,
            "organization": c.organization.name,
            "language": c.language,
            "technical_level": c.technical_level,
            "role": c.role,
            "timezone": c.timezone,
            "mail_charset": c.mail_charset,
            "is_active": c.is_active,
            "created_at": _time(c.created_at),
        }

    tickets = (
        Ticket.objects.filter(id__lte=limits["ticket"])
        .order_by("id")
        .values(
            "id",
            "subject",
            "status",
            "priority",
            "channel",
            "language",
            "organization__name",
            "requester__email",
            "assignee__username",
            "team__name",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "close_reason",
            "next_checkpoint",
            "customer_note",
        )
    )
    messages = _Peek(
        Message.objects.filter(id__lte=limits["message"], ticket_id__lte=limits["ticket"])
        .order_by("ticket_id", "created_at", "id")
        .values(
            "id",
            "ticket_id",
            "kind",
            "author_user_id",
            "author_user__username",
            "author_contact__email",
            "automatic",
            "created_at",
            "body",
            "body_html",
            "email_message_id",
            "mailed_at",
            "mail_suppressed",
        )
        .iterator(chunk_size=CHUNK)
    )
    attachments = _Peek(
        Attachment.objects.filter(
            id__lte=limits["attachment"],
            message_id__lte=limits["message"],
            message__ticket_id__lte=limits["ticket"],
        )
        .order_by("message__ticket_id", "message__created_at", "message_id", "id")
        .values("message_id", "filename", "content_type", "size", "sha256")
        .iterator(chunk_size=CHUNK)
    )
    events = _Peek(
        TicketEvent.objects.filter(id__lte=limits["event"], ticket_id__lte=limits["ticket"])
        .order_by("ticket_id", "created_at", "id")
        .values(
            "ticket_id",
            "kind",
            "actor_user_id",
            "actor_user__username",
            "actor_contact__email",
            "created_at",
            "from_status",
            "to_status",
            "customer_note",
            "checkpoint",
            "data",
        )
        .iterator(chunk_size=CHUNK)
    )
    reports = _Peek(
        ResolutionReport.objects.filter(
            id__lte=limits["resolution"], ticket_id__lte=limits["ticket"]
        )
        .order_by("ticket_id", "created_at", "id")
        .values(
            "ticket_id",
            "cause",
            "done",
            "fully_resolved",
            "recurrence",
            "further_help",
            "message_id",
            "created_by_id",
            "created_by__username",
            "created_at",
        )
        .iterator(chunk_size=CHUNK)
    )
    for t in tickets.iterator(chunk_size=CHUNK):
        ref = format_reference(t["id"])
        message_seq: dict[int, int] = {}
        yield {
            "type": "ticket",
            "ticket": ref,
            "subject": t["subject"],
            "status": t["status"],
            "priority": t["priority"],
            "channel": t["channel"],
            "language": t["language"],
            "organization": t["organization__name"],
            "requester": t["requester__email"],
            "assignee": t["assignee__username"],
            "team": t["team__name"],
            "customer_note": t["customer_note"],
            "next_checkpoint": _time(t["next_checkpoint"]),
            "close_reason": t["close_reason"],
            "created_at": _time(t["created_at"]),
            "updated_at": _time(t["updated_at"]),
            "first_response_at": _time(t["first_response_at"]),
            "resolved_at": _time(t["resolved_at"]),
            "closed_at": _time(t["closed_at"]),
        }
        seq = 0
        while (m := messages.peek()) is not None and m["ticket_id"] == t["id"]:
            messages.take()
            seq += 1
            message_seq[m["id"]] = seq
            yield {
                "type": "message",
                "ticket": ref,
                "seq": seq,
                "kind": m["kind"],
                "internal": m["kind"] == MessageKind.NOTE,
                "author": _person(
                    m["author_user_id"], m["author_user__username"], m["author_contact__email"]
                ),
                "automatic": m["automatic"],
                "created_at": _time(m["created_at"]),
                "email_message_id": m["email_message_id"],
                "mailed_at": _time(m["mailed_at"]),
                "mail_suppressed": m["mail_suppressed"],
                "text": m["body"],
                "html": m["body_html"],
            }
            while (a := attachments.peek()) is not None and a["message_id"] == m["id"]:
                attachments.take()
                yield {
                    "type": "attachment",
                    "ticket": ref,
                    "message": seq,
                    "name": a["filename"],
                    "content_type": a["content_type"],
                    "size": a["size"],
                    "sha256": a["sha256"],
                }
        while (e := events.peek()) is not None and e["ticket_id"] == t["id"]:
            events.take()
            yield {
                "type": "event",
                "ticket": ref,
                "kind": e["kind"],
                "actor": _person(
                    e["actor_user_id"], e["actor_user__username"], e["actor_contact__email"]
                ),
                "created_at": _time(e["created_at"]),
                "from_status": e["from_status"],
                "to_status": e["to_status"],
                "customer_note": e["customer_note"],
                "checkpoint": _time(e["checkpoint"]),
                "data": e["data"],
            }
        while (r := reports.peek()) is not None and r["ticket_id"] == t["id"]:
            reports.take()
            yield {
                "type": "resolution",
                "ticket": ref,
                "created_at": _time(r["created_at"]),
                "by": _person(r["created_by_id"], r["created_by__username"], None),
                "cause": r["cause"],
                "done": r["done"],
                "fully_resolved": r["fully_resolved"],
                "recurrence": r["recurrence"],
                "further_help": r["further_help"],
                # The message that told the customer, by its place in the ticket's messages.
                "message": message_seq.get(r["message_id"]),
            }


def snapshot_limits() -> dict[str, int]:
    """The highest id of each table now: what the export includes."""
    return {
        "ticket": Ticket.objects.aggregate(m=Max("id"))["m"] or 0,
        "message": Message.objects.aggregate(m=Max("id"))["m"] or 0,
        "attachment": Attachment.objects.aggregate(m=Max("id"))["m"] or 0,
        "event": TicketEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        "resolution": ResolutionReport.objects.aggregate(m=Max("id"))["m"] or 0,
    }


def _dump(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def export_write(out: str | Path | IO[str]) -> dict:
    """Write the export to `out` (a path, or an open text stream such as stdout) and return
    the header. A path is written to a temporary file beside it and renamed at the end, so a
    crash never leaves a half-written file under the final name."""
    body = tempfile.TemporaryFile("w+", encoding="utf-8")
    with body:
        exported_at = timezone.now()
        counts = {t: 0 for t in TYPES}
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # One snapshot for every table; a read transaction blocks nobody on PostgreSQL.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                _stream(body, counts)
        else:
            _stream(body, counts)
        header = {
            "type": "header",
            "format": FORMAT,
            "version": VERSION,
            "exported_at": _time(exported_at),
            "counts": counts,
        }
        body.seek(0)
        if not isinstance(out, (str, Path)):
            out.write(_dump(header))
            shutil.copyfileobj(body, out)
            out.flush()
            return header
        target = Path(out)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(_dump(header))
                shutil.copyfileobj(body, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return header


def _stream(fh: IO[str], counts: dict[str, int]) -> None:
    # The header comes first but holds the counts of what follows: the records go to a
    # scratch file first, so the counts are exactly what was written.
    for record in records():
        counts[record["type"]] += 1
        fh.write(_dump(record))
