"""Changing many tickets at once from the queue: a status (with one note and checkpoint for
every customer), an assignee, or a priority.

Each ticket goes through the same service as on its own page, in its own transaction: every
customer still gets their note and next checkpoint (P1), every change is in its ticket's
history, and a ticket that cannot take the change (a status it cannot move to) is reported by
reference while the others go ahead. A note the team's standard refuses is refused once, for
all, before any ticket changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kizuna.closing import services as closing
from kizuna.desk.forms import CheckpointField, PersonChoiceField, default_checkpoint
from kizuna.lib.ids import parse_id
from kizuna.standards.services import CheckBlocked
from kizuna.tickets import services
from kizuna.tickets.models import CloseReason, Priority, Status, Ticket
from kizuna.tickets.workflow import TicketError

MAX_TICKETS = 100
ACTIONS = (
    ("status", _("Change status")),
    ("assign", _("Assign")),
    ("priority", _("Set priority")),
)
# Resolving asks P2's questions of each ticket: one by one, on its own page.
BULK_STATUSES = [(s.value, s.label) for s in Status if s not in (Status.NEW, Status.RESOLVED)]


class BulkForm(forms.Form):
    tickets = forms.CharField(required=False)  # replaced by the list of checked ids in clean
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    to_status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *BULK_STATUSES], required=False
    )
    customer_note = forms.CharField(
        label=_("What each customer is told"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the customer of every selected ticket, with the next update time."),
    )
    checkpoint = CheckpointField(
        label=_("Next update by"), required=False, help_text=_("In your time zone.")
    )
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"), required=False, choices=[("", "—"), *CloseReason.choices]
    )
    assignee = PersonChoiceField(
        label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody")
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", "—"), *Priority.choices], required=False
    )
    override_check = forms.BooleanField(
        label=_("Send anyway, despite the errors (recorded for your manager)"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, agent_profile__isnull=False)
            .order_by("last_name", "first_name", "username")
        )
        if not self.is_bound:
            self.initial.setdefault("checkpoint", default_checkpoint())

    def clean(self):
        data = super().clean()
        raw = self.data.getlist("ticket") if hasattr(self.data, "getlist") else []
        ids = []
        for value in raw:
            ticket_id = parse_id(value)
            if ticket_id is None:
                raise forms.ValidationError(
                    _("“%(value)s” is not a ticket.") % {"value": value[:40]}
                )
            if ticket_id not in ids:
                ids.append(ticket_id)
        if not ids:
            raise forms.ValidationError(_("Select at least one ticket."))
        if len(ids) > MAX_TICKETS:
            raise forms.ValidationError(
                _("At most %(max)d tickets at a time.") % {"max": MAX_TICKETS}
            )
        data["tickets"] = ids
        action = data.get("action")
        if action == "status" and not data.get("to_status"):
            self.add_error("to_status", _("Choose the new status."))
        if action == "priority" and not data.get("priority"):
            self.add_error("priority", _("Choose the priority."))
        return data


@dataclass
class Outcome:
    changed: list[str] = field(default_factory=list)
    # (reference, why) of each ticket left as it was.
    refused: list[tuple[str, str]] = field(default_factory=list)


def apply(data: dict, *, tickets: list[Ticket], actor_user) -> Outcome:
    """Apply the form's action to each ticket. A TicketError about the note itself (the
    standard refused it, it is empty where one is needed) stops everything at the first
    ticket, which the same note would fail too: the caller shows it on the form."""
    outcome = Outcome()
    for ticket in tickets:
        try:
            _apply_one(data, ticket=ticket, actor_user=actor_user)
        except CheckBlocked:
            raise  # the same note for every ticket: refused for all, shown on the form
        except TicketError as e:
            if e.field == "customer_note" and not outcome.changed:
                raise
            outcome.refused.append((ticket.reference, e.message))
        else:
            outcome.changed.append(ticket.reference)
    return outcome


def _apply_one(data: dict, *, ticket: Ticket, actor_user) -> None:
    action = data["action"]
    if action == "assign":
        services.ticket_assign(
            ticket=ticket, actor_user=actor_user, assignee=data["assignee"], team=ticket.team
        )
    elif action == "priority":
        services.ticket_assign(
            ticket=ticket,
            actor_user=actor_user,
            assignee=ticket.assignee,
            team=ticket.team,
            priority=data["priority"],
        )
    elif data["to_status"] == Status.CLOSED:
        closing.ticket_close(
            ticket=ticket,
            actor_user=actor_user,
            close_reason=data["close_reason"],
            customer_note=data["customer_note"],
            override_check=data["override_check"],
        )
    else:
        services.ticket_transition(
            ticket=ticket,
            actor_user=actor_user,
            to_status=data["to_status"],
            customer_note=data["customer_note"],
            checkpoint=data["checkpoint"],
            override_check=data["override_check"],
        )
