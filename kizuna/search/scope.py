"""Which tickets a search looks in: what the asker may see, narrowed by the filters of the desk
and the API (status, organization, assignee, team, the day the ticket was opened)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from kizuna.tickets.models import Ticket


def narrowed(
    tickets: QuerySet[Ticket],
    *,
    status: str = "",
    organization_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    team_id: int | None = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    tz: ZoneInfo | None = None,
) -> QuerySet[Ticket]:
    """`opened_from` and `opened_to` are whole days in the asker's time zone, both included."""
    if status:
        tickets = tickets.filter(status=status)
    if organization_id:
        tickets = tickets.filter(organization_id=organization_id)
    if unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee_id:
        tickets = tickets.filter(assignee_id=assignee_id)
    if team_id:
        tickets = tickets.filter(team_id=team_id)
    zone = tz or ZoneInfo("UTC")
    if opened_from:
        tickets = tickets.filter(created_at__gte=datetime.combine(opened_from, time(), zone))
    if opened_to:
        next_day = datetime.combine(opened_to + timedelta(days=1), time(), zone)
        tickets = tickets.filter(created_at__lt=next_day)
    return tickets
