"""The reminder and the auto-close of unanswered resolved requests (P10), run by the workers.

Each step claims its row with a conditional update and does its work in the same
transaction, so it happens exactly once however many workers scan, and a worker that dies
mid-step leaves it to the next scan (nothing was claimed).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from kizuna.closing import links
from kizuna.closing.models import ClosingSchedule
from kizuna.letters import services as letters
from kizuna.letters.models import Purpose
from kizuna.letters.variables import ticket_values
from kizuna.tickets import services as tickets
from kizuna.tickets.models import EventKind, Status, Ticket

BATCH = 200


def reminders_due(*, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        ClosingSchedule.objects.filter(reminded_at=None, closed_at=None, remind_at__lte=now)
        .order_by("remind_at")
        .values_list("ticket_id", flat=True)[:limit]
    )


def closes_due(*, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        ClosingSchedule.objects.filter(closed_at=None, close_at__lte=now)
        .order_by("close_at")
        .values_list("ticket_id", flat=True)[:limit]
    )


def closing_pending(*, now: datetime) -> bool:
    return bool(reminders_due(now=now, limit=1) or closes_due(now=now, limit=1))


def _ticket(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("requester", "organization", "team", "assignee").get(
        pk=ticket_id
    )


def _letter_text(ticket: Ticket, purpose: str, *, close_at: datetime | None) -> str:
    link = links.latest_feedback_url(ticket)
    values = ticket_values(
        ticket, links={"satisfaction_link": link, "close_link": link}, close_date=close_at
    )
    return letters.render(letters.letter_for(purpose, ticket.language), values)


def remind(*, ticket_id: int, now: datetime) -> bool:
    """Send the waiting-for-your-reply reminder, with the close link and the date the
    request will be closed. False when it is not due or was sent already."""
    with transaction.atomic():
        claimed = ClosingSchedule.objects.filter(
            Q(remind_at__lte=now), ticket_id=ticket_id, reminded_at=None, closed_at=None
        ).update(reminded_at=now)
        if not claimed:
            return False
        ticket = _ticket(ticket_id)
        if ticket.status != Status.RESOLVED:
            return False
        close_at = ClosingSchedule.objects.get(pk=ticket_id).close_at
        text = _letter_text(ticket, Purpose.WAITING_REMINDER, close_at=close_at)
        tickets.ticket_notice(ticket=ticket, body=text, kind=EventKind.REMINDER, data={}, now=now)
    return True


def auto_close(*, ticket_id: int, now: datetime) -> bool:
    """Close the unanswered resolved request and tell the customer with the auto-close
    letter. False when it is not due, was closed already, or is no longer resolved."""
    with transaction.atomic():
        claimed = ClosingSchedule.objects.filter(
            Q(close_at__lte=now), ticket_id=ticket_id, closed_at=None
        ).update(closed_at=now)
        if not claimed:
            return False
        ticket = _ticket(ticket_id)
        if ticket.status != Status.RESOLVED:
            return False
        text = _letter_text(ticket, Purpose.AUTO_CLOSE, close_at=None)
        return tickets.ticket_close_automatically(ticket=ticket, note=text, now=now)


def closing_run(*, now: datetime) -> dict[str, int]:
    """Every reminder and auto-close due at `now`."""
    done = {"reminders": 0, "closed": 0}
    for ticket_id in closes_due(now=now):
        done["closed"] += auto_close(ticket_id=ticket_id, now=now)
    for ticket_id in reminders_due(now=now):
        done["reminders"] += remind(ticket_id=ticket_id, now=now)
    return done
