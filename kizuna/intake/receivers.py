"""Reading each new request for P9's facts once it is stored."""

from __future__ import annotations

from django.db import transaction

from kizuna.intake.services import facts_record, requests_read
from kizuna.lib import batching
from kizuna.tickets.models import Message, Ticket


def on_message_received(sender, *, message: Message, ticket: Ticket, first: bool, **kwargs):
    # One request: read once it has committed. A batch: a worker reads them all.
    if first and not batching.later(requests_read, message.pk):
        transaction.on_commit(lambda: facts_record(ticket=ticket, message=message))
