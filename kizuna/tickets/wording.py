"""The sentences Kizuna writes to customers by itself, in the customer's language and time
zone: the acknowledgement, the next-update line under every status note and promised reply,
and the note when a customer's reply resumes or reopens a request (P1)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from kizuna.lib.timefmt import format_when
from kizuna.tickets import workflow
from kizuna.tickets.models import Status, Ticket


def acknowledgement_text(ticket: Ticket, due: datetime) -> str:
    """The acknowledgement (P1): the reference, and when the customer will hear from us."""
    contact = ticket.requester
    with translation.override(ticket.language):
        return _(
            "Thank you for contacting us. We have received your request and registered it as "
            "%(ref)s (“%(subject)s”).\n\n"
            "An engineer will contact you by %(when)s at the latest. If the situation changes in "
            "the meantime, for example if more users are affected, simply reply to this message "
            "and we will take it into account."
        ) % {
            "ref": ticket.reference,
            "subject": ticket.subject,
            "when": format_when(due, lang=ticket.language, tzname=contact.timezone),
        }


def merge_notice(target: Ticket, source: Ticket) -> str:
    """Told to the customer when two of their requests become one."""
    with translation.override(target.language):
        return _(
            "Your requests %(source)s (“%(source_subject)s”) and %(target)s (“%(target_subject)s”) "
            "are about the same matter, so we have brought them together under %(target)s. "
            "Everything you sent is kept there, and we will continue under %(target)s; replies to "
            "either reach us as before."
        ) % {
            "source": source.reference,
            "source_subject": source.subject,
            "target": target.reference,
            "target_subject": target.subject,
        }


def next_update_line(ticket: Ticket, checkpoint: datetime, *, resolved: bool) -> str:
    """'Next update: by …' in the customer's language and time zone (P1)."""
    with translation.override(ticket.language):
        when = format_when(checkpoint, lang=ticket.language, tzname=ticket.requester.timezone)
        if resolved:
            return _("We will check back with you by %(when)s.") % {"when": when}
        return _("Next update: by %(when)s.") % {"when": when}


def status_message_text(ticket: Ticket, change: workflow.Transition) -> str:
    """The agent's note, followed by the date and time of the next update (P1), so the
    customer never has to guess when they will hear from us."""
    if change.checkpoint is None:
        return change.customer_note
    line = next_update_line(ticket, change.checkpoint, resolved=change.to_status == Status.RESOLVED)
    return f"{change.customer_note}\n\n{line}"


def resume_note(ticket: Ticket, due: datetime, *, reopened: bool) -> str:
    """What the customer is told when their reply resumes work, or reopens the request."""
    with translation.override(ticket.language):
        if reopened:
            text = _(
                "Thank you for your reply. We have reopened %(ref)s and will get back to you by %(when)s."
            )
        else:
            text = _(
                "Thank you for the information. We are continuing our work on %(ref)s and will get back "
                "to you by %(when)s."
            )
        return text % {
            "ref": ticket.reference,
            "when": format_when(due, lang=ticket.language, tzname=ticket.requester.timezone),
        }


def holding_note(ticket: Ticket, due: datetime) -> str:
    """The holding update: work goes on, and when the next news comes (P1, P12)."""
    with translation.override(ticket.language):
        return _(
            "We are still working on %(ref)s and do not have a result for you yet. We are sorry "
            "that this is taking longer than we said. We will send you the next update by "
            "%(when)s, sooner if there is news."
        ) % {
            "ref": ticket.reference,
            "when": format_when(due, lang=ticket.language, tzname=ticket.requester.timezone),
        }


# How a status reads to the customer (the desk keeps the agents' words).
CUSTOMER_STATUS = {
    Status.NEW: pgettext_lazy("status told to the customer", "Received"),
    Status.ACKNOWLEDGED: pgettext_lazy("status told to the customer", "Received"),
    Status.INVESTIGATING: pgettext_lazy("status told to the customer", "Being worked on"),
    Status.WAITING_CUSTOMER: pgettext_lazy("status told to the customer", "Waiting for your reply"),
    Status.WAITING_THIRD_PARTY: pgettext_lazy(
        "status told to the customer", "Waiting for a third party"
    ),
    Status.RESOLVED: pgettext_lazy("status told to the customer", "Resolved"),
    Status.CLOSED: pgettext_lazy("status told to the customer", "Closed"),
}


def status_block(ticket: Ticket) -> str:
    """The lines that close every mail to the customer: the request's reference, where it
    stands and when they will hear next, in their language and time zone (P1) — so the
    latest mail alone says what is happening."""
    with translation.override(ticket.language):
        lines = [
            "----",
            _("Request: %(ref)s") % {"ref": ticket.reference},
            _("Status: %(status)s") % {"status": CUSTOMER_STATUS.get(ticket.status, ticket.status)},
        ]
        if ticket.status != Status.CLOSED and ticket.next_checkpoint is not None:
            lines.append(
                next_update_line(
                    ticket, ticket.next_checkpoint, resolved=ticket.status == Status.RESOLVED
                )
            )
        elif ticket.status == Status.CLOSED:
            lines.append(_("This request is closed. To ask something new, simply write to us."))
        # The request in the portal: the customer signs in with a link mailed to them, so the
        # address carries no credential and is safe to forward.
        lines.append(_("Online: %(url)s") % {"url": portal_url(ticket)})
        return "\n".join(lines)


def portal_url(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("portal:ticket", args=[ticket.id])
