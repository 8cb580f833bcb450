"""Desk forms. They only parse and check the shape of input; the rules live in the services."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.letters import selectors as letter_selectors
from kizuna.letters.models import Purpose
from kizuna.lib import timefmt
from kizuna.lib.ids import parse_id
from kizuna.lib.names import person_name
from kizuna.lib.text import text_problem
from kizuna.lib.uploads import MultipleFileField
from kizuna.sla.calendar import CalendarError, parse_ranges
from kizuna.sla.services import MAX_TARGET
from kizuna.tickets import workflow
from kizuna.tickets.models import (
    AgentProfile,
    Channel,
    CloseReason,
    Priority,
    Resolved,
    Status,
    Team,
)


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


# What the composer says a message is; the live check and the check at send read it as such.
MESSAGE_PURPOSES = [
    ("any", _("A reply")),
    ("update", _("A status update")),
    ("bad-news", _("Bad news")),
    ("resolution", _("A resolution report")),
    ("closing", _("Closing the request")),
]


class ShortListIterator(ModelChoiceIterator):
    """The choices in one plain query. Django reads a choice list through a server-side
    cursor, which on PostgreSQL costs three round trips and a result kept until the end of
    the transaction, for each list of each page; agents, teams and letters are short lists."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class LetterChoiceField(forms.ModelChoiceField):
    """A sample letter, by id (ASCII digits only), shown with its purpose."""

    iterator = ShortListIterator

    def label_from_instance(self, obj):
        return f"{obj.get_purpose_display()}: {obj.name}"

    def to_python(self, value):
        if value not in self.empty_values and parse_id(str(value)) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ReplyForm(_UniqueIds, forms.Form):
    id_prefix = "reply"
    body = forms.CharField(
        label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 8})
    )
    purpose = forms.ChoiceField(
        label=_("This message is"), choices=MESSAGE_PURPOSES, required=False, initial="any"
    )
    letter = LetterChoiceField(
        label=_("Start from a sample letter"),
        queryset=None,
        required=False,
        empty_label="—",
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
    checkpoint_reason = forms.CharField(
        label=_("Reason for a later update"),
        required=False,
        max_length=500,
        help_text=_(
            "Needed when the next update is later than the longest wait for news the policy "
            "allows; recorded for the team (P12)."
        ),
    )
    keep_new = forms.BooleanField(
        label=_("Leave the ticket “New” (this reply does not acknowledge it)"), required=False
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"].queryset = letter_selectors.letters_for_composer(
            language=ticket.language,
            purposes=[p for p in Purpose.values if p != Purpose.RESOLUTION],
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


def _answer(label) -> forms.CharField:
    """One of P2's answers in the status form (required only when resolving, by the service)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=workflow.MAX_ANSWER_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


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
    checkpoint_reason = forms.CharField(
        label=_("Reason for a later update"),
        required=False,
        max_length=500,
        help_text=_(
            "Needed when the next update is later than the longest wait for news the policy "
            "allows; recorded for the team (P12)."
        ),
    )
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"), required=False, choices=[("", "—"), *CloseReason.choices]
    )
    override_check = forms.BooleanField(
        label=_("Send anyway, despite the errors above (recorded for your manager)"), required=False
    )
    # P2's answers, asked when resolving.
    cause = _answer(_("What caused it"))
    done = _answer(_("What was done, and what remains"))
    fully_resolved = forms.ChoiceField(
        label=_("Is it fully resolved?"),
        required=False,
        choices=[("", "—"), *Resolved.choices],
    )
    recurrence = _answer(_("Can it happen again, and how to avoid it"))
    further_help = _answer(_("Further help to offer (optional)"))
    letter = LetterChoiceField(
        label=_("Resolution letter"),
        queryset=None,
        required=False,
        empty_label=_("The team's default"),
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (s, Status(s).label) for s in workflow.allowed_next(ticket.status)
        ]
        self.fields["letter"].queryset = letter_selectors.letters_for_composer(
            language=ticket.language, purposes=[Purpose.RESOLUTION]
        )

    def resolution_answers(self) -> workflow.ResolutionAnswers:
        data = self.cleaned_data
        return workflow.ResolutionAnswers(
            cause=data.get("cause", ""),
            done=data.get("done", ""),
            fully_resolved=data.get("fully_resolved", ""),
            recurrence=data.get("recurrence", ""),
            further_help=data.get("further_help", ""),
        )
        if not self.is_bound:
            self.initial.setdefault("checkpoint", default_checkpoint())


class IdChoiceField(forms.ModelChoiceField):
    """A choice of row by its id, written in ASCII digits: Django would also read "１" or
    "٣" as a number and pick that row."""

    iterator = ShortListIterator

    def to_python(self, value):
        if value not in self.empty_values and parse_id(str(value)) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class PersonChoiceField(IdChoiceField):
    """An agent, shown by full name (佐藤 健, Alice Morgan) rather than sign-in name."""

    def label_from_instance(self, obj):
        return person_name(obj)


class AssignForm(_UniqueIds, forms.Form):
    id_prefix = "assign"
    assignee = PersonChoiceField(
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
        ).order_by("last_name", "first_name", "username")


class CcForm(_UniqueIds, forms.Form):
    id_prefix = "cc"
    cc = forms.CharField(
        label=_("Copy to (Cc)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Addresses copied on every mail to the customer, separated by commas."),
    )


class DraftCheckForm(forms.Form):
    """A draft sent by the composer while the agent types (the live check)."""

    body = forms.CharField(required=False, strip=False)
    customer_note = forms.CharField(required=False, strip=False)
    to_status = forms.CharField(required=False)
    purpose = forms.ChoiceField(required=False, choices=MESSAGE_PURPOSES)


class RuleSettingForm(forms.Form):
    rule_id = forms.CharField()
    enabled = forms.BooleanField(required=False)
    severity = forms.ChoiceField(
        choices=[("error", "error"), ("warning", "warning"), ("info", "info")]
    )
    reset = forms.BooleanField(required=False)


# --- Service levels ---------------------------------------------------------------------------

WEEKDAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
_RANGE = re.compile(r"^([0-9]{2}:[0-9]{2})\s*[-–~〜]\s*([0-9]{2}:[0-9]{2})$", re.ASCII)


def hours_text(ranges) -> str:
    """[["09:00", "12:00"], ["13:00", "18:00"]] as "09:00-12:00, 13:00-18:00"."""
    return ", ".join(f"{start}-{end}" for start, end in ranges or [])


def _dates_text(values) -> str:
    return "\n".join(str(v) for v in values or [])


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Tokyo")
    always_open = forms.BooleanField(label=_("Open 24 hours, every day"), required=False)
    country = forms.CharField(
        label=_("National holidays of (country code)"), max_length=8, required=False, initial="JP"
    )
    subdivision = forms.CharField(label=_("Region (optional)"), max_length=16, required=False)
    year_end_closing = forms.BooleanField(
        label=_("Closed from 29 December to 3 January"), required=False, initial=True
    )
    closed_days = forms.CharField(
        label=_("Company closed days (one date per line, 2026-08-13)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
    )
    extra_working_days = forms.CharField(
        label=_("Extra working days (one date per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )

    def __init__(self, *args, calendar=None, **kwargs):
        if calendar is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "name": calendar.name,
                "time_zone": calendar.time_zone,
                "always_open": calendar.always_open,
                "country": calendar.country,
                "subdivision": calendar.subdivision,
                "year_end_closing": calendar.year_end_closing,
                "closed_days": _dates_text(calendar.closed_days),
                "extra_working_days": _dates_text(calendar.extra_working_days),
                **{
                    f"hours_{day}": hours_text((calendar.hours or {}).get(str(day)))
                    for day in range(7)
                },
            }
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAY_NAMES):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                help_text=_("e.g. 09:00-12:00, 13:00-18:00; empty: closed"),
            )

    def weekday_fields(self):
        return [self[f"hours_{day}"] for day in range(7)]

    def clean(self):
        data = super().clean()
        hours = {}
        for day in range(7):
            text = (data.get(f"hours_{day}") or "").strip()
            if not text:
                continue
            ranges = []
            for item in re.split(r"[,、]\s*|\s{2,}", text):
                match = _RANGE.match(item.strip())
                if not match:
                    self.add_error(f"hours_{day}", _("Write hours like 09:00-12:00, 13:00-18:00."))
                    break
                ranges.append([match.group(1), match.group(2)])
            else:
                try:
                    parse_ranges(ranges)
                except CalendarError as exc:
                    self.add_error(f"hours_{day}", str(exc))
                else:
                    hours[str(day)] = ranges
        data["hours"] = hours
        for field in ("closed_days", "extra_working_days"):
            data[field] = [
                line.strip() for line in (data.get(field) or "").splitlines() if line.strip()
            ]
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "time_zone": data["time_zone"].strip(),
            "always_open": data["always_open"],
            "country": data["country"].strip().upper(),
            "subdivision": data["subdivision"].strip(),
            "year_end_closing": data["year_end_closing"],
            "hours": data["hours"],
            "closed_days": data["closed_days"],
            "extra_working_days": data["extra_working_days"],
        }


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    contract_tier = forms.CharField(
        label=_("Contract tier (empty: every organization)"), max_length=32, required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], required=False
    )
    calendar = forms.TypedChoiceField(label=_("Calendar"), coerce=int)
    first_response_minutes = forms.IntegerField(
        label=_("First response (business minutes)"), min_value=1, max_value=MAX_TARGET
    )
    update_interval_minutes = forms.IntegerField(
        label=_("Longest wait for news (business minutes)"), min_value=1, max_value=MAX_TARGET
    )
    resolution_minutes = forms.IntegerField(
        label=_("Resolution (business minutes)"), min_value=1, max_value=MAX_TARGET
    )
    pause_for_third_party = forms.BooleanField(
        label=_("Pause the resolution clock while waiting for a third party"), required=False
    )
    warn_percent = forms.IntegerField(
        label=_("Warn agents when this share of the time has gone (%)"),
        min_value=1,
        max_value=99,
        initial=75,
        required=False,
        help_text=_("Empty: 75 %."),
    )
    holding_update = forms.BooleanField(
        label=_("Send the customer a holding update when a checkpoint passes with no news"),
        required=False,
    )

    def __init__(self, *args, calendars=(), policy=None, **kwargs):
        if policy is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "name": policy.name,
                "contract_tier": policy.contract_tier,
                "priority": policy.priority,
                "calendar": policy.calendar_id,
                "first_response_minutes": policy.first_response_minutes,
                "update_interval_minutes": policy.update_interval_minutes,
                "resolution_minutes": policy.resolution_minutes,
                "pause_for_third_party": policy.pause_for_third_party,
                "warn_percent": policy.warn_percent,
                "holding_update": policy.holding_update,
            }
        super().__init__(*args, **kwargs)
        self.fields["calendar"].choices = [(c.id, c.name) for c in calendars]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["calendar_id"] = data.pop("calendar")
        if data.get("warn_percent") is None:
            data["warn_percent"] = 75
        return data


SIGNATURE_MAX_LINES = 10


class SignatureForm(forms.ModelForm):
    """The agent's own signature under their mail to customers, one per language."""

    class Meta:
        model = AgentProfile
        fields = ["signature_ja", "signature_en"]
        widgets = {
            "signature_ja": forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
            "signature_en": forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
        }

    def _signature(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        problem = text_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        if value.count("\n") >= SIGNATURE_MAX_LINES:
            raise forms.ValidationError(
                _("A signature may have at most %(n)s lines.") % {"n": SIGNATURE_MAX_LINES}
            )
        return value

    def clean_signature_ja(self):
        return self._signature("signature_ja")

    def clean_signature_en(self):
        return self._signature("signature_en")


class OnBehalfForm(_UniqueIds, forms.Form):
    """A request an agent takes down for a customer who called or came in (capability 2)."""

    id_prefix = "onbehalf"
    contact_email = forms.EmailField(
        label=_("Customer's email address"),
        max_length=254,
        help_text=_("The contact the request is for; they get the usual acknowledgement."),
    )
    channel = forms.ChoiceField(
        label=_("How they asked"),
        choices=[(Channel.PHONE, _("By phone")), (Channel.DESK, _("In person"))],
    )
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(
        label=_("What the customer said"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=50_000,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="normal")
    attachments = MultipleFileField(label=_("Attachments"))

    def clean_subject(self):
        return self._text("subject")

    def clean_body(self):
        return self._text("body")

    def _text(self, name: str) -> str:
        value = self.cleaned_data[name]
        problem = text_problem(value, single_line=name == "subject")
        if problem:
            raise forms.ValidationError(problem)
        return value
