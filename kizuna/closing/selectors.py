"""Reading what customers said of the help."""

from __future__ import annotations

from kizuna.closing.models import FollowUp, Satisfaction
from kizuna.tickets.models import Ticket


def latest_rating(*, ticket: Ticket) -> Satisfaction | None:
    """The rating that counts: the customer's latest."""
    return Satisfaction.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()


def open_follow_ups(*, ticket: Ticket) -> list[FollowUp]:
    return list(
        FollowUp.objects.filter(ticket=ticket, done_at=None)
        .select_related("rating", "assignee")
        .order_by("-created_at")
    )


def with_open_follow_ups(ticket_ids) -> frozenset[int]:
    """Which of these tickets have a poor rating still to follow up (one query per page)."""
    if not ticket_ids:
        return frozenset()
    return frozenset(
        FollowUp.objects.filter(ticket_id__in=list(ticket_ids), done_at=None).values_list(
            "ticket_id", flat=True
        )
    )


def follow_up_by_id(*, follow_up_id: int | None) -> FollowUp | None:
    if follow_up_id is None:
        return None
    return FollowUp.objects.select_related("ticket").filter(pk=follow_up_id).first()
