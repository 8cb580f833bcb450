"""Reading a new request for P9's facts once it is stored, and the questions for the ones it
does not give."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from kizuna.intake import FACTS, find_facts, question
from kizuna.intake.models import IntakeFacts
from kizuna.lib import batching
from kizuna.tickets.models import Message, MessageKind, Ticket


def facts_record(*, ticket: Ticket, message: Message, answered: Iterable[str] = ()) -> IntakeFacts:
    """Find which facts the request gives (the portal form's answered fields count) and keep
    it on the ticket."""
    existing = IntakeFacts.objects.filter(ticket=ticket).first()
    known = {fact for fact in answered if fact in FACTS}
    if existing is not None:
        known |= set(existing.answered)
    result = find_facts(message.body, answered=sorted(known))
    facts, _created = IntakeFacts.objects.update_or_create(
        ticket=ticket,
        defaults={
            "lang": result.lang,
            "given": result.to_dict()["given"],
            "missing": list(result.missing),
            "answered": [f for f in FACTS if f in known],
        },
    )
    return facts


@batching.handler
def requests_read(message_ids: list[int]) -> int:
    """Record the facts of these first messages of requests (those still there); returns
    how many were read."""
    earlier = Message.objects.filter(
        ticket_id=OuterRef("ticket_id"), kind=MessageKind.INBOUND, pk__lt=OuterRef("pk")
    )
    firsts = Message.objects.filter(pk__in=message_ids, kind=MessageKind.INBOUND).exclude(
        Exists(earlier)
    )
    count = 0
    for message in firsts.select_related("ticket"):
        facts_record(ticket=message.ticket, message=message)
        count += 1
    return count


def questions_text(ticket: Ticket) -> str:
    """The questions for the facts the request does not give, one per line, in the ticket's
    language ("" when nothing is missing or the request was not read)."""
    facts = IntakeFacts.objects.filter(ticket=ticket).first()
    if facts is None or not facts.missing:
        return ""
    bullet = "・" if ticket.language == "ja" else "- "
    return "\n".join(f"{bullet}{question(fact, ticket.language)}" for fact in facts.missing)
