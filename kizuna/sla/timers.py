"""The timers of promised times (P12, P13): warnings before a deadline falls due, breaches
recorded when it passes, escalation of a breach to the team's lead, and the holding update a
policy may send the customer when a checkpoint passes with no news.

Each step is one transaction that first marks the deadline with a conditional update
(`warned_at` / `breached_at` still empty): whichever worker gets there first records the
event, makes the notifications and queues their mail; any other finds nothing to do. A worker
killed mid-way leaves nothing behind (its transaction rolls back), and the next scan does the
step again. So every warning and breach is recorded and notified exactly once, however many
workers run.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from kizuna.notifications.models import NotificationKind
from kizuna.notifications.services import notify
from kizuna.sla import notices
from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.tickets import services as ticket_services
from kizuna.tickets.models import EventKind, TicketEvent

BATCH = 500


def _running():
    return Deadline.objects.filter(met_at=None, cancelled_at=None, paused_at=None)


def breaches_due(*, now: datetime, limit: int = BATCH) -> list[int]:
    """Deadlines that passed and are not recorded as missed yet (an index range scan)."""
    return list(
        _running()
        .filter(breached_at=None, due_at__lte=now)
        .order_by("due_at")
        .values_list("id", flat=True)[:limit]
    )


def warnings_due(*, now: datetime, limit: int = BATCH) -> list[int]:
    """Deadlines whose warning time has come, still ahead of their due time."""
    return list(
        _running()
        .filter(warned_at=None, breached_at=None, warn_at__lte=now, due_at__gt=now)
        .order_by("warn_at")
        .values_list("id", flat=True)[:limit]
    )


def timers_pending(*, now: datetime) -> bool:
    return bool(breaches_due(now=now, limit=1) or warnings_due(now=now, limit=1))


def _managers():
    return get_user_model().objects.filter(is_active=True, is_staff=True)


def watchers(ticket) -> list:
    """Who is warned about a ticket: its assignee and its team's members; managers when the
    ticket has neither."""
    people = {}
    if ticket.assignee_id and ticket.assignee.is_active:
        people[ticket.assignee_id] = ticket.assignee
    if ticket.team_id:
        for member in ticket.team.members.filter(is_active=True):
            people.setdefault(member.pk, member)
    if not people:
        people = {user.pk: user for user in _managers()}
    return list(people.values())


def escalation_to(ticket) -> list:
    """Who hears of a breach next: the lead of the ticket's team, else the managers."""
    if ticket.team_id and ticket.team.lead_id and ticket.team.lead.is_active:
        return [ticket.team.lead]
    return list(_managers())


def _deadline(deadline_id: int) -> Deadline:
    return Deadline.objects.select_related(
        "ticket__assignee", "ticket__team__lead", "ticket__requester", "policy"
    ).get(pk=deadline_id)


def deadline_warn(*, deadline_id: int, now: datetime) -> bool:
    """Warn the watchers of one deadline, once; False when there was nothing to do."""
    with transaction.atomic():
        marked = (
            _running()
            .filter(pk=deadline_id, warned_at=None, breached_at=None, due_at__gt=now)
            .update(warned_at=now)
        )
        if not marked:
            return False
        deadline = _deadline(deadline_id)
        notify(
            recipients=watchers(deadline.ticket),
            ticket=deadline.ticket,
            kind=NotificationKind.WARNING,
            key=f"deadline:{deadline.pk}:warning",
            text_for=lambda user: notices.warning_text(
                deadline, user, translation.get_language(), now
            ),
            now=now,
        )
    return True


def deadline_breach(*, deadline_id: int, now: datetime) -> bool:
    """Record that one deadline passed, notify its watchers and escalate to the team's lead,
    once; send the customer a holding update for a missed checkpoint when the policy says
    so. False when there was nothing to do."""
    with transaction.atomic():
        marked = (
            _running()
            .filter(pk=deadline_id, breached_at=None, due_at__lte=now)
            .update(breached_at=now)
        )
        if not marked:
            return False
        deadline = _deadline(deadline_id)
        ticket = deadline.ticket
        leads = escalation_to(ticket)
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.BREACH,
            created_at=now,
            checkpoint=deadline.due_at,
            data={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "due": deadline.due_at.isoformat(),
                "text": deadline.text,
                "escalated_to": [user.pk for user in leads],
            },
        )
        notify(
            recipients=watchers(ticket),
            ticket=ticket,
            kind=NotificationKind.BREACH,
            key=f"deadline:{deadline.pk}:breach",
            text_for=lambda user: notices.breach_text(deadline, user, translation.get_language()),
            now=now,
        )
        notify(
            recipients=leads,
            ticket=ticket,
            kind=NotificationKind.ESCALATION,
            key=f"deadline:{deadline.pk}:escalation",
            text_for=lambda user: notices.escalation_text(
                deadline, user, translation.get_language()
            ),
            now=now,
        )
        if (
            deadline.kind == DeadlineKind.CHECKPOINT
            and deadline.policy is not None
            and deadline.policy.holding_update
            and ticket.status in ticket_services.HOLDING_STATUSES
            and ticket.next_checkpoint == deadline.due_at
        ):
            ticket_services.ticket_holding_update(ticket=ticket, now=now)
    return True


def timers_run(*, now: datetime) -> dict[str, int]:
    """One scan: every breach due, then every warning due (a deadline already past gets its
    breach, not a late warning)."""
    counts = {"breaches": 0, "warnings": 0}
    while ids := breaches_due(now=now):
        done = sum(deadline_breach(deadline_id=i, now=now) for i in ids)
        counts["breaches"] += done
        if len(ids) < BATCH:
            break
    while ids := warnings_due(now=now):
        counts["warnings"] += sum(deadline_warn(deadline_id=i, now=now) for i in ids)
        if len(ids) < BATCH:
            break
    return counts
