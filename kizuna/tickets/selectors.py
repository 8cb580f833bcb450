"""Reads of the ticket domain, shaped for the desk queue, the portal and the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from kizuna.lib.ids import parse_id
from kizuna.lib.prepared import PreparedGet
from kizuna.tickets.models import (
    REFERENCE_RE,
    Attachment,
    Contact,
    Message,
    Organization,
    ResolutionReport,
    Status,
    Team,
    Ticket,
    TicketEvent,
)


def queue(
    qs: QuerySet[Ticket],
    *,
    status: str = "",
    assignee_id: int | None = None,
    unassigned: bool = False,
    organization_id: int | None = None,
    q: str = "",
    with_team: bool = False,
    due_before=None,
) -> QuerySet[Ticket]:
    """Open tickets, the one where something falls due first on top (P1): the next update or
    a service-level deadline before it (`next_due`); `due_before` keeps those due by then.

    Open tickets always carry a due time, so ordering by it needs no NULL handling and the
    partial index on (next_due) for open tickets serves the query at any size.
    `with_team` joins the team too, for rows that show it (the API's).
    """
    q = (q or "").strip()
    reference = REFERENCE_RE.fullmatch(q) if q else None
    if status:
        qs = qs.filter(status=status)
    elif reference is None:
        qs = qs.exclude(status=Status.CLOSED)  # a reference finds its ticket even when closed
    if unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if reference:
        ticket_id = parse_id(reference.group(1))
        qs = qs.filter(pk=ticket_id) if ticket_id else qs.none()
    elif q:
        qs = qs.filter(subject__icontains=q)
    if due_before is not None:
        qs = qs.filter(next_due__lte=due_before)
    # Open tickets: an upset or panicking customer's first (P8, until an agent writes to them),
    # then what falls due first; served by the partial index on (-attention, next_due, id).
    order = ("-closed_at", "-id") if status == Status.CLOSED else ("-attention", "next_due", "id")
    qs = qs.select_related("organization", "requester", "assignee").order_by(*order)
    return qs.select_related("team") if with_team else qs


def page(qs: QuerySet, *, number: int, size: int) -> tuple[list, bool]:
    """One page of `qs` and whether another follows, without counting every row."""
    number = max(1, number)
    rows = list(qs[(number - 1) * size : number * size + 1])
    return rows[:size], len(rows) > size


def open_requests(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The portal's open requests, latest activity on top, with the requester each row names."""
    return (
        qs.select_related("requester").exclude(status=Status.CLOSED).order_by("-updated_at", "-id")
    )


def recently_closed(qs: QuerySet[Ticket], *, limit: int) -> QuerySet[Ticket]:
    """The portal's last `limit` closed requests, latest closed first, with their requester."""
    return (
        qs.select_related("requester")
        .filter(status=Status.CLOSED)
        .order_by("-closed_at", "-id")[:limit]
    )


def recent_events(*, ticket: Ticket, limit: int) -> QuerySet[TicketEvent]:
    """The ticket's last `limit` events, newest first, with whoever caused each one."""
    return ticket.events.select_related("actor_user", "actor_contact").order_by(
        "-created_at", "-id"
    )[:limit]


def latest_resolution(*, ticket: Ticket) -> ResolutionReport | None:
    """The report of the ticket's last resolution (P2), or None if it was never resolved."""
    if ticket.resolved_at is None:
        return None
    return ticket.resolution_reports.select_related("created_by").first()


def linked_tickets(*, ticket: Ticket, organization_id: int | None = None) -> dict:
    """The closed request this one continues and those that continue it (P10); with
    `organization_id`, only that organization's (what its contacts may see)."""
    later = Ticket.objects.filter(follows_id=ticket.pk).order_by("created_at", "id")
    follows = None
    if ticket.follows_id:
        follows = Ticket.objects.filter(pk=ticket.follows_id).first()
    if organization_id is not None:
        later = later.filter(organization_id=organization_id)
        if follows is not None and follows.organization_id != organization_id:
            follows = None
    merged_from = Ticket.objects.filter(merged_into_id=ticket.pk).order_by("id")
    merged_into = (
        Ticket.objects.filter(pk=ticket.merged_into_id).first() if ticket.merged_into_id else None
    )
    return {
        "follows": follows,
        "followed_by": list(later[:20]),
        # Merges never cross organizations (tickets/merge.py).
        "merged_into": merged_into,
        "merged_from": list(merged_from[:20]),
    }


def organization_by_id(*, organization_id: int | None) -> Organization | None:
    """The organization with this id, or None (as for an id of None)."""
    return Organization.objects.filter(pk=organization_id).first()


def organization_with_domains(*, organization_id: int) -> Organization | None:
    """The organization with its mail domains (the API shows them), or None."""
    return Organization.objects.prefetch_related("domains").filter(pk=organization_id).first()


def organizations(*, q: str = "") -> QuerySet[Organization]:
    """Organizations by name, with their mail domains, optionally those whose name holds `q`;
    the id breaks ties so that pages never overlap."""
    qs = Organization.objects.prefetch_related("domains").order_by("name", "id")
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs


def organizations_by_name() -> QuerySet[Organization]:
    """Every organization, by name."""
    return Organization.objects.order_by("name")


def organization_choices() -> QuerySet[Organization]:
    """Every organization's id and name, by name: all a filter's options need."""
    return Organization.objects.only("id", "name").order_by("name")


def contact_with_organization(*, contact_id: int) -> Contact | None:
    """The contact with its organization (every answer about a contact names it), or None."""
    return Contact.objects.select_related("organization").filter(pk=contact_id).first()


def contacts(*, organization_id: int | None = None, q: str = "") -> QuerySet[Contact]:
    """Contacts by name with their organization, optionally of one organization and whose
    name or email address holds `q`; the id breaks ties so that pages never overlap."""
    qs = Contact.objects.select_related("organization").order_by("name", "id")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    q = q.strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(email__icontains=q)
    return qs


# An integration opening tickets names the requester each time: compiled once (lib/prepared.py).
_REQUESTER_BY_ID = PreparedGet(lambda: Contact.objects.select_related("organization"))
_REQUESTER_BY_EMAIL = PreparedGet(
    lambda: Contact.objects.select_related("organization"), key="email"
)


def requester_contact(*, contact_id: int | None = None, email: str = "") -> Contact:
    """The contact a new ticket is for, by id or else by email address, with the organization
    the ticket is filed under; Contact.DoesNotExist when there is none."""
    if contact_id is not None:
        contact = _REQUESTER_BY_ID(contact_id)
    else:
        contact = _REQUESTER_BY_EMAIL(email)
    if contact is None:
        raise Contact.DoesNotExist("Contact matching query does not exist.")
    return contact


def contact_by_email(*, email: str) -> Contact | None:
    """The active contact with this address (in any case), or None."""
    return (
        Contact.objects.select_related("organization")
        .filter(email__iexact=email.strip(), is_active=True)
        .order_by("id")
        .first()
    )


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def team_by_id(*, team_id: int) -> Team | None:
    """The team with this id, or None."""
    return Team.objects.filter(pk=team_id).first()


def active_agents() -> QuerySet:
    """Active users with an agent profile, by username, for the queue's assignee filter."""
    return (
        get_user_model()
        .objects.filter(is_active=True, agent_profile__isnull=False)
        .order_by("username")
    )


def existing_user_id(*, user_id: int) -> int | None:
    """The id back if such a user exists, else None; only the id is read."""
    return get_user_model().objects.filter(pk=user_id).values_list("pk", flat=True).first()


def user_id_for_username(*, username: str) -> int | None:
    """The id of the user with this username, or None; only the id is read."""
    User = get_user_model()
    return (
        User.objects.filter(**{User.USERNAME_FIELD: username}).values_list("pk", flat=True).first()
    )


def user_with_agent_profile(*, user_id: int):
    """The user with their agent profile, which the assignment checks; User.DoesNotExist when
    there is none."""
    return get_user_model().objects.select_related("agent_profile").get(pk=user_id)


def attachment_with_message(*, attachment_id: int) -> Attachment | None:
    """The attachment with its message, whose ticket decides who may download it, or None."""
    return Attachment.objects.select_related("message").filter(pk=attachment_id).first()


def attachment_among(*, attachment_id: int, messages: QuerySet[Message]) -> Attachment | None:
    """The attachment if it belongs to one of `messages`, else None: a file of a message the
    reader may not see is not found."""
    return Attachment.objects.filter(pk=attachment_id, message__in=messages).first()
