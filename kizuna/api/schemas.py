"""The JSON shapes of the API, and the functions that turn rows into them.

Rows are turned into dicts by hand (no per-field resolvers): it keeps the shapes in one
readable place and the request path short.

Request bodies derive from `In`: a field the request does not define (unknown, or one that
cannot be set, such as `id` or `email` when changing a contact) is refused rather than
silently ignored, and every string is checked for what no field may hold (kizuna.lib.text).
Closed sets of values (statuses, priorities, languages…) are listed as enums in the OpenAPI
document; the services say which value is wrong when another one is sent.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from kizuna.lib import files
from kizuna.lib.ids import MAX_ID, looks_like_id, parse_id
from kizuna.lib.names import person_name
from kizuna.lib.text import is_blank, text_problem
from kizuna.lib.timefmt import localtime_or_utc
from kizuna.replycheck.findings import AUDIENCES, CATEGORIES, PURPOSES, SEVERITIES
from kizuna.tickets.models import (
    Channel,
    CloseReason,
    Contact,
    Language,
    MailCharset,
    Message,
    MessageKind,
    Organization,
    Priority,
    Resolved,
    Status,
    TechnicalLevel,
    Ticket,
    format_reference,
)

# Always "+00:00" rather than pydantic's "Z", so every date reads the same way.
Instant = Annotated[
    datetime,
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def one_of(*values: str) -> Any:
    """A string from a closed set, listed as an enum in the OpenAPI document. The value is
    checked by the service that uses it, which names the field and the allowed values."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


StatusName = one_of(*Status.values)
PriorityName = one_of(*Priority.values)
ChannelName = one_of(*Channel.values)
LanguageName = one_of(*Language.values)
TechnicalLevelName = one_of(*TechnicalLevel.values)
MailCharsetName = one_of(*MailCharset.values)
CloseReasonName = one_of(*CloseReason.values)


# --- Checked input --------------------------------------------------------------------------


def _invalid(reason: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_value", "{reason}", {"reason": reason})


def _text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise _invalid(problem)
    return value


def _line(value: str) -> str:
    problem = text_problem(value, single_line=True)
    if problem:
        raise _invalid(problem)
    return value


def _subject(value: str) -> str:
    if is_blank(value):
        raise _invalid(_("It is empty, or made only of spaces and invisible characters."))
    return value


def _visible_or_empty(value: str) -> str:
    # Only invisible characters reads as nothing: the service then says the text is empty.
    return "" if is_blank(value) else value


def _filename(value: str) -> str:
    if not value.strip():
        raise _invalid(_("A file needs a name."))
    return value


def _content_type(value: str) -> str:
    if not files.is_content_type(value):
        raise _invalid(
            _(
                "Give a media type such as text/plain or application/pdf (type/subtype, "
                "without parameters)."
            )
        )
    return value.lower()


def _id(value: Any) -> Any:
    # JSON true is not the id 1, and "１２", "³" or " 1" are not ids either.
    if isinstance(value, bool) or (isinstance(value, str) and not looks_like_id(value)):
        raise _invalid(_("Give an id: a whole number such as 12."))
    if looks_like_id(value) and parse_id(value) is None:
        raise _invalid(_("No such id: ids are whole numbers from 1 to %(max)s.") % {"max": MAX_ID})
    return value


def _id_or_name(value: Any) -> Any:
    if isinstance(value, bool):
        raise _invalid(_("Give an id (a whole number) or a name."))
    return value


# What `_text` and `_line` accept, as the OpenAPI document says it (ECMA-262 patterns): no
# control characters but tab and line breaks, and none at all in a single line. (Neither
# can say "no lone surrogate"; no JSON text that is valid Unicode holds one.)
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
LINE_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$"
_DOC_TEXT = Field(json_schema_extra={"pattern": TEXT_PATTERN})
_DOC_LINE = Field(json_schema_extra={"pattern": LINE_PATTERN})

# Multi-line text (a message body, a note); no upper bound of its own.
Text = Annotated[str, AfterValidator(_text), _DOC_TEXT]
# Text that only invisible characters would leave looking empty: treated as empty.
Body = Annotated[str, AfterValidator(_text), AfterValidator(_visible_or_empty), _DOC_TEXT]


def Line(max_length: int, **doc: Any) -> Any:  # noqa: N802 (a type, used like one)
    """One line of text of at most `max_length` characters (the column's size); `doc` adds
    to its description in the OpenAPI document (a format, an example)."""
    return Annotated[
        str,
        Field(max_length=max_length),
        AfterValidator(_line),
        Field(json_schema_extra={"pattern": LINE_PATTERN, **doc}),
    ]


Subject = Annotated[
    str, Field(max_length=250), AfterValidator(_line), AfterValidator(_subject), _DOC_LINE
]
FileName = Annotated[
    str,
    Field(max_length=files.MAX_NAME),
    AfterValidator(_line),
    AfterValidator(_filename),
    _DOC_LINE,
]
ContentType = Annotated[
    str,
    Field(max_length=files.MAX_TYPE),
    AfterValidator(_content_type),
    WithJsonSchema(
        {"type": "string", "maxLength": files.MAX_TYPE, "pattern": files.CONTENT_TYPE_PATTERN}
    ),
]
# A row's id: a whole number that fits the database (1 … 2**63-1).
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_id)]
IdOrName = Annotated[int | str, BeforeValidator(_id_or_name)]
# A query parameter's text: checked like any input, single line.
QueryText = Annotated[str, Field(max_length=1000), AfterValidator(_line), _DOC_LINE]


