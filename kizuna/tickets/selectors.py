"""Reads of the ticket domain, shaped for the desk queue, the portal and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from kizuna.lib.ids import parse_id
from kizuna.tickets.models import REFERENCE_RE, Status, Ticket


def queue(
    qs: QuerySet[Ticket],
    *,
    status: str = "",
    assignee_id: int | None = None,
    unassigned: bool = False,
    organization_id: int | None = None,
    q: str = "",
) -> QuerySet[Ticket]:
    """Open tickets, the one whose next update falls due first on top (P1).

    Open tickets always carry a checkpoint, so ordering by it needs no NULL handling and the
    partial index on (next_checkpoint) for open tickets serves the query at any size.
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
    order = ("-closed_at", "-id") if status == Status.CLOSED else ("next_checkpoint", "id")
    return qs.select_related("organization", "requester", "assignee").order_by(*order)


def page(qs: QuerySet, *, number: int, size: int) -> tuple[list, bool]:
    """One page of `qs` and whether another follows, without counting every row."""
    number = max(1, number)
    rows = list(qs[(number - 1) * size : number * size + 1])
    return rows[:size], len(rows) > size
