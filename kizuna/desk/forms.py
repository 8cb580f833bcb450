"""Desk forms. They only parse and check the shape of input; the rules live in the services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.lib import timefmt
from kizuna.lib.ids import parse_id
from kizuna.lib.uploads import MultipleFileField
from kizuna.tickets import workflow
from kizuna.tickets.models import CloseReason, Priority, Status, Team


class _UniqueIds:
    """Several forms share the ticket page: give each its own element ids (labels, a11y)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class CheckpointInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CheckpointField(forms.DateTimeField):
    """A next checkpoint typed in the agent's time zone, within the dates Kizuna accepts."""

    widget = CheckpointInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):
            # A date at the very end of the calendar cannot even be placed in a time zone.
            raise forms.ValidationError(
                _("Give a date and time between %(first)s and %(last)s.")
                % {"first": timefmt.EARLIEST.year, "last": timefmt.LATEST.year - 1},
                code="invalid",
            ) from None

    def validate(self, value):
        super().validate(value)
        if value is not None and not timefmt.in_range(value):
            raise forms.ValidationError(workflow.checkpoint_range_message(value), code="range")


class ReplyForm(_UniqueIds, forms.Form):
    id_prefix = "reply"
    body = forms.CharField(
        label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 8})
    )
    override_check = forms.BooleanField(
        label=_("Send anyway, despite the errors above (recorded for your manager)"), required=False
    )
    attachments = MultipleFileField(label=_("Attachments"))
    checkpoint = CheckpointField(
        label=_("Next update by (optional)"),
        required=False,
        help_text=_("When this reply is an update: the date and time of the next one (P1)."),
    )


class NoteForm(_UniqueIds, forms.Form):
    id_prefix = "note"
    body = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen by the team only, never by the customer."),
    )


def default_checkpoint():
    """Four hours ahead, on the quarter hour, in the agent's own time zone."""
    t = timezone.localtime() + timedelta(hours=4)
    return t.replace(minute=(t.minute // 15) * 15, second=0, microsecond=0)


class StatusForm(_UniqueIds, forms.Form):
    id_prefix = "status"
    to_status = forms.ChoiceField(label=_("New status"))
    customer_note = forms.CharField(
        label=_("What the customer is told"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is happening now and what comes next (P1). Sent to the customer."),
    )
    checkpoint = CheckpointField(
        label=_("Next update by"),
        required=False,
        help_text=_("In your time zone. The customer sees it in theirs."),
    )
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"), required=False, choices=[("", "—"), *CloseReason.choices]
    )
    override_check = forms.BooleanField(
        label=_("Send anyway, despite the errors above (recorded for your manager)"), required=False
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (s, Status(s).label) for s in workflow.allowed_next(ticket.status)
        ]
        if not self.is_bound:
            self.initial.setdefault("checkpoint", default_checkpoint())


class IdChoiceField(forms.ModelChoiceField):
    """A choice of row by its id, written in ASCII digits: Django would also read "１" or
    "٣" as a number and pick that row."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(str(value)) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class AssignForm(_UniqueIds, forms.Form):
    id_prefix = "assign"
    assignee = IdChoiceField(
        label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody")
    )
    team = IdChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label="—"
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, agent_profile__isnull=False
        ).order_by("username")


class DraftCheckForm(forms.Form):
    """A draft sent by the composer while the agent types (the live check)."""

    body = forms.CharField(required=False, strip=False)
    customer_note = forms.CharField(required=False, strip=False)
    to_status = forms.CharField(required=False)


class RuleSettingForm(forms.Form):
    rule_id = forms.CharField()
    enabled = forms.BooleanField(required=False)
    severity = forms.ChoiceField(
        choices=[("error", "error"), ("warning", "warning"), ("info", "info")]
    )
    reset = forms.BooleanField(required=False)
