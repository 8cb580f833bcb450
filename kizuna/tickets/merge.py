"""Merging two tickets about the same matter into one (the survivor).

The merged ticket's messages (with their attachments), events and mail references move to the
survivor; the merged ticket is closed as a duplicate and points to the survivor, so that mail
threaded to it, or tagged with its reference, lands in the survivor (mail/routing.py follows
the pointer). The customer is told in one message on the survivor; when the two tickets had
different requesters, the other one is copied on the survivor's mail from then on. Tickets of
different organizations are never merged: one customer would read the other's mail.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.tickets import signals, wording
from kizuna.tickets.copies import MAX_CC
from kizuna.tickets.models import CloseReason, EventKind, Message, Status, Ticket, TicketEvent
from kizuna.tickets.services import _send_to_customer
from kizuna.tickets.workflow import TicketError

# Merges chain (A into B, later B into C): mail follows at most this many pointers.
MAX_CHAIN = 20


def survivor(ticket: Ticket) -> Ticket:
    """The ticket that `ticket` was (perhaps in several steps) merged into, or itself."""
    seen = 0
    while ticket.merged_into_id and seen < MAX_CHAIN:
        ticket = Ticket.objects.select_related("requester", "organization").get(
            pk=ticket.merged_into_id
        )
        seen += 1
    return ticket


@transaction.atomic
def ticket_merge(
    *, source: Ticket, target: Ticket, actor_user, now: datetime | None = None
) -> Ticket:
    """Merge `source` into `target`; returns the survivor, `target`."""
    if source.pk == target.pk:
        raise TicketError(_("A ticket cannot be merged into itself."), field="target")
    now = now or timezone.now()
    # Both rows locked, the lower id first, so two merges at once cannot deadlock.
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .select_related("requester", "organization")
        .filter(pk__in=sorted((source.pk, target.pk)))
        .order_by("pk")
    }
    src, dst = locked[source.pk], locked[target.pk]
    if src.merged_into_id:
        raise TicketError(
            _("%(ref)s was already merged into another ticket.") % {"ref": src.reference},
            field="target",
        )
    if dst.merged_into_id or dst.status == Status.CLOSED:
        raise TicketError(
            _("%(ref)s is closed; merge into an open ticket.") % {"ref": dst.reference},
            field="target",
        )
    if src.organization_id != dst.organization_id:
        raise TicketError(
            _("%(a)s and %(b)s belong to different organizations and cannot be merged.")
            % {"a": src.reference, "b": dst.reference},
            field="target",
        )
    moved = Message.objects.filter(ticket=src).update(ticket=dst)
    TicketEvent.objects.filter(ticket=src).update(ticket=dst)
    _move_mail_references(src, dst)
    signals.tickets_merged.send(sender=Ticket, source=src, target=dst)

    from_status = src.status
    src.status, src.close_reason, src.closed_at = Status.CLOSED, CloseReason.DUPLICATE, now
    src.merged_into, src.updated_at, src.next_checkpoint = dst, now, None
    src.save(
        update_fields=[
            "status",
            "close_reason",
            "closed_at",
            "merged_into",
            "updated_at",
            "next_checkpoint",
        ]
    )
    copies = list(dst.cc)
    for address in [src.requester.email.lower(), *src.cc]:
        if address != dst.requester.email.lower() and address not in copies:
            copies.append(address)
    dst.cc, dst.updated_at = copies[:MAX_CC], now
    dst.save(update_fields=["cc", "updated_at"])
    TicketEvent.objects.create(
        ticket=src,
        kind=EventKind.MERGED,
        actor_user=actor_user,
        created_at=now,
        from_status=from_status,
        to_status=Status.CLOSED,
        data={"into": dst.reference},
    )
    notice = _send_to_customer(
        dst, body=wording.merge_notice(dst, src), actor_user=actor_user, now=now
    )
    TicketEvent.objects.create(
        ticket=dst,
        kind=EventKind.MERGED,
        actor_user=actor_user,
        created_at=now,
        data={"from": src.reference, "messages": moved, "message": notice.id},
    )
    # The merged ticket is closed: its clocks stop like any closed ticket's.
    signals.ticket_changed.send(
        sender=Ticket,
        ticket=src,
        now=now,
        from_status=from_status,
        by_agent=True,
        customer_visible=False,
    )
    return dst


def _move_mail_references(src: Ticket, dst: Ticket) -> None:
    """The Message-IDs of the merged thread now name the survivor (through the reverse
    relation: the mail app, above this one, owns the table)."""
    refs = src.mail_references.all()
    known = set(dst.mail_references.values_list("message_id", flat=True))
    refs.filter(message_id__in=known).delete()
    refs.update(ticket=dst)
