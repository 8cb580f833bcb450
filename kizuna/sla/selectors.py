"""Reads of the service levels for the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from kizuna.sla.models import BusinessCalendar, Deadline, DeadlineKind, SlaChange, SlaPolicy
from kizuna.sla.services import calendar_for


def calendars() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.order_by("name")


def calendar_by_id(*, calendar_id: int | None) -> BusinessCalendar | None:
    return BusinessCalendar.objects.filter(pk=calendar_id).first() if calendar_id else None


def policies() -> QuerySet[SlaPolicy]:
    """Every policy with its calendar, the general ones (no tier) first."""
    return SlaPolicy.objects.select_related("calendar").order_by("contract_tier", "priority", "id")


def policy_by_id(*, policy_id: int | None) -> SlaPolicy | None:
    return (
        SlaPolicy.objects.select_related("calendar").filter(pk=policy_id).first()
        if policy_id
        else None
    )


def recent_changes(*, limit: int = 20) -> list[SlaChange]:
    return list(SlaChange.objects.select_related("user").order_by("-at", "-id")[:limit])


@dataclass(frozen=True)
class Clock:
    """One deadline of a ticket as the desk shows it."""

    kind: str
    label: str
    text: str  # a promise's own words
    due_at: datetime
    state: str  # running, paused, met, missed, cancelled
    minutes_left: int | None  # business minutes (the policy's calendar), while running or paused
    breached_at: datetime | None
    met_at: datetime | None


def _state(deadline: Deadline) -> str:
    if deadline.breached_at is not None or (
        deadline.met_at is not None and deadline.met_at > deadline.due_at
    ):
        return "missed"
    if deadline.met_at is not None:
        return "met"
    if deadline.cancelled_at is not None:
        return "cancelled"
    return "paused" if deadline.paused_at is not None else "running"


def ticket_clocks(*, ticket_id: int, now: datetime) -> list[Clock]:
    """Every deadline of a ticket, open ones first: its target, what is left of it in business
    time (paused clocks keep what they had), and whether it was met or missed."""
    deadlines = (
        Deadline.objects.filter(ticket_id=ticket_id)
        .select_related("policy__calendar")
        .order_by("due_at", "id")
    )
    clocks = []
    for d in deadlines:
        state = _state(d)
        left = None
        if d.paused_at is not None and d.minutes_left is not None:
            left = int(d.minutes_left)
        elif state == "running" and d.due_at > now:
            if d.policy is not None:
                left = int(calendar_for(d.policy.calendar).minutes_between(now, d.due_at))
            else:
                left = int((d.due_at - now).total_seconds() // 60)
        elif state == "running":
            left = 0
        clocks.append(
            Clock(
                kind=d.kind,
                label=str(DeadlineKind(d.kind).label),
                text=d.text,
                due_at=d.due_at,
                state=state,
                minutes_left=left,
                breached_at=d.breached_at,
                met_at=d.met_at,
            )
        )
    return sorted(clocks, key=lambda c: (c.met_at is not None or c.state == "cancelled", c.due_at))


def open_promises(*, ticket_id: int) -> list[Deadline]:
    """The promises on a ticket still to be kept, earliest first (the portal shows them)."""
    return list(
        Deadline.objects.filter(
            ticket_id=ticket_id, kind=DeadlineKind.PROMISE, met_at=None, cancelled_at=None
        ).order_by("due_at", "id")
    )
