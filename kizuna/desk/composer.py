"""The composer's sample letters (P12): starting a reply from a letter, and the resolution
report turned into the customer's message before it goes out (P2).

Both are a first step of the same form: the text is filled in and shown with what the reply
checker finds in it, nothing is sent; the agent reads it, fills any [[blank]], edits, and
sends.
"""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

from kizuna.closing import services as closing
from kizuna.desk.forms import ReplyForm, StatusForm
from kizuna.intake import services as intake_services
from kizuna.letters import services as letters
from kizuna.letters.models import CHECK_PURPOSE, Purpose
from kizuna.letters.variables import ticket_values
from kizuna.standards import selectors as standard_selectors
from kizuna.standards import services as standard_services
from kizuna.tickets import workflow
from kizuna.tickets.models import Ticket
from kizuna.tickets.workflow import TicketError


def findings_context(text: str, result) -> dict:
    return {
        "result": result,
        "pieces": standard_selectors.highlight(text, result.findings),
        "errors": sum(1 for f in result.findings if f.severity == "error"),
    }


def _checked(ticket: Ticket, text: str, purpose: str) -> dict | None:
    try:
        result = standard_services.draft_check(ticket=ticket, text=text, purpose=purpose)
    except TicketError:
        return None
    return findings_context(text, result)


def reply_from_letter(data: QueryDict, *, ticket: Ticket, agent) -> ReplyForm:
    """The reply form with the chosen letter filled in for this ticket (above any draft
    already typed), its purpose set from the letter's, and the check of the result."""
    form = ReplyForm(data, ticket=ticket)
    try:
        if data.get("use_letter") == "intake":
            # "Ask for what is missing" (P9): the team's questions letter.
            letter = letters.letter_for(Purpose.INTAKE, ticket.language)
        else:
            letter = form.fields["letter"].clean(data.get("letter"))
    except forms.ValidationError as e:
        form.is_valid()
        form.errors.clear()
        form.add_error("letter", e)
        return form
    if letter is None:
        form.is_valid()
        form.errors.clear()
        form.add_error("letter", _("Choose a letter to start from."))
        return form
    # A questions letter asks for the facts of P9 the request does not give, and only those.
    questions = intake_services.questions_text(ticket) if letter.purpose == Purpose.INTAKE else ""
    text = letters.render(letter, ticket_values(ticket, agent=agent, questions=questions))
    draft = (data.get("body") or "").strip()
    filled = data.copy()
    filled["body"] = f"{text}\n\n{draft}" if draft else text
    filled["purpose"] = CHECK_PURPOSE.get(letter.purpose, "any")
    form = ReplyForm(filled, ticket=ticket)
    form.checked = _checked(ticket, filled["body"], filled["purpose"])
    return form


def resolution_preview(form: StatusForm, data: QueryDict, *, ticket: Ticket, agent) -> StatusForm:
    """The resolution report's answers written into the resolution letter, as the status
    form's customer note, with the check of the result; or the form with the errors that
    keep it from being written (each missing answer named)."""
    cleaned = form.cleaned_data
    try:
        answers = workflow.check_resolution(form.resolution_answers())
        text = closing.resolution_text(
            ticket,
            answers,
            agent=agent,
            letter=cleaned.get("letter"),
            checkpoint=cleaned.get("checkpoint"),
        )
    except TicketError as e:
        form.add_error(answer_field(form, e.field), e.message)
        return form
    filled = data.copy()
    filled["customer_note"] = text
    preview = StatusForm(filled, ticket=ticket)
    preview.is_valid()
    preview.checked = _checked(ticket, text, "resolution")
    preview.resolution_written = True
    return preview


def answer_field(form: forms.Form, field: str) -> str | None:
    """The form field a service error belongs to ('resolution.cause' → 'cause')."""
    name = field.removeprefix("resolution.")
    return name if name in form.fields else None
