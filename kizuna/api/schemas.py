"""The JSON shapes of the API, and the functions that turn rows into them.

Rows are turned into dicts by hand (no per-field resolvers): it keeps the shapes in one
readable place and the request path short.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import PlainSerializer, WithJsonSchema

from kizuna.lib.names import person_name
from kizuna.tickets.models import Contact, Message, Organization, Ticket

# Always "+00:00" rather than pydantic's "Z", so every date reads the same way.
Instant = Annotated[
    datetime,
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _local(value: datetime | None, tz: tzinfo | None) -> datetime | None:
    # ISO 8601 with the offset of the agent's own time zone (see auth.AgentToken).
    if value is None:
        return None
    return value.astimezone(tz) if tz is not None else timezone.localtime(value)


class FindingOut(Schema):
    rule: str
    category: str
    principle: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    # Only when the team's standard blocked a message: the error-level findings (P12).
    findings: list[FindingOut] | None = None


class ReplyCheckIn(Schema):
    text: str
    lang: str = "auto"
    audience: str = "general"
    purpose: str = "any"
    # With a ticket: its organization's standard and its contact's technical level apply.
    ticket: str | None = None


class ReplyCheckOut(Schema):
    lang: str
    findings: list[FindingOut]


# The error answers every endpoint may give (see docs/api.md).
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class Ref(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str
    email: str


class AgentOut(Schema):
    id: int
    username: str
    name: str


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    priority: str
    channel: str
    language: str
    organization: Ref
    requester: PersonOut
    assignee: AgentOut | None
    team: Ref | None
    next_checkpoint: Instant | None
    customer_note: str
    is_overdue: bool
    created_at: Instant
    updated_at: Instant
    first_response_at: Instant | None
    resolved_at: Instant | None
    closed_at: Instant | None
    close_reason: str


class TicketPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[TicketOut]


class TicketCreateIn(Schema):
    requester: int | str
    subject: str
    body: str
    priority: str = "normal"
    channel: str = "api"
    language: str | None = None
    team: int | None = None


class TransitionIn(Schema):
    to_status: str
    customer_note: str = ""
    checkpoint: str | None = None
    close_reason: str = ""
    override_check: bool = False


class AssignmentIn(Schema):
    assignee: int | str | None = None
    team: int | None = None
    priority: str | None = None


class AuthorOut(Schema):
    type: str
    id: int | None
    name: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    # GET it with the same token to download the file.
    url: str


class AttachmentIn(Schema):
    filename: str
    content_type: str = "application/octet-stream"
    # The file's bytes, base64-encoded (standard alphabet, padding optional).
    data: str


class MessageOut(Schema):
    id: int
    kind: str
    customer_visible: bool
    automatic: bool
    author: AuthorOut
    body: str
    created_at: Instant
    attachments: list[AttachmentOut]


class MessageIn(Schema):
    body: str
    # Files to send with a reply (internal notes take none).
    attachments: list[AttachmentIn] = []
    # Optional for replies: the next checkpoint this update promises (ISO 8601 with offset).
    checkpoint: str | None = None
    # Send despite error-level findings of the team's standard; recorded for managers.
    override_check: bool = False


class OrganizationOut(Schema):
    id: int
    name: str
    timezone: str
    domains: list[str]
    created_at: Instant


class OrganizationPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[OrganizationOut]


class OrganizationIn(Schema):
    name: str
    domains: list[str] = []
    timezone: str = "Asia/Tokyo"


class ContactOut(Schema):
    id: int
    organization: Ref
    name: str
    email: str
    language: str
    technical_level: str
    role: str
    timezone: str
    mail_charset: str
    is_active: bool
    created_at: Instant


class ContactPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[ContactOut]


class ContactIn(Schema):
    organization: int
    name: str
    email: str
    language: str = "ja"
    technical_level: str = "general"
    role: str = ""
    timezone: str | None = None
    mail_charset: str = "utf-8"


class ContactPatch(Schema):
    name: str | None = None
    language: str | None = None
    technical_level: str | None = None
    role: str | None = None
    timezone: str | None = None
    mail_charset: str | None = None


def _agent(user) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "username": user.get_username(),
        "name": person_name(user),
    }


def ticket_dict(t: Ticket, *, tz: tzinfo | None = None, now: datetime | None = None) -> dict:
    """A ticket as the API shows it. Needs organization, requester, assignee and team loaded."""
    return {
        "id": t.id,
        "reference": t.reference,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "channel": t.channel,
        "language": t.language,
        "organization": {"id": t.organization.id, "name": t.organization.name},
        "requester": {"id": t.requester.id, "name": t.requester.name, "email": t.requester.email},
        "assignee": _agent(t.assignee) if t.assignee_id else None,
        "team": {"id": t.team.id, "name": t.team.name} if t.team_id else None,
        "next_checkpoint": _local(t.next_checkpoint, tz),
        "customer_note": t.customer_note,
        "is_overdue": t.is_overdue(now),
        "created_at": _local(t.created_at, tz),
        "updated_at": _local(t.updated_at, tz),
        "first_response_at": _local(t.first_response_at, tz),
        "resolved_at": _local(t.resolved_at, tz),
        "closed_at": _local(t.closed_at, tz),
        "close_reason": t.close_reason,
    }


def message_dict(m: Message, *, tz: tzinfo | None = None) -> dict:
    """A message as agents see it; `kind` and `customer_visible` flag internal notes."""
    if m.author_contact_id:
        author = {"type": "contact", "id": m.author_contact_id, "name": m.author_contact.name}
    elif m.author_user_id:
        author = {"type": "agent", "id": m.author_user_id, "name": m.author_name}
    else:
        author = {"type": "system", "id": None, "name": "Kizuna"}
    return {
        "id": m.id,
        "kind": m.kind,
        "customer_visible": m.is_customer_visible,
        "automatic": m.automatic,
        "author": author,
        "body": m.body,
        "created_at": _local(m.created_at, tz),
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "url": f"/api/v1/attachments/{a.id}",
            }
            for a in m.attachments.all()
        ],
    }


def organization_dict(o: Organization, *, tz: tzinfo | None = None) -> dict:
    """Needs `domains` prefetched (or accepts the query per row on a single read)."""
    return {
        "id": o.id,
        "name": o.name,
        "timezone": o.timezone,
        "domains": sorted(d.domain for d in o.domains.all()),
        "created_at": _local(o.created_at, tz),
    }


def contact_dict(c: Contact, *, tz: tzinfo | None = None) -> dict:
    return {
        "id": c.id,
        "organization": {"id": c.organization.id, "name": c.organization.name},
        "name": c.name,
        "email": c.email,
        "language": c.language,
        "technical_level": c.technical_level,
        "role": c.role,
        "timezone": c.timezone,
        "mail_charset": c.mail_charset,
        "is_active": c.is_active,
        "created_at": _local(c.created_at, tz),
    }
