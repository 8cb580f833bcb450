"""Tickets: list, open, read, change status, assign."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from ninja.errors import ValidationError

from kizuna.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from kizuna.api.schemas import (
    ERRORS,
    AssignmentIn,
    Id,
    QueryText,
    StatusName,
    TicketCreateIn,
    TicketOut,
    TicketPage,
    TransitionIn,
    ticket_dict,
)
from kizuna.closing import services as closing
from kizuna.letters import selectors as letter_selectors
from kizuna.lib import batching, timefmt
from kizuna.lib.ids import looks_like_id, parse_id
from kizuna.tickets import access, copies, selectors, services
from kizuna.tickets.models import Channel, Contact, Status, Ticket, parse_ticket_id
from kizuna.tickets.workflow import ResolutionAnswers, TicketError, checkpoint_range_message

router = Router(tags=["tickets"])


def get_ticket(request, ticket: str) -> Ticket:
    """The ticket named by a number or a reference such as KZ-000123, for this agent."""
    ticket_id = parse_ticket_id(ticket)
    if ticket_id is None:
        raise Http404(
            _("No ticket “%(ref)s”: give its number or a reference such as KZ-000123.")
            % {"ref": ticket}
        )
    try:
        return access.get_ticket_for_agent(request.auth, ticket_id)
    except Http404:
        raise Http404(_("No ticket %(ref)s.") % {"ref": f"KZ-{ticket_id:06d}"}) from None


def _user_id(value: int | str, *, field: str) -> int:
    if looks_like_id(value):
        pk = parse_id(value)
        found = selectors.existing_user_id(user_id=pk) if pk else None
    else:
        found = selectors.user_id_for_username(username=value)
    if found is None:
        raise TicketError(_("No agent “%(who)s”.") % {"who": value}, field=field)
    return found


_STATUS = Query(None, description="A status; open tickets when left out.")
_ASSIGNEE = Query("", description="An agent's id or username, or `me`.")
_ORGANIZATION = Query(None, description="An organization's id.")
_Q = Query("", description="Words in the subject, or a reference such as KZ-000123.")


@router.get(
    "",
    response={200: TicketPage, **ERRORS},
    url_name="ticket_list",
    operation_id="ticket_list",
)
def ticket_list(
    request,
    status: StatusName | None = _STATUS,
    assignee: QueryText = _ASSIGNEE,
    unassigned: bool = False,
    organization: Id | None = _ORGANIZATION,
    q: QueryText = _Q,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0),
):
    """Tickets, the one whose next update falls due first on top (closed ones: latest first)."""
    status = status or ""
    if status and status not in Status.values:
        raise TicketError(
            _("Unknown status “%(status)s”. Known statuses: %(known)s.")
            % {"status": status, "known": ", ".join(Status.values)},
            field="status",
        )
    assignee_id = None
    if assignee == "me":
        assignee_id = request.auth.id
    elif assignee:
        assignee_id = _user_id(assignee, field="assignee")
    qs = selectors.queue(
        access.tickets_for_agent(request.auth),
        status=status,
        assignee_id=assignee_id,
        unassigned=unassigned,
        organization_id=organization,
        q=q,
        with_team=True,
    ).prefetch_related("resolution_reports")
    now, tz = timezone.now(), request.agent_tz
    return paginate(
        request, qs, limit=limit, offset=offset, serialize=lambda t: ticket_dict(t, tz=tz, now=now)
    )


@router.post(
    "",
    response={201: TicketOut, **ERRORS},
    url_name="ticket_create",
    operation_id="ticket_create",
)
def ticket_create(request, data: TicketCreateIn):
    """Open a ticket for a contact (by id or email address); it is acknowledged at once (P1)."""
    if looks_like_id(data.requester):
        lookup = {"contact_id": parse_id(data.requester)}
    else:
        lookup = {"email": data.requester.strip().lower()}
    try:
        if None in lookup.values():
            raise Contact.DoesNotExist
        requester = selectors.requester_contact(**lookup)
    except Contact.DoesNotExist:
        raise TicketError(
            _("No contact “%(who)s”; create it first with POST /api/v1/contacts.")
            % {"who": data.requester},
            field="requester",
        ) from None
    team = None
    if data.team is not None:
        team = selectors.team_by_id(team_id=data.team)
        if team is None:
            raise TicketError(_("No team with id %(id)s.") % {"id": data.team}, field="team")
    cc = copies.cleaned(data.cc, requester_email=requester.email)
    # An integration may open hundreds a minute: the reading of the request (mood, facts,
    # search) and the acknowledgement's delivery are queued for a worker in this
    # transaction, not done while the client waits (kizuna/lib/batching.py).
    with transaction.atomic(), batching.batch():
        ticket = services.ticket_open(
            requester=requester,
            subject=data.subject,
            body=data.body,
            priority=data.priority,
            channel=data.channel or Channel.API,
            language=data.language,
            team=team,
            actor_user=request.auth,
        )
        if cc:
            copies.ticket_cc_set(ticket=ticket, addresses=cc, actor_user=request.auth)
    ticket.organization = requester.organization
    return Reply(201, ticket_dict(ticket, tz=request.agent_tz))


@router.get(
    "/{ticket}",
    response={200: TicketOut, **ERRORS},
    url_name="ticket_detail",
    operation_id="ticket_read",
)
def ticket_read(request, ticket: str):
    """One ticket, by number or reference (KZ-000123)."""
    return ticket_dict(get_ticket(request, ticket), tz=request.agent_tz)


def parse_checkpoint(value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise TicketError(
            _(
                "“%(value)s” is not a date and time; use ISO 8601 with an offset, e.g. 2026-11-24T15:00:00+09:00."
            )
            % {"value": value},
            field="checkpoint",
        ) from None
    if when.tzinfo is not None and not timefmt.in_range(when):
        # A date the calendar cannot carry into every time zone (years 1 or 9999): a value
        # out of the field's range, refused like any other malformed field.
        raise ValidationError(
            [
                {
                    "loc": ("body", "data", "checkpoint"),
                    "msg": checkpoint_range_message(when),
                    "type": "value_error",
                }
            ]
        )
    return when


@router.post(
    "/{ticket}/transitions",
    response={200: TicketOut, **ERRORS},
    url_name="ticket_transition",
    operation_id="ticket_transition",
)
def ticket_transition(request, ticket: str, data: TransitionIn):
    """Change the status. Every change but closing carries a customer note and a future
    checkpoint (ISO 8601 with offset); closing an unresolved ticket needs a close reason (P1, P10).
    Closing a resolved ticket without a note sends the team's closing letter, with the link to
    rate the help.

    Resolving needs `resolution`, P2's answers: `cause`, `done` (what was done and what
    remains) and `fully_resolved` (yes, partly, no) are required, `recurrence` is asked. Without
    a `customer_note`, the message is the resolution letter (`letter`, else the team's default)
    filled with them. The answer's `check` has what the reply checker found in the message."""
    obj = get_ticket(request, ticket)
    checkpoint = parse_checkpoint(data.checkpoint)
    answers = None
    if data.resolution is not None:
        answers = ResolutionAnswers(**data.resolution.model_dump())
    if data.to_status == Status.RESOLVED:
        closing.ticket_resolve(
            ticket=obj,
            actor_user=request.auth,
            answers=answers,
            checkpoint=checkpoint,
            customer_note=data.customer_note,
            letter=_letter(data.letter),
            override_check=data.override_check,
            checkpoint_reason=data.checkpoint_reason,
        )
    elif data.letter is not None:
        raise TicketError(_("A letter only goes with resolving."), field="letter")
    elif data.to_status == Status.CLOSED and answers is None:
        closing.ticket_close(
            ticket=obj,
            actor_user=request.auth,
            close_reason=data.close_reason,
            customer_note=data.customer_note,
            override_check=data.override_check,
        )
    else:
        services.ticket_transition(
            ticket=obj,
            actor_user=request.auth,
            to_status=data.to_status,
            customer_note=data.customer_note,
            checkpoint=checkpoint,
            close_reason=data.close_reason,
            override_check=data.override_check,
            checkpoint_reason=data.checkpoint_reason,
            resolution=answers,
        )
    result = getattr(obj, "check_result", None)
    return {
        **ticket_dict(obj, tz=request.agent_tz),
        "check": result.to_dict() if result is not None else None,
    }


def _letter(letter_id: int | None):
    if letter_id is None:
        return None
    found = letter_selectors.letter_by_id(letter_id=letter_id)
    if found is None:
        raise TicketError(_("No letter with id %(id)s.") % {"id": letter_id}, field="letter")
    return found


@router.post(
    "/{ticket}/assignment",
    response={200: TicketOut, **ERRORS},
    url_name="ticket_assign",
    operation_id="ticket_assign",
)
def ticket_assign(request, ticket: str, data: AssignmentIn):
    """Give the ticket to an agent (id or username) and/or a team (id), and optionally set its
    priority; null clears assignee or team. A field left out keeps its current value."""
    obj = get_ticket(request, ticket)
    given = data.model_fields_set
    assignee = obj.assignee
    if "assignee" in given:
        assignee = None
        if data.assignee not in (None, ""):
            assignee = selectors.user_with_agent_profile(
                user_id=_user_id(data.assignee, field="assignee")
            )
    team = obj.team
    if "team" in given:
        team = None
        if data.team is not None:
            team = selectors.team_by_id(team_id=data.team)
            if team is None:
                raise TicketError(_("No team with id %(id)s.") % {"id": data.team}, field="team")
    services.ticket_assign(
        ticket=obj, actor_user=request.auth, assignee=assignee, team=team, priority=data.priority
    )
    return ticket_dict(obj, tz=request.agent_tz)
