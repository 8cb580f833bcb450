"""Who else gets the mail of a ticket: the addresses in copy (Cc).

They come from the Cc and To of the customer's mail (without our own addresses and the
requester's), and agents edit them on the ticket; every mail to the customer then carries
them in its Cc header. Each address is checked; at most MAX_CC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.tickets.models import EventKind, Ticket, TicketEvent
from kizuna.tickets.workflow import TicketError

MAX_CC = 20
# Addresses typed in one field: commas, semicolons, Japanese commas, spaces or new lines.
_SEPARATORS = re.compile(r"[,;、，；\s]+")


def parse_addresses(text: str) -> list[str]:
    """The addresses in what an agent typed ("a@x.jp, 山田 <b@y.jp>; c@z.jp"), as written."""
    text = text or ""
    if "<" in text:
        return [addr for _, addr in getaddresses([text.replace(";", ",").replace("、", ",")])]
    return [piece for piece in _SEPARATORS.split(text) if piece]


def cleaned(addresses: Iterable[str], *, requester_email: str) -> list[str]:
    """Lower-cased, each once, without the requester's own; TicketError naming the first
    address that is not one, or when there are too many."""
    out: list[str] = []
    requester = requester_email.lower()
    for raw in addresses:
        if not (raw or "").strip():
            continue
        address = _address(raw)
        if address is None:
            raise TicketError(
                _("“%(address)s” is not an email address.") % {"address": raw[:200]}, field="cc"
            ) from None
        if address != requester and address not in out:
            out.append(address)
    if len(out) > MAX_CC:
        raise TicketError(
            _("At most %(max)d addresses can be copied.") % {"max": MAX_CC}, field="cc"
        )
    return out


@transaction.atomic
def ticket_cc_set(
    *, ticket: Ticket, addresses: Iterable[str], actor_user, now: datetime | None = None
) -> Ticket:
    """An agent sets the copied addresses; the change is recorded in the history."""
    wanted = cleaned(addresses, requester_email=ticket.requester.email)
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if wanted == locked.cc:
        return ticket
    now = now or timezone.now()
    before = list(locked.cc)
    locked.cc, locked.updated_at = wanted, now
    locked.save(update_fields=["cc", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        kind=EventKind.CC,
        actor_user=actor_user,
        created_at=now,
        data={"before": before, "after": wanted},
    )
    ticket.cc, ticket.updated_at = wanted, now
    return ticket


def ticket_cc_add_from_mail(
    *, ticket: Ticket, addresses: Iterable[str], own: Iterable[str]
) -> None:
    """The customer's mail named these in Cc or To: add those not yet copied (our own and the
    requester's left out, unreadable ones skipped, never beyond MAX_CC). Runs inside the
    transaction that stores the mail."""
    own = {_without_tag(a.lower()) for a in own if a}
    fresh = []
    for raw in addresses:
        address = _address(raw)
        if address is None:
            continue
        if _without_tag(address) not in own and address != ticket.requester.email.lower():
            fresh.append(address)
    if not fresh:  # the usual case: the mail went to us alone
        return
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        merged = list(locked.cc)
        for address in fresh:
            if address not in merged and len(merged) < MAX_CC:
                merged.append(address)
        if merged != locked.cc:
            locked.cc = merged
            locked.save(update_fields=["cc"])
            ticket.cc = merged


def _address(raw: str) -> str | None:
    """The address lower-cased, or None when it is not one."""
    address = (raw or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        return None
    return address


def _without_tag(address: str) -> str:
    """support+kz123@example.com is support@example.com: a tagged reply address is ours too."""
    local, _, domain = address.partition("@")
    return f"{local.partition('+')[0]}@{domain}"
