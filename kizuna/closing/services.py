"""The end of the service cycle (P2, P10): resolving a request with its report, told to the
customer through a sample letter with a link to rate the help and close the request; the
closing letter; the customer's rating, and the follow-up a poor one calls for (see
docs/closing.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.closing import links
from kizuna.closing.models import FollowUp, Satisfaction
from kizuna.letters import services as letters
from kizuna.letters.models import Letter, Purpose
from kizuna.letters.variables import ticket_values
from kizuna.lib.text import text_problem
from kizuna.notifications.models import NotificationKind
from kizuna.notifications.services import notify
from kizuna.sla.timers import escalation_to
from kizuna.tickets import services as tickets
from kizuna.tickets import workflow
from kizuna.tickets.models import CloseReason, EventKind, Status, Ticket, TicketEvent
from kizuna.tickets.workflow import ResolutionAnswers, TicketError

MAX_COMMENT_CHARS = 2_000
# Ratings at or below this call for the team lead's follow-up (P10).
POOR_RATING = 2


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
    link = links.feedback_url(ticket, links.next_ordinal(ticket))
    values = ticket_values(
        ticket,
        agent=agent,
        report=answers,
        checkpoint=checkpoint,
        links={"satisfaction_link": link, "close_link": link},
    )
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


def closing_text(ticket: Ticket, *, agent=None) -> str:
    """The closing letter (P10): the request is closed, and a last chance to say how it went."""
    link = links.latest_feedback_url(ticket)
    values = ticket_values(
        ticket, agent=agent, links={"satisfaction_link": link, "close_link": link}
    )
    return letters.render(letters.letter_for(Purpose.CLOSING, ticket.language), values)


def ticket_close(
    *,
    ticket: Ticket,
    actor_user,
    close_reason: str = "",
    customer_note: str = "",
    override_check: bool = False,
) -> Ticket:
    """Close a ticket. A resolved request closed without a note of the agent's own gets the
    team's closing letter, with the link to rate the help (P10); closing for another reason
    (spam, duplicate, withdrawn) sends only what the agent wrote."""
    note = customer_note or ""
    if (
        not note.strip()
        and ticket.status == Status.RESOLVED
        and close_reason in ("", CloseReason.RESOLVED)
    ):
        note = closing_text(ticket, agent=actor_user)
    return tickets.ticket_transition(
        ticket=ticket,
        actor_user=actor_user,
        to_status=Status.CLOSED,
        customer_note=note,
        close_reason=close_reason,
        override_check=override_check,
    )


def _rating(value) -> int:
    text = str(value).strip()
    if text not in {"1", "2", "3", "4", "5"}:
        raise TicketError(_("Choose a rating from 1 to 5."), field="rating")
    return int(text)


def satisfaction_record(
    *, feedback: links.Feedback, rating, comment: str = "", now: datetime | None = None
) -> Satisfaction:
    """Record the customer's rating (1–5) and comment on their request. A second answer is
    recorded too, and is the one that counts. A rating of 1 or 2 gives the team lead (else
    the managers) a follow-up and marks the ticket in the queue (P10)."""
    value = _rating(rating)
    comment = (comment or "").strip()
    problem = text_problem(comment)
    if problem is None and len(comment) > MAX_COMMENT_CHARS:
        problem = _("The comment is %(length)s characters long; at most %(limit)s.") % {
            "length": f"{len(comment):,}",
            "limit": f"{MAX_COMMENT_CHARS:,}",
        }
    if problem:
        raise TicketError(problem, field="comment")
    now = now or timezone.now()
    ticket = feedback.ticket
    with transaction.atomic():
        row = Satisfaction.objects.create(
            ticket=ticket,
            report=feedback.report,
            contact=ticket.requester,
            agent_id=ticket.assignee_id or feedback.report.created_by_id,
            team_id=ticket.team_id,
            rating=value,
            comment=comment,
            created_at=now,
        )
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.RATED,
            actor_contact=ticket.requester,
            created_at=now,
            data={"rating": value, "satisfaction": row.id},
        )
        if value <= POOR_RATING:
            _follow_up(ticket, row, now=now)
    return row


def _follow_up(ticket: Ticket, rating: Satisfaction, *, now: datetime) -> None:
    leads = escalation_to(ticket)
    FollowUp.objects.create(
        ticket=ticket,
        rating=rating,
        assignee=leads[0] if len(leads) == 1 else None,
        created_at=now,
    )
    notify(
        recipients=leads,
        ticket=ticket,
        kind=NotificationKind.LOW_RATING,
        key=f"satisfaction:{rating.id}",
        text_for=lambda user: (
            _(
                "%(ref)s “%(subject)s” was rated %(rating)s of 5 by the customer. Please follow it up."
            )
            % {"ref": ticket.reference, "subject": ticket.subject, "rating": rating.rating}
        ),
        now=now,
    )


def follow_up_done(*, follow_up: FollowUp, actor_user, note: str = "") -> FollowUp:
    """The lead has followed a poor rating up: it leaves the queue's marks."""
    problem = text_problem(note or "")
    if problem:
        raise TicketError(problem, field="note")
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = actor_user
        follow_up.note = (note or "").strip()[:MAX_COMMENT_CHARS]
        follow_up.save(update_fields=["done_at", "done_by", "note"])
    return follow_up


def close_by_customer(*, feedback: links.Feedback) -> bool:
    """The customer answered "yes, you may close it" (P10). False when it is not resolved
    any more (closed already, or reopened): nothing changes."""
    return tickets.ticket_close_for_customer(
        ticket=feedback.ticket, contact=feedback.ticket.requester
    )
