"""When an unanswered resolved request is reminded and closed (P10): business days of the
request's calendar, counted from its resolution, per team (defaults 3 and 7).

The schedule follows the ticket (receiver of tickets.signals.ticket_changed): resolving
sets it, leaving "resolved" (the customer answered, an agent reopened or closed it) removes
it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kizuna.closing.models import ClosingSchedule
from kizuna.sla.calendar import Calendar
from kizuna.sla.ledger import ticket_calendar
from kizuna.tickets.models import Status, Ticket

DEFAULT_REMINDER_DAYS = 3
DEFAULT_AUTO_CLOSE_DAYS = 7
# How far to look for a working day before giving up on a calendar closed for good.
_MAX_DAYS_SCANNED = 3 * 366


def add_business_days(calendar: Calendar, start: datetime, days: int) -> datetime:
    """The same time of day `days` working days after `start`'s date in `calendar` (or the
    next opening after it, when the calendar is closed at that hour)."""
    local = start.astimezone(calendar.zone)
    day, counted, scanned = local.date(), 0, 0
    while counted < days and scanned < _MAX_DAYS_SCANNED:
        day += timedelta(days=1)
        scanned += 1
        if calendar.is_working_day(day):
            counted += 1
    wall = datetime.combine(day, local.time().replace(tzinfo=None)).replace(tzinfo=calendar.zone)
    when = wall.astimezone(calendar.zone)
    return when if calendar.is_open(when) else calendar.next_opening(when)


def days_for(ticket: Ticket) -> tuple[int, int]:
    """(reminder, auto-close) business days of the ticket's team, or the defaults."""
    team = ticket.team if ticket.team_id else None
    if team is None:
        return DEFAULT_REMINDER_DAYS, DEFAULT_AUTO_CLOSE_DAYS
    return team.reminder_days, team.auto_close_days


def schedule_times(
    ticket: Ticket, resolved_at: datetime
) -> tuple[datetime | None, datetime | None]:
    """(remind_at, close_at) for a request resolved at `resolved_at`; None where the team
    sends no reminder (0 days, or not before the close) or closes nothing by itself (0)."""
    remind_days, close_days = days_for(ticket)
    calendar = ticket_calendar(ticket)
    close_at = add_business_days(calendar, resolved_at, close_days) if close_days else None
    remind_at = None
    if remind_days and (not close_days or remind_days < close_days):
        remind_at = add_business_days(calendar, resolved_at, remind_days)
    return remind_at, close_at


def on_ticket_changed(sender, *, ticket: Ticket, now: datetime, from_status, **kwargs) -> None:
    if ticket.status == Status.RESOLVED and from_status != Status.RESOLVED:
        remind_at, close_at = schedule_times(ticket, now)
        ClosingSchedule.objects.update_or_create(
            ticket=ticket,
            defaults={
                "resolved_at": now,
                "remind_at": remind_at,
                "close_at": close_at,
                "reminded_at": None,
                "closed_at": None,
            },
        )
    elif from_status == Status.RESOLVED and ticket.status != Status.RESOLVED:
        ClosingSchedule.objects.filter(ticket=ticket).delete()
