"""Deadlines with chosen times for the report's tests, on real tickets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kizuna.sla.models import BusinessCalendar, Deadline, DeadlineKind, SlaPolicy
from kizuna.tickets.models import Contact, Organization

TOKYO = ZoneInfo("Asia/Tokyo")
K = DeadlineKind
# March 2025 in Tokyo: long past, so open deadlines in it are overdue whatever day it is.
MARCH = (date(2025, 3, 1), date(2025, 4, 1))


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class ReportData:
    """Mixed into a test case that has the personas (kizuna.test.Personas)."""

    def ticket_for(self, org=None, *, assignee=None):
        """A real ticket of `org`, without the deadlines its opening set (the tests choose
        every deadline themselves)."""
        org = org or self.org
        requester = org.contacts.first() or Contact.objects.create(
            organization=org, name="Contact", email=f"c{org.id}@example.com"
        )
        ticket = self.make_ticket(requester=requester)
        Deadline.objects.filter(ticket=ticket).delete()
        if assignee is not None:
            type(ticket).objects.filter(pk=ticket.pk).update(assignee=assignee)
            ticket.assignee = assignee
        return ticket

    def deadline(self, ticket, kind=K.FIRST_RESPONSE, *, due, late=None, policy=None, **times):
        """A deadline due at `due`; `late=timedelta` met that much after it (negative:
        before it); `met`, `breached`, `cancelled`, `paused` set those times."""
        fields = {f"{name}_at": value for name, value in times.items() if name != "created_by"}
        if late is not None:
            fields["met_at"] = due + late
        return Deadline.objects.create(
            ticket=ticket,
            kind=kind,
            policy=policy,
            started_at=due - timedelta(hours=4),
            due_at=due,
            created_by=times.get("created_by"),
            **fields,
        )

    def make_policy(self, name: str = "Gold", **fields) -> SlaPolicy:
        """A policy of its own (browser tests run after others have emptied the tables of
        what the migrations created)."""
        calendar, _ = BusinessCalendar.objects.get_or_create(name="Report office hours")
        values = {
            "contract_tier": name.lower(),
            "first_response_minutes": 60,
            "update_interval_minutes": 240,
            "resolution_minutes": 960,
        }
        return SlaPolicy.objects.create(name=name, calendar=calendar, **{**values, **fields})

    def organization(self, name: str) -> Organization:
        org = Organization.objects.create(name=name)
        Contact.objects.create(organization=org, name="Someone", email=f"x{org.id}@example.com")
        return org
