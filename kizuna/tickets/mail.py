"""Outbound mail for customer-visible messages (acknowledgements, replies, status notes)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, make_msgid
from django.utils import timezone

from kizuna.tickets.models import Message, MessageKind


def subject_for(ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def message_send(*, message_id: int) -> bool:
    """Mail one outbound message to the ticket's requester, once.

    The message is claimed with a conditional update so that two workers never send it
    twice; if sending fails the claim is released and the error propagates for a retry.
    """
    claimed = Message.objects.filter(
        id=message_id, kind=MessageKind.OUTBOUND, mailed_at=None
    ).update(mailed_at=timezone.now())
    if not claimed:
        return False
    msg = Message.objects.select_related("ticket__requester").get(id=message_id)
    ticket = msg.ticket
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "kizuna.local"
    message_id_header = msg.email_message_id or make_msgid(idstring=ticket.reference, domain=domain)
    earlier = list(
        ticket.messages.exclude(id=msg.id)
        .exclude(email_message_id="")
        .filter(created_at__lte=msg.created_at)
        .order_by("created_at", "id")
        .values_list("email_message_id", flat=True)
    )
    headers = {"Message-ID": message_id_header}
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-20:])
    if msg.automatic:
        headers["Auto-Submitted"] = "auto-generated"
    email = EmailMessage(
        subject=subject_for(ticket),
        body=msg.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[ticket.requester.email],
        headers=headers,
    )
    for att in msg.attachments.all():
        with att.file.open("rb") as fh:
            email.attach(att.filename, fh.read(), att.content_type)
    try:
        email.send()
    except Exception:
        Message.objects.filter(id=message_id).update(mailed_at=None)
        raise
    Message.objects.filter(id=message_id).update(email_message_id=message_id_header)
    return True
