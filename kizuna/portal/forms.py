"""Portal forms: sign-in, reply and the new-request form that asks P9's questions."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.intake import FORM_FIELD_FACTS
from kizuna.lib.uploads import MultipleFileField
from kizuna.tickets.models import Priority


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=gettext_lazy("Attachments"),
        help_text=gettext_lazy(
            "Screenshots, logs or error messages help us most. You can choose several files."
        ),
    )


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Please write a message.")},
    )
    attachments = _attachments_field()


# How urgent, in the customer's words, and the priority each answer means (P9).
URGENCY_CHOICES = [
    ("stopped", gettext_lazy("Work has stopped")),
    ("hard", gettext_lazy("Work is possible, but hard")),
    ("can_wait", gettext_lazy("It can wait a little")),
    ("question", gettext_lazy("A question, no hurry")),
]
URGENCY_PRIORITY = {
    "stopped": Priority.URGENT,
    "hard": Priority.HIGH,
    "can_wait": Priority.NORMAL,
    "question": Priority.LOW,
}


class NewRequestForm(forms.Form):
    """P9: ask about the customer's situation first — what happened, impact, urgency, what was
    tried, the deadline — because a first request is almost never complete."""

    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=250,
        help_text=gettext_lazy("A short summary, e.g. “Cannot send email since this morning”."),
        error_messages={"required": gettext_lazy("Please give your request a short subject.")},
    )
    what_happened = forms.CharField(
        label=gettext_lazy("What happened?"),
        help_text=gettext_lazy("What you saw, since when, and any error message word for word."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Please tell us what happened.")},
    )
    impact = forms.CharField(
        label=gettext_lazy("Who is affected, and how many?"),
        help_text=gettext_lazy(
            "For example: “only me”, “the whole sales team (12 people)”, “our customers”."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Please tell us who is affected.")},
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("How urgent is it?"),
        choices=URGENCY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose how urgent it is.")},
    )
    tried = forms.CharField(
        label=gettext_lazy("What have you already tried?"),
        help_text=gettext_lazy("Optional. Anything you tried helps us avoid asking twice."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    needed_by = forms.DateField(
        label=gettext_lazy("By when do you need it?"),
        help_text=gettext_lazy(
            "Optional. A date that matters to you, e.g. a meeting or a deadline."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-12-24.")},
    )
    attachments = _attachments_field()

    def clean_needed_by(self) -> date | None:
        value = self.cleaned_data.get("needed_by")
        if value and value < timezone.localdate():
            raise forms.ValidationError(
                _("This date has already passed; please choose today or a later date.")
            )
        return value

    @property
    def priority(self) -> str:
        return URGENCY_PRIORITY[self.cleaned_data["urgency"]]

    def answered_facts(self) -> list[str]:
        """The facts of P9 this form's answers give (kizuna.intake)."""
        data = self.cleaned_data
        return sorted(
            {fact for name, fact in FORM_FIELD_FACTS.items() if str(data.get(name) or "").strip()}
        )

    def compose_body(self) -> str:
        """The answers as one message with a heading for each, in the active language."""
        data = self.cleaned_data
        urgency = dict(URGENCY_CHOICES)[data["urgency"]]
        sections = [
            (_("What happened"), data["what_happened"]),
            (_("Who is affected"), data["impact"]),
            (_("How urgent"), str(urgency)),
            (_("What we already tried"), data.get("tried") or _("(nothing yet)")),
        ]
        if data.get("needed_by"):
            sections.append((_("Needed by"), date_format(data["needed_by"], "DATE_FORMAT")))
        return "\n\n".join(f"■ {heading}\n{text.strip()}" for heading, text in sections)
