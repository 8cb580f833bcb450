"""A ticket's conversation: list it, reply to the customer, add an internal note."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Status

from kizuna.api.routers.tickets import get_ticket, parse_checkpoint
from kizuna.api.schemas import ERRORS, AttachmentIn, MessageIn, MessageOut, message_dict
from kizuna.lib.downloads import attachment_response
from kizuna.lib.ids import parse_id
from kizuna.mood import selectors as mood_selectors
from kizuna.tickets import access, selectors, services
from kizuna.tickets.workflow import TicketError

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
    messages = list(access.messages_for_agent(obj))
    moods = mood_selectors.moods_for(m.id for m in messages if m.kind == "inbound")
    return [
        {**message_dict(m, tz=request.agent_tz), "mood": _mood(moods.get(m.id))} for m in messages
    ]


def _mood(view) -> dict | None:
    if view is None:
        return None
    cues = [{"text": c["text"], "start": c["start"], "end": c["end"]} for c in view.cues]
    return {"mood": view.mood, "cues": cues}


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
        files=decode_files(data.attachments),
        checkpoint=parse_checkpoint(data.checkpoint) if data.checkpoint else None,
        override_check=data.override_check,
        acknowledge=data.acknowledge,
        checkpoint_reason=data.checkpoint_reason,
        purpose=data.purpose,
    )
    msg.author_user = request.auth
    result = getattr(msg, "check_result", None)
    return Status(
        201,
        {
            **message_dict(msg, tz=request.agent_tz),
            "check": result.to_dict() if result is not None else None,
        },
    )


@router.post(
    "/{ticket}/notes",
    response={201: MessageOut, **ERRORS},
    url_name="message_note",
    operation_id="message_note",
)
def message_note(request, ticket: str, data: MessageIn):
    """Add an internal note: for the team only, never shown or mailed to the customer."""
    obj = get_ticket(request, ticket)
    if data.attachments:
        raise TicketError(_("Internal notes take no attachments."), field="attachments")
    msg = services.ticket_note(ticket=obj, actor_user=request.auth, body=data.body)
    msg.author_user = request.auth
    return Status(201, message_dict(msg, tz=request.agent_tz))


def decode_files(items: list[AttachmentIn]) -> list[services.IncomingFile]:
    """Base64 attachments from JSON, refused whole with the position of the bad one."""
    files = []
    for n, item in enumerate(items):
        name = (item.filename or "").strip()
        if not name:
            raise TicketError(
                _("Attachment %(n)d needs a file name.") % {"n": n + 1},
                field=f"attachments.{n}.filename",
            )
        try:
            data = base64.b64decode(item.data + "=" * (-len(item.data) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise TicketError(
                _("Attachment “%(name)s” is not valid base64.") % {"name": name},
                field=f"attachments.{n}.data",
            ) from None
        files.append(services.IncomingFile(name=name, content_type=item.content_type, data=data))
    return files


attachments_router = Router(tags=["messages"])


@attachments_router.get(
    "/{int:attachment_id}",
    response={200: None, **ERRORS},
    url_name="attachment_download",
    operation_id="attachment_download",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file's bytes, with the type it was stored with "
                "(application/octet-stream when that is not a valid type) and its name in "
                "Content-Disposition.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attachment_download(request, attachment_id: int):
    """The file itself, as an attachment download, with its original name."""
    pk = parse_id(attachment_id)
    attachment = selectors.attachment_with_message(attachment_id=pk) if pk else None
    if attachment is None:
        raise Http404(_("No attachment %(id)s.") % {"id": attachment_id})
    access.get_ticket_for_agent(request.auth, attachment.message.ticket_id)
    return attachment_response(attachment)
