"""What mood reading does when a customer writes and when an agent answers (P8)."""

from __future__ import annotations

from django.db import transaction

from kizuna.lib import batching
from kizuna.mood.services import attention_reset, message_assess, messages_assess
from kizuna.tickets.models import Message, Ticket


def on_message_received(sender, *, message: Message, **kwargs) -> None:
    # One message: read once it has committed, so the next page shows it. A batch of mail:
    # a worker reads them all (kizuna/lib/batching.py).
    if not batching.later(messages_assess, message.pk):
        transaction.on_commit(lambda: message_assess(message))


def on_ticket_changed(sender, *, ticket: Ticket, customer_visible: bool, **kwargs) -> None:
    if customer_visible:
        attention_reset(ticket)
