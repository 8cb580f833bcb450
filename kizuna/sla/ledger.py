"""The promise ledger (P13): the promises found in an agent's words, read in the calendar of
the request's policy, and the tracked commitments they become once the agent confirms them.

A commitment is a deadline of kind `promise`: agents are warned before it falls due, it is
kept when a customer-visible update goes out before its time (clocks.py) and broken, with a
breach recorded and escalated, otherwise (timers.py).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import DatabaseError

from kizuna.lib.rows import insert_rows
from kizuna.sla.calendar import YEAR_END_CLOSING, Calendar, CalendarError, time_zone
from kizuna.sla.clocks import new_deadline, refresh_next_due
from kizuna.sla.models import BusinessCalendar, DeadlineKind
from kizuna.sla.promises import Promise, extract
from kizuna.sla.services import calendar_for, policy_for_organization
from kizuna.tickets.models import Ticket

DEFAULT_CALENDAR = "Business hours"


def reading_calendar() -> Calendar:
    """The calendar promises are read in when no policy names one: the row named "Business
    hours", else the first that is not open around the clock, else weekdays 09:00–18:00 in
    TIME_ZONE with Japanese holidays and the year-end closing (also with no database yet).
    Raises CalendarError when the row found cannot be used."""
    try:
        row = (
            BusinessCalendar.objects.filter(name=DEFAULT_CALENDAR).first()
            or BusinessCalendar.objects.filter(always_open=False).order_by("name", "pk").first()
        )
    except DatabaseError:
        row = None
    if row is not None:
        return calendar_for(row)
    return Calendar(
        zone=time_zone(settings.TIME_ZONE),
        weekly={day: ((9 * 60, 18 * 60),) for day in range(5)},
        country="JP",
        closed_yearly=frozenset(YEAR_END_CLOSING),
    )


def ticket_calendar(ticket: Ticket) -> Calendar:
    """The business calendar of the ticket's policy, else the reading calendar."""
    policy = policy_for_organization(
        organization_id=ticket.organization_id, priority=ticket.priority
    )
    if policy is not None:
        try:
            return calendar_for(policy.calendar)
        except CalendarError:
            pass  # a calendar broken in the database must not stop a reply
    return reading_calendar()


def promises_found(*, ticket: Ticket, text: str, now: datetime) -> list[Promise]:
    """The promises with a time in what an agent is about to send on `ticket`."""
    return extract(text, now=now, calendar=ticket_calendar(ticket))


def on_promises_made(sender, *, ticket, message, promises, actor_user, now, **kwargs) -> None:
    """Track each confirmed promise until it is kept or broken (receiver of
    tickets.signals.promises_made, inside the transaction that sends the message)."""
    policy = policy_for_organization(
        organization_id=ticket.organization_id, priority=ticket.priority
    )
    deadlines = [
        new_deadline(
            ticket,
            DeadlineKind.PROMISE,
            policy,
            now,
            promise.due,
            text=promise.text[:300],
            message=message,
            created_by=actor_user,
        )
        for promise in promises
    ]
    insert_rows(deadlines)
    refresh_next_due(ticket)