class In(Schema):
    """A request body: fields it does not define are refused (422, naming the field), and
    every string in it is checked, whatever its declared type says."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                _text(item)
        return value


def _local(value: datetime | None, tz: tzinfo | None) -> datetime | None:
    # ISO 8601 with the offset of the agent's own time zone (see auth.AgentToken).
    if value is None:
        return None
    return localtime_or_utc(value, tz)


class FindingOut(Schema):
    rule: str
    category: one_of(*CATEGORIES)
    principle: str
    severity: one_of(*SEVERITIES)
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


class ReplyCheckIn(In):
    text: Text
    lang: one_of("auto", *Language.values) = "auto"
    audience: one_of(*AUDIENCES) = "general"
    purpose: one_of(*PURPOSES) = "any"
    # With a ticket: its organization's standard and its contact's technical level apply.
    ticket: Line(40) | None = None


class ReplyCheckOut(Schema):
    lang: LanguageName
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
    status: StatusName
    priority: PriorityName
    channel: ChannelName
    language: LanguageName
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
    close_reason: one_of("", *CloseReason.values)
    # The mood of the customer's latest message (P8): calm, concerned, upset, panicking.
    customer_mood: str
    # Addresses copied on every mail to the customer.
    cc: list[str]
    # The ticket this one was merged into (its messages are there now), if any.
    merged_into: str | None = None
    # The latest resolution report (P2), when the ticket was ever resolved.
    resolution: ResolutionOut | None = None
    # After a change that sent the customer a message: what the reply checker found in it.
    check: ReplyCheckOut | None = None


class TicketPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[TicketOut]


class TicketCreateIn(In):
    # The contact's id or email address.
    requester: IdOrName
    subject: Subject
    body: Body
    priority: PriorityName = "normal"
    channel: ChannelName = "api"
    language: LanguageName | None = None
    team: Id | None = None
    # Addresses to copy on every mail to the customer (at most 20).
    cc: list[Line(254)] = Field(default_factory=list, max_length=20)


class ResolutionIn(In):
    """P2's answers. The first three are required to resolve; `recurrence` is asked too."""

    cause: Text = ""
    done: Text = ""
    fully_resolved: one_of("", *Resolved.values) = ""
    recurrence: Text = ""
    # P10: further help the agent offers (a review, a report, a check later).
    further_help: Text = ""


class ResolutionOut(Schema):
    cause: str
    done: str
    fully_resolved: one_of(*Resolved.values)
    recurrence: str
    further_help: str
    created_at: Instant
    message: int | None


class TransitionIn(In):
    to_status: StatusName
    # When resolving, may be left empty: the resolution letter is filled with the answers.
    customer_note: Body = ""
    # Required when resolving (P2).
    resolution: ResolutionIn | None = None
    # When resolving: the resolution letter to write the message with (default: the team's).
    letter: Id | None = None
    # ISO 8601 with an offset, e.g. 2026-11-24T15:00:00+09:00.
    checkpoint: Line(64, format="date-time") | None = None
    close_reason: one_of("", *CloseReason.values) = ""
    override_check: bool = False
    # Required when the checkpoint is later than the policy's longest wait for news (P12).
    checkpoint_reason: Line(500) = ""


