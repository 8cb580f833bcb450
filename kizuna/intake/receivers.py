"""Reading each new request for P9's facts once it is stored."""

from __future__ import annotations

from django.db import transaction

from kizuna.intake.services import facts_record
from kizuna.intake.tasks import intake_read_requests
from kizuna.lib import batching
from kizuna.tickets.models import Message, Ticket


def on_message_received(sender, *, message: Message, ticket: Ticket, first: bool, **kwargs):
    # One request: read once it has committed. A batch of mail: one task reads them all.
    if first and not batching.later(intake_read_requests, message.pk):
        transaction.on_commit(lambda: facts_record(ticket=ticket, message=message))
