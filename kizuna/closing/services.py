"""The end of the service cycle (P2, P10): resolving a request with its report, told to the
customer through a sample letter (see docs/closing.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from kizuna.letters import services as letters
from kizuna.letters.models import Letter, Purpose
from kizuna.letters.variables import ticket_values
from kizuna.tickets import services as tickets
from kizuna.tickets import workflow
from kizuna.tickets.models import Status, Ticket
from kizuna.tickets.workflow import ResolutionAnswers, TicketError


def resolution_letter(ticket: Ticket, letter: Letter | None = None) -> Letter:
    """The letter a resolution report is written with: the one the agent chose (a
    resolution letter in the customer's language), else the team's default."""
    if letter is None:
        return letters.letter_for(Purpose.RESOLUTION, ticket.language)
    if letter.purpose != Purpose.RESOLUTION:
        raise TicketError(
            _("“%(name)s” is not a resolution letter; choose one written for resolution reports.")
            % {"name": letter.name},
            field="letter",
        )
    if letter.language != ticket.language:
        raise TicketError(
            _("“%(name)s” is written in %(letter)s, but this customer reads %(customer)s.")
            % {
                "name": letter.name,
                "letter": letter.get_language_display(),
                "customer": ticket.get_language_display(),
            },
            field="letter",
        )
    return letter


def resolution_text(
    ticket: Ticket,
    answers: ResolutionAnswers,
    *,
    agent=None,
    letter: Letter | None = None,
    checkpoint: datetime | None = None,
) -> str:
    """The customer message of a resolution: the report's answers in the letter (P2, P12).
    `answers` must have passed workflow.check_resolution."""
    chosen = resolution_letter(ticket, letter)
    values = ticket_values(ticket, agent=agent, report=answers, checkpoint=checkpoint)
    return letters.render(chosen, values)


def ticket_resolve(
    *,
    ticket: Ticket,
    actor_user,
    answers: ResolutionAnswers | None,
    checkpoint: datetime | None,
    customer_note: str = "",
    letter: Letter | None = None,
    override_check: bool = False,
    checkpoint_reason: str | None = None,
    promises: Sequence[tickets.Commitment] = (),
    now: datetime | None = None,
) -> Ticket:
    """Resolve `ticket` with P2's answers. Without `customer_note` the message is the
    resolution letter filled with the answers; with it (the agent edited that text), it is
    sent as written. Either way the reply checker reads it as a resolution report; its
    result is left on the ticket as `check_result`."""
    answers = workflow.check_resolution(answers)
    note = customer_note or ""
    if not note.strip():
        note = resolution_text(
            ticket, answers, agent=actor_user, letter=letter, checkpoint=checkpoint
        )
    return tickets.ticket_transition(
        ticket=ticket,
        actor_user=actor_user,
        to_status=Status.RESOLVED,
        customer_note=note,
        checkpoint=checkpoint,
        override_check=override_check,
        checkpoint_reason=checkpoint_reason,
        promises=promises,
        resolution=answers,
        now=now,
    )