class AssignmentIn(In):
    # An agent's id or username; null clears it.
    assignee: IdOrName | None = None
    team: Id | None = None
    priority: PriorityName | None = None


class AuthorOut(Schema):
    type: one_of("contact", "agent", "system")
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


class AttachmentIn(In):
    filename: FileName
    content_type: ContentType = files.FALLBACK_TYPE
    # The file's bytes, base64-encoded (standard alphabet, padding optional).
    data: str


class CueOut(Schema):
    text: str
    start: int
    end: int


class MoodOut(Schema):
    mood: one_of("calm", "concerned", "upset", "panicking")
    cues: list[CueOut]


class MessageOut(Schema):
    id: int
    kind: one_of(*MessageKind.values)
    customer_visible: bool
    automatic: bool
    author: AuthorOut
    body: str
    created_at: Instant
    attachments: list[AttachmentOut]
    # A customer's message: its mood (P8) and the words that decided it, as `kizuna mood`
    # gives them; null for the others, and while it is being read.
    mood: MoodOut | None = None
    # A reply just sent: what the reply checker found in it.
    check: ReplyCheckOut | None = None


class MessageIn(In):
    body: Body
    # Files to send with a reply (internal notes take none).
    attachments: list[AttachmentIn] = []
    # Optional for replies: the next checkpoint this update promises (ISO 8601 with offset).
    checkpoint: Line(64, format="date-time") | None = None
    # Send despite error-level findings of the team's standard; recorded for managers.
    override_check: bool = False
    # Replies only: the first reply to a new ticket acknowledges it unless this is false.
    acknowledge: bool = True
    # Replies only: why the checkpoint is later than the policy's longest wait for news.
    checkpoint_reason: Line(500) = ""
    # Replies only: what the message is; the checker adds that purpose's rules (P2, P10, P11).
    purpose: one_of(*PURPOSES) = "any"


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


class OrganizationIn(In):
    name: Line(200)
    domains: list[Line(253)] = []
    timezone: Line(64) = "Asia/Tokyo"


class ContactOut(Schema):
    id: int
    organization: Ref
    name: str
    email: str
    language: LanguageName
    technical_level: TechnicalLevelName
    role: str
    timezone: str
    mail_charset: MailCharsetName
    is_active: bool
    # Sees every request of the organization in the portal, not only their own.
    sees_organization: bool
    created_at: Instant


class ContactPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[ContactOut]


class ContactIn(In):
    organization: Id
    name: Line(200)
    email: Line(254, format="email")
    language: LanguageName = "ja"
    technical_level: TechnicalLevelName = "general"
    role: Line(100) = ""
    timezone: Line(64) | None = None
    mail_charset: MailCharsetName = "utf-8"


class ContactPatch(In):
    name: Line(200) | None = None
    language: LanguageName | None = None
    technical_level: TechnicalLevelName | None = None
    role: Line(100) | None = None
    timezone: Line(64) | None = None
    mail_charset: MailCharsetName | None = None
    sees_organization: bool | None = None


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
        "customer_mood": t.customer_mood,
        "cc": list(t.cc or ()),
        "merged_into": format_reference(t.merged_into_id) if t.merged_into_id else None,
        "resolution": _resolution(t, tz),
    }


def _resolution(t: Ticket, tz: tzinfo | None) -> dict | None:
    # Lists prefetch the reports (newest first); a single ticket reads its latest.
    if "resolution_reports" in getattr(t, "_prefetched_objects_cache", {}):
        reports = t.resolution_reports.all()
        report = reports[0] if reports else None
    elif t.resolved_at is None:
        return None
    else:
        report = t.resolution_reports.first()
    if report is None:
        return None
    return {
        "cause": report.cause,
        "done": report.done,
        "fully_resolved": report.fully_resolved,
        "recurrence": report.recurrence,
        "further_help": report.further_help,
        "created_at": _local(report.created_at, tz),
        "message": report.message_id,
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
        "sees_organization": c.sees_organization,
        "created_at": _local(c.created_at, tz),
    }


class SearchResultOut(Schema):
    ticket: str
    subject: str
    snippet: str
    score: float
    # [start, end] of each found word in `snippet` (character offsets).
    highlights: list[list[int]]
    status: StatusName


class SearchOut(Schema):
    results: list[SearchResultOut]
