"""A ticket's conversation: list it, reply to the customer, add an internal note."""

from __future__ import annotations

from ninja import Router, Status

from kizuna.api.routers.tickets import get_ticket, parse_checkpoint
from kizuna.api.schemas import ERRORS, MessageIn, MessageOut, message_dict
from kizuna.tickets import access, services

router = Router(tags=["messages"])


@router.get(
    "/{ticket}/messages",
    response={200: list[MessageOut], **ERRORS},
    url_name="message_list",
    operation_id="message_list",
)
def message_list(request, ticket: str):
    """The whole conversation, oldest first. Agents see internal notes too: `kind` is
    `note` and `customer_visible` is false for them."""
    obj = get_ticket(request, ticket)
    return [message_dict(m, tz=request.agent_tz) for m in access.messages_for_agent(obj)]


@router.post(
    "/{ticket}/replies",
    response={201: MessageOut, **ERRORS},
    url_name="message_reply",
    operation_id="message_reply",
)
def message_reply(request, ticket: str, data: MessageIn):
    """Write to the customer; the message is mailed to the requester."""
    obj = get_ticket(request, ticket)
    msg = services.ticket_reply(
        ticket=obj,
        actor_user=request.auth,
        body=data.body,
        checkpoint=parse_checkpoint(data.checkpoint) if data.checkpoint else None,
        override_check=data.override_check,
    )
    msg.author_user = request.auth
    return Status(201, message_dict(msg, tz=request.agent_tz))


@router.post(
    "/{ticket}/notes",
    response={201: MessageOut, **ERRORS},
    url_name="message_note",
    operation_id="message_note",
)
def message_note(request, ticket: str, data: MessageIn):
    """Add an internal note: for the team only, never shown or mailed to the customer."""
    obj = get_ticket(request, ticket)
    msg = services.ticket_note(ticket=obj, actor_user=request.auth, body=data.body)
    msg.author_user = request.auth
    return Status(201, message_dict(msg, tz=request.agent_tz))
