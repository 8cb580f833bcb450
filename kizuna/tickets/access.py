"""Who may see which ticket. Every entry point loads tickets only through this module.

- Agents (active users with an agent profile, or staff) see every ticket and every note.
- A contact sees only the tickets of their own organization, and never an internal note.
- Anyone else sees nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kizuna.tickets.models import Contact, Message, MessageKind, Ticket


def is_agent(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return True
    try:
        return user.agent_profile is not None
    except Exception:  # RelatedObjectDoesNotExist: a plain user, not an agent
        return False


def tickets_for_agent(user) -> QuerySet[Ticket]:
    if not is_agent(user):
        return Ticket.objects.none()
    return Ticket.objects.all()


def tickets_for_contact(contact: Contact | None) -> QuerySet[Ticket]:
    if contact is None or not contact.is_active:
        return Ticket.objects.none()
    return Ticket.objects.filter(organization_id=contact.organization_id)


def get_ticket_for_agent(user, ticket_id: int) -> Ticket:
    """The ticket, or Http404 when it does not exist or the user may not see it."""
    return _get(tickets_for_agent(user), ticket_id)


def get_ticket_for_contact(contact: Contact | None, ticket_id: int) -> Ticket:
    """The ticket if it belongs to the contact's organization; Http404 otherwise, so that
    another organization's ticket numbers cannot even be probed."""
    return _get(tickets_for_contact(contact), ticket_id)


def _get(qs: QuerySet[Ticket], ticket_id: int) -> Ticket:
    try:
        return qs.select_related("organization", "requester", "assignee", "team").get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("No such ticket.") from None


def messages_for_agent(ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author_user", "author_contact").prefetch_related(
        "attachments"
    )


def messages_for_contact(ticket: Ticket) -> QuerySet[Message]:
    """Customer-visible messages only: internal notes never leave the team."""
    return messages_for_agent(ticket).exclude(kind=MessageKind.NOTE)
