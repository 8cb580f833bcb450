"""Who may see which ticket, and who may do what. Every entry point loads tickets only through
this module; docs/access.md has the whole table (a test holds every route to it).

- Agents and team leads see the tickets of their teams (as members or as the team's lead),
  the tickets assigned to them, and those no team has yet (the shared inbox); managers and
  administrators see every ticket. Every member of the desk reads internal notes.
- Team leads, managers and administrators read the reports; managers and administrators set
  the team's standard, letters and service levels; administrators handle the mail (quarantine,
  raw messages). Django staff users are administrators.
- A contact sees their own requests (those they opened, or wrote in); a contact allowed to see
  all of the organization's requests (`Contact.sees_organization`, set by agents) sees the
  organization's. Never an internal note, never another organization's ticket.
- Anyone else sees nothing.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from kizuna.tickets.models import Contact, Message, MessageKind, Role, Team, Ticket

# What each role may do beyond the tickets it sees.
_READS_REPORTS = frozenset((Role.LEAD, Role.MANAGER, Role.ADMIN))
_MANAGES = frozenset((Role.MANAGER, Role.ADMIN))
_SEES_ALL = frozenset((Role.MANAGER, Role.ADMIN))


def is_agent(user) -> bool:
    return role_of(user) is not None


def role_of(user) -> str | None:
    """The user's role at the desk, or None for anyone who is not a member of the desk."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_staff or user.is_superuser:
        return Role.ADMIN
    try:
        profile = user.agent_profile
    except Exception:  # RelatedObjectDoesNotExist: a plain user, not an agent
        return None
    if profile is None:
        return None
    return profile.role


def may_read_reports(user) -> bool:
    return role_of(user) in _READS_REPORTS


def may_manage(user) -> bool:
    """The team's standard, letters and service levels."""
    return role_of(user) in _MANAGES


def is_admin(user) -> bool:
    """The mail: quarantine, held and raw messages."""
    return role_of(user) == Role.ADMIN


def teams_of(user) -> QuerySet[Team]:
    """The teams the user belongs to or leads (a subquery: no query of its own)."""
    return Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk")


def tickets_for_agent(user) -> QuerySet[Ticket]:
    role = role_of(user)
    if role is None:
        return Ticket.objects.none()
    if role in _SEES_ALL:
        return Ticket.objects.all()
    # The team is compared through an expression that no index serves: the database then
    # walks the queue's own ordered index and keeps the rows this agent may see, rather than
    # collecting every visible ticket through three indexes and sorting them all (SQLite took
    # 600 ms for that at a million tickets).
    return Ticket.objects.alias(team_or_none=Coalesce("team_id", Value(0))).filter(
        Q(team_or_none=0) | Q(team_or_none__in=teams_of(user)) | Q(assignee_id=user.pk)
    )


def tickets_for_contact(
    contact: Contact | None, *, whole_organization: bool = True
) -> QuerySet[Ticket]:
    """The requests a contact may see. With `whole_organization=False`, only their own even
    when they may see the organization's (the portal's "Mine" tab)."""
    if contact is None or not contact.is_active:
        return Ticket.objects.none()
    organization = Ticket.objects.filter(organization_id=contact.organization_id)
    if contact.sees_organization and whole_organization:
        return organization
    wrote = Message.objects.filter(
        ticket_id=OuterRef("pk"), author_contact_id=contact.pk, kind=MessageKind.INBOUND
    )
    return organization.filter(Q(requester_id=contact.pk) | Exists(wrote))


def get_ticket_for_agent(user, ticket_id: int) -> Ticket:
    """The ticket, or Http404 when it does not exist or the user may not see it."""
    return _get(tickets_for_agent(user), ticket_id)


def get_ticket_for_contact(contact: Contact | None, ticket_id: int) -> Ticket:
    """The ticket if the contact may see it; Http404 otherwise, so that other requests'
    numbers cannot even be probed."""
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
