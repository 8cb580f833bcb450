"""Reading what a request tells about the customer's situation, for the desk (P9)."""

from __future__ import annotations

from kizuna.intake import FACTS, label
from kizuna.intake.models import IntakeFacts
from kizuna.tickets.models import Ticket


def facts_for(*, ticket: Ticket) -> list[dict] | None:
    """Each of P9's facts with whether the request gives it and the words that do (None
    when the request has not been read)."""
    row = IntakeFacts.objects.filter(ticket=ticket).first()
    if row is None:
        return None
    return [
        {
            "fact": fact,
            "label": label(fact),
            "given": fact not in row.missing,
            "words": [cue["text"] for cue in row.given.get(fact, [])][:3],
            "from_form": fact in row.answered,
        }
        for fact in FACTS
    ]
