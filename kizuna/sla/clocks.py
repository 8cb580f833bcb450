"""The clocks of a ticket (P1, P12): its deadlines follow every change, inside the transaction
that makes it (receivers of tickets.signals.tickets_opened and ticket_changed).

- Opened: a first-response deadline at the time the acknowledgement promised, and a resolution
  deadline at the policy's resolution target in business time.
- An agent's words to the customer (a reply or a status note) meet the first response and the
  current checkpoint; the ticket's next checkpoint, if any, becomes the new checkpoint
  deadline. Automatic messages (acknowledgements, resume notes) meet nothing.
- A customer's reply that resumes work sets the next checkpoint Kizuna promised in its resume
  note as a new checkpoint deadline.
- Resolved meets the resolution deadline; reopened starts a new one; closed cancels whatever
  is still open.
- Waiting for the customer (and, per policy, for a third party) pauses the resolution clock
  with its business minutes left; leaving that status resumes it from there.

A deadline met or breached stays as it was (the record for the reports); changing a policy
changes no deadline already set. Each deadline carries the time its agents are warned: when the
policy's share of the time to it has gone (in business time), or the default share of the wall
clock for a ticket with no policy.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from kizuna.lib.rows import insert_rows, new_row
from kizuna.sla.models import Deadline, DeadlineKind, SlaPolicy
from kizuna.sla.services import calendar_for, policy_for_organization
from kizuna.tickets.models import Status, Ticket

K = DeadlineKind
WAITING = {Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY}


def _open(ticket: Ticket, kind: str):
    return Deadline.objects.filter(ticket=ticket, kind=kind, met_at=None, cancelled_at=None)


def _pauses(status: str, policy: SlaPolicy | None) -> bool:
    if status == Status.WAITING_CUSTOMER:
        return True
    return (
        status == Status.WAITING_THIRD_PARTY and policy is not None and policy.pause_for_third_party
    )


def warn_time(policy: SlaPolicy | None, start: datetime, due: datetime) -> datetime | None:
    """When agents are warned of a deadline from `start` to `due`: once the policy's share of
    the business time between them has gone (the default share of the wall clock with no
    policy). None when it is already due."""
    if due <= start:
        return None
    percent = policy.warn_percent if policy is not None else settings.KIZUNA_WARN_PERCENT
    if policy is None:
        return start + (due - start) * percent / 100
    calendar = calendar_for(policy.calendar)
    minutes = calendar.minutes_between(start, due)
    if minutes <= 0:  # due outside business time (an agent's own choice): the wall clock
        return start + (due - start) * percent / 100
    return min(calendar.add(start, minutes * percent / 100), due)


def new_deadline(
    ticket: Ticket, kind: str, policy: SlaPolicy | None, now: datetime, due: datetime, **fields
) -> Deadline:
    """A new (unsaved) deadline with its warning time."""
    return Deadline(
        ticket=ticket,
        kind=kind,
        policy=policy,
        started_at=now,
        due_at=due,
        warn_at=warn_time(policy, now, due),
        **fields,
    )


def _checkpoint(ticket: Ticket, policy: SlaPolicy | None, now: datetime) -> None:
    if ticket.status != Status.CLOSED and ticket.next_checkpoint is not None:
        new_deadline(ticket, K.CHECKPOINT, policy, now, ticket.next_checkpoint).save()


def on_ticket_changed(
    sender,
    *,
    ticket: Ticket,
    now: datetime,
    from_status: str | None,
    by_agent: bool,
    customer_visible: bool,
    **kwargs,
) -> None:
    policy = policy_for_organization(
        organization_id=ticket.organization_id, priority=ticket.priority
    )
    _move(ticket, policy, now, from_status, by_agent, customer_visible)
    refresh_next_due(ticket)


def on_tickets_opened(sender, *, tickets: list[Ticket], now: datetime, **kwargs) -> None:
    """New tickets: the first response and resolution clocks start, in one statement for all;
    their earliest due times are known without asking the database."""
    opening = _Opening(now)
    started = {ticket.pk: opening.deadlines(ticket) for ticket in tickets}
    insert_rows([d for deadlines in started.values() for d in deadlines])
    moved = []
    for ticket in tickets:
        candidates = [ticket.next_checkpoint, *(d.due_at for d in started[ticket.pk])]
        due = min((t for t in candidates if t is not None), default=None)
        if due != ticket.next_due:
            ticket.next_due = due
            moved.append(ticket)
    if moved:
        Ticket.objects.bulk_update(moved, ["next_due"])


class _Opening:
    """The deadlines of tickets opened together, at one moment: the policy of each
    organization and priority is looked up, and each due and warning time reckoned in
    business time, once for all the tickets that share them (a batch of mail opens
    hundreds)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.policies: dict[tuple[int, str], SlaPolicy | None] = {}
        self.warnings: dict[tuple[int | None, datetime], datetime | None] = {}
        self.resolutions: dict[int, datetime] = {}

    def deadlines(self, ticket: Ticket) -> list[Deadline]:
        """The new ticket's deadlines (unsaved)."""
        key = (ticket.organization_id, ticket.priority)
        if key not in self.policies:
            self.policies[key] = policy_for_organization(
                organization_id=ticket.organization_id, priority=ticket.priority
            )
        policy = self.policies[key]
        deadlines = []
        if ticket.next_checkpoint is not None:
            deadlines.append(
                self._deadline(ticket, K.FIRST_RESPONSE, policy, ticket.next_checkpoint)
            )
        if policy is not None:
            if policy.pk not in self.resolutions:
                self.resolutions[policy.pk] = _resolution_due(policy, self.now)
            deadlines.append(
                self._deadline(ticket, K.RESOLUTION, policy, self.resolutions[policy.pk])
            )
        return deadlines

    def _deadline(self, ticket, kind, policy, due) -> Deadline:
        key = (policy.pk if policy is not None else None, due)
        if key not in self.warnings:
            self.warnings[key] = warn_time(policy, self.now, due)
        return new_row(
            Deadline,
            ticket=ticket,
            kind=kind,
            policy=policy,
            started_at=self.now,
            due_at=due,
            warn_at=self.warnings[key],
        )


