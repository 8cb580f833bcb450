"""What agents do with mail the pipeline could not place on its own (see docs/email.md,
"Ingest, threading and quarantine"): retry a quarantined message, accept a held reply,
place an unknown sender in an organization, or ignore a message for good.

Each action is recorded in the row's reason, so the trail says who decided what. Each is
atomic: the message is parsed first, outside any transaction (a large one takes a while), then
the decision, the pipeline's outcome and the note commit together or not at all.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.lib.names import person_name
from kizuna.mail import ingest, routing
from kizuna.mail.ingest import IngestResult
from kizuna.mail.models import DECISIONS, REASONS, InboundMail, InboundState
from kizuna.mail.parsing import ParsedMail, parse_message
from kizuna.tickets import services as ticket_services
from kizuna.tickets.models import Contact, Organization
from kizuna.tickets.workflow import TicketError

S = InboundState


def _reset(inbound: InboundMail, *, allowed: tuple[str, ...]) -> None:
    """Put the row back to pending (claimed with a conditional update, so two agents clicking
    at once process it once)."""
    claimed = InboundMail.objects.filter(pk=inbound.pk, state__in=allowed).update(
        state=S.PENDING, processed_at=None
    )
    if not claimed:
        raise TicketError(
            _("This message is no longer waiting for a decision (it is %(state)s now).")
            % {"state": InboundMail.objects.get(pk=inbound.pk).get_state_display()},
            field="state",
        )


def _parse_stored(inbound: InboundMail) -> ParsedMail | None:
    """The stored message parsed, or None when it cannot be (the pipeline then parses it again
    and quarantines it with the reason)."""
    raw = InboundMail.objects.filter(pk=inbound.pk).values_list("raw", flat=True).first()
    if raw is None:
        return None
    try:
        return parse_message(bytes(raw))
    except Exception:
        return None


def _process_again(inbound: InboundMail, parsed: ParsedMail | None, *, accept_sender=False):
    row = InboundMail(pk=inbound.pk)
    row._state.adding = False
    row.accept_sender = accept_sender
    return ingest.process(row, parsed=parsed)


def inbound_retry(*, inbound: InboundMail, actor_user) -> IngestResult:
    """Run a quarantined or held message through the pipeline again (after a fix, or once
    its sender or ticket exists)."""
    parsed = _parse_stored(inbound)
    with transaction.atomic():
        _reset(inbound, allowed=(S.QUARANTINED, S.HELD))
        return _process_again(inbound, parsed)


def inbound_accept(*, inbound: InboundMail, actor_user) -> IngestResult:
    """Add a held reply to the ticket it answers, although its sender is not a contact of
    that ticket's organization: the sender becomes a contact there (or stays the contact
    they already are elsewhere) and the reply is appended as usual."""
    if inbound.state != S.HELD or inbound.ticket_id is None:
        raise TicketError(_("Only a held reply to a ticket can be accepted."), field="state")
    parsed = _parse_stored(inbound)
    with transaction.atomic():
        _reset(inbound, allowed=(S.HELD,))
        result = _process_again(inbound, parsed, accept_sender=True)
        _note(inbound, "accepted", agent=person_name(actor_user))
    return result


def _contact_for_placement(
    *, inbound: InboundMail, organization: Organization, name: str, language: str
) -> Contact:
    existing = Contact.objects.filter(email=inbound.from_address).first()
    if existing is not None:
        return existing
    return ticket_services.contact_create(
        organization=organization, name=name, email=inbound.from_address, language=language
    )


def inbound_place(
    *,
    inbound: InboundMail,
    organization: Organization,
    actor_user,
    name: str = "",
    language: str = "",
) -> IngestResult:
    """Place a held new request's unknown sender in an organization: the sender becomes a
    contact there and the request opens its ticket (acknowledged as usual)."""
    if inbound.state != S.HELD or inbound.ticket_id is not None:
        raise TicketError(
            _("Only a held new request from an unknown sender can be placed."), field="state"
        )
    if not inbound.from_address:
        raise TicketError(_("This message has no sender address."), field="state")
    name = " ".join((name or "").split()) or inbound.from_address.partition("@")[0]
    language = language or routing.guess_language(inbound.subject)
    parsed = _parse_stored(inbound)
    with transaction.atomic():
        _contact_for_placement(
            inbound=inbound, organization=organization, name=name, language=language
        )
        _reset(inbound, allowed=(S.HELD,))
        result = _process_again(inbound, parsed)
        _note(inbound, "placed", org=organization.name, agent=person_name(actor_user))
    return result


def inbound_ignore(*, inbound: InboundMail, actor_user) -> InboundMail:
    """Set a quarantined or held message aside for good (spam, a stray test): it stays
    stored, with who decided it."""
    args = {"agent": person_name(actor_user)}
    updated = InboundMail.objects.filter(pk=inbound.pk, state__in=(S.QUARANTINED, S.HELD)).update(
        state=S.IGNORED,
        reason=str(REASONS["ignored_by"]) % args,
        reason_code="ignored_by",
        reason_args=args,
        processed_at=timezone.now(),
    )
    if not updated:
        raise TicketError(_("This message is no longer waiting for a decision."), field="state")
    inbound.refresh_from_db(
        fields=["state", "reason", "reason_code", "reason_args", "processed_at"]
    )
    return inbound


def _note(inbound: InboundMail, decision: str, **args: str) -> None:
    """Record an agent's decision beside the pipeline's reason (shown in each agent's
    language; the text column keeps it too)."""
    row = InboundMail.objects.only("reason", "reason_args").get(pk=inbound.pk)
    text = str(DECISIONS[decision]) % args
    merged = {**(row.reason_args or {}), **args, "decision": decision}
    InboundMail.objects.filter(pk=inbound.pk).update(
        reason=(f"{row.reason}; {text}" if row.reason else text)[:2000], reason_args=merged
    )
