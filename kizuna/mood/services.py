"""Reading the mood of each message a customer sends (P8), once the message is stored.

The analysis runs after the transaction that stored the message has committed (a few
milliseconds, never while the database is locked for writing), or, for a batch of mail and
the API, in a worker a few seconds later (kizuna/lib/batching.py); then the mood is saved
with its cues and the ticket is raised in the queue when the customer is upset or
panicking, until an agent writes to them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db import transaction

from kizuna import mood as moods  # the engine is loaded on first use (kizuna/mood/__init__.py)
from kizuna.lib import batching
from kizuna.lib.rows import insert_rows
from kizuna.mood.models import MessageMood
from kizuna.tickets.models import Message, MessageKind, Ticket

# How far each mood raises its ticket in the queue (Ticket.attention).
ATTENTION = {"upset": 1, "panicking": 2}
FOLLOW_UP_WINDOW = timedelta(hours=1)


def message_assess(message: Message) -> None:
    """Read the message's mood (counting the customer's other messages on the same request
    in the hour before it as follow-ups) and record it on the message and its ticket."""
    messages_assess([message.pk])


@batching.handler
def messages_assess(message_ids: list[int]) -> int:
    """Assess these messages (the customer's, still there), counting each one's follow-ups
    (the customer's other messages on the request in the hour before it), in a few statements
    for all: follow-ups and newer messages are read in one query, the moods written in two,
    the tickets' moods in one per mood (the latest message sets it; an older one arriving late
    does not). Returns how many were assessed."""
    messages = list(
        Message.objects.filter(pk__in=message_ids, kind=MessageKind.INBOUND).order_by(
            "created_at", "pk"
        )
    )
    if not messages:
        return 0
    # Every customer message of these tickets from an hour before the oldest one on.
    others: dict[int, list[tuple[int, object]]] = defaultdict(list)
    for pk, ticket_id, created_at in Message.objects.filter(
        ticket_id__in={m.ticket_id for m in messages},
        kind=MessageKind.INBOUND,
        created_at__gte=messages[0].created_at - FOLLOW_UP_WINDOW,
    ).values_list("pk", "ticket_id", "created_at"):
        others[ticket_id].append((pk, created_at))
    # Moods are keyed by their message: one read before is rewritten.
    existing = set(
        MessageMood.objects.filter(message_id__in=[m.pk for m in messages]).values_list(
            "message_id", flat=True
        )
    )
    fresh, changed, latest = [], [], {}
    for message in messages:
        since = message.created_at - FOLLOW_UP_WINDOW
        siblings = others[message.ticket_id]
        follow_ups = sum(
            1 for pk, at in siblings if pk != message.pk and since <= at < message.created_at
        )
        result = moods.assess(message.body, follow_ups=follow_ups)
        mood = MessageMood(
            message=message,
            ticket_id=message.ticket_id,
            mood=result.mood,
            cues=[
                {"text": c.text, "start": c.start, "end": c.end, "kind": c.kind, "reason": c.reason}
                for c in result.cues
            ],
        )
        (changed if message.pk in existing else fresh).append(mood)
        # The latest message sets the ticket's mood; an older one arriving late does not.
        if not any(at > message.created_at for _pk, at in siblings):
            latest[message.ticket_id] = result.mood
    with transaction.atomic():
        insert_rows(fresh)
        if changed:
            MessageMood.objects.bulk_update(changed, ["ticket_id", "mood", "cues"])
        for mood in set(latest.values()):
            fields = {"customer_mood": mood}
            if ATTENTION.get(mood):
                fields["attention"] = ATTENTION[mood]
            tickets = [pk for pk, m in latest.items() if m == mood]
            Ticket.objects.filter(pk__in=tickets).update(**fields)
    return len(messages)


def attention_reset(ticket: Ticket) -> None:
    """An agent wrote to the customer: the ticket goes back to its place in the queue."""
    if ticket.attention:
        Ticket.objects.filter(pk=ticket.pk).update(attention=0)
        ticket.attention = 0


def is_raised(mood: str) -> bool:
    return moods.rank(mood) >= moods.rank("upset")