def refresh_next_due(ticket: Ticket) -> None:
    """The ticket's earliest due time: its next update, or an open, running deadline before
    it; none once closed (the desk's queue is ordered by it)."""
    due = None
    if ticket.status != Status.CLOSED:
        earliest = (
            Deadline.objects.filter(ticket=ticket, met_at=None, cancelled_at=None, paused_at=None)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
        candidates = [t for t in (ticket.next_checkpoint, earliest) if t is not None]
        due = min(candidates) if candidates else None
    if due != ticket.next_due:
        Ticket.objects.filter(pk=ticket.pk).update(next_due=due)
        ticket.next_due = due


def _move(ticket, policy, now, from_status, by_agent, customer_visible) -> None:
    if by_agent and customer_visible:
        # News for the customer keeps the first response, the checkpoint and every promise
        # made before it (P13: a promise is kept by an update before its due time).
        _open(ticket, K.FIRST_RESPONSE).update(met_at=now)
        _open(ticket, K.CHECKPOINT).update(met_at=now)
        _open(ticket, K.PROMISE).filter(started_at__lt=now).update(met_at=now)
        _checkpoint(ticket, policy, now)
    elif not by_agent and (ticket.status != from_status or customer_visible):
        # Kizuna resumed the ticket for the customer, or sent a holding update, and promised
        # a time in its note: that time is the checkpoint now (a missed one stays breached).
        _open(ticket, K.CHECKPOINT).update(cancelled_at=now)
        _checkpoint(ticket, policy, now)
    if ticket.status == from_status:
        return
    if ticket.status == Status.CLOSED:
        for kind in (K.FIRST_RESPONSE, K.CHECKPOINT, K.RESOLUTION):
            _open(ticket, kind).update(cancelled_at=now)
        return
    if ticket.status == Status.RESOLVED:
        _open(ticket, K.RESOLUTION).update(met_at=now, paused_at=None, minutes_left=None)
        return
    if from_status == Status.RESOLVED:
        _resolution(ticket, policy, now)  # reopened: a new resolution clock
        return
    if _pauses(ticket.status, policy) and not _pauses(from_status, policy):
        _pause(ticket, now)
    elif _pauses(from_status, policy) and not _pauses(ticket.status, policy):
        _resume(ticket, policy, now)


def _resolution_due(policy: SlaPolicy, now: datetime) -> datetime:
    return calendar_for(policy.calendar).add(now, policy.resolution_minutes)


def _resolution_deadline(ticket: Ticket, policy: SlaPolicy, now: datetime) -> Deadline:
    return new_deadline(ticket, K.RESOLUTION, policy, now, _resolution_due(policy, now))


def _resolution(ticket: Ticket, policy: SlaPolicy | None, now: datetime) -> None:
    if policy is not None:
        _resolution_deadline(ticket, policy, now).save()


def _pause(ticket: Ticket, now: datetime) -> None:
    for deadline in (
        _open(ticket, K.RESOLUTION).filter(paused_at=None).select_related("policy__calendar")
    ):
        if deadline.policy is None:
            continue  # its policy is gone: the due time stays as it was
        left = calendar_for(deadline.policy.calendar).minutes_between(now, deadline.due_at)
        deadline.paused_at, deadline.minutes_left = now, max(left, 0.0)
        deadline.save(update_fields=["paused_at", "minutes_left"])


def _resume(ticket: Ticket, policy: SlaPolicy | None, now: datetime) -> None:
    for deadline in (
        _open(ticket, K.RESOLUTION).exclude(paused_at=None).select_related("policy__calendar")
    ):
        source = deadline.policy or policy
        if source is None:
            continue
        due = calendar_for(source.calendar).add(now, deadline.minutes_left or 0)
        # The warning comes at the same share of what is left, unless it was already sent.
        if deadline.warned_at is None:
            deadline.warn_at = warn_time(source, now, due)
        deadline.due_at = due
        deadline.paused_at, deadline.minutes_left = None, None
        deadline.save(update_fields=["due_at", "warn_at", "paused_at", "minutes_left"])
