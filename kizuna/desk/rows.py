"""Queue rows prepared once in Python: the template only prints strings.

The queue is the desk's busiest page; resolving model attributes, translated labels, URLs
and localised dates through the template engine for every cell cost more than the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kizuna.lib.names import person_name
from kizuna.lib.timefmt import localtime_or_utc
from kizuna.mood.labels import MOOD_LABELS
from kizuna.tickets.models import Priority, Status

# A row is marked "due soon" when something falls due within this.
DUE_SOON = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    reference: str
    url: str
    subject: str
    requester: str
    organization: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    assignee: str
    checkpoint_iso: str
    checkpoint_text: str
    overdue: bool
    due_soon: bool
    # The customer rated the help 1 or 2 and the lead has not followed it up yet (P10).
    poor_rating: bool = False
    # The mood of the customer's latest message when it raises the ticket (P8), else "".
    mood: str = ""
    mood_label: str = ""
    # "new" (opened) or "updated" since the agent opened the queue page, else "".
    change: str = ""


def queue_rows(
    tickets, *, poor_ratings: frozenset[int] = frozenset(), since=None
) -> list[QueueRow]:
    now = timezone.now()
    tz = timezone.get_current_timezone()
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    moods = {value: str(label) for value, label in MOOD_LABELS.items()}
    # One reverse() for the page: every ticket URL shares the prefix.
    prefix = reverse("desk:ticket", args=[0]).removesuffix("0/")
    rows = []
    for t in tickets:
        due = t.next_due or t.next_checkpoint
        local = localtime_or_utc(due, tz) if due else None
        is_open = t.status != Status.CLOSED
        rows.append(
            QueueRow(
                id=t.id,
                reference=t.reference,
                url=f"{prefix}{t.id}/",
                subject=t.subject,
                requester=t.requester.name,
                organization=t.organization.name,
                status=t.status,
                status_label=statuses.get(t.status, t.status),
                priority=t.priority,
                priority_label=priorities.get(t.priority, t.priority),
                assignee=person_name(t.assignee) if t.assignee_id else "",
                checkpoint_iso=local.isoformat() if local else "",
                checkpoint_text=local.strftime("%Y-%m-%d %H:%M") if local else "",
                overdue=bool(is_open and due and due < now),
                due_soon=bool(is_open and due and now <= due <= now + DUE_SOON),
                poor_rating=t.id in poor_ratings,
                mood=t.customer_mood if t.attention else "",
                mood_label=moods.get(t.customer_mood, "") if t.attention else "",
                change=_change(t, since),
            )
        )
    return rows


def _change(ticket, since) -> str:
    if since is None:
        return ""
    if ticket.created_at > since:
        return "new"
    return "updated" if ticket.updated_at > since else ""
