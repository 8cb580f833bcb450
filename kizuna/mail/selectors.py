"""Reads for the desk's mail pages (see docs/email.md, "Ingest, threading and quarantine")."""

from __future__ import annotations

from email import policy
from email.parser import BytesHeaderParser

from django.db.models import QuerySet

from kizuna.mail.models import InboundMail, InboundState

NEEDS_AGENT = (InboundState.QUARANTINED, InboundState.HELD)


def inbound_needing_agent(*, state: str = "") -> QuerySet[InboundMail]:
    """Quarantined and held mail, newest first, without the raw bytes."""
    states = [state] if state in NEEDS_AGENT else list(NEEDS_AGENT)
    return (
        InboundMail.objects.filter(state__in=states)
        .defer("raw")
        .select_related("ticket", "mailbox")
        .order_by("-received_at", "-id")
    )


def inbound_with_ticket() -> QuerySet[InboundMail]:
    """Inbound mail with the ticket and mailbox its page names."""
    return InboundMail.objects.select_related("ticket", "mailbox")


def inbound_without_raw() -> QuerySet[InboundMail]:
    """Inbound mail without the raw bytes: a decision reads them again itself when it needs them."""
    return InboundMail.objects.defer("raw")


def original_mail_ids(message_ids: list[int]) -> dict[int, int]:
    """For ticket messages that arrived by mail: message id → id of the mail as received."""
    if not message_ids:
        return {}
    return dict(
        InboundMail.objects.filter(ticket_message_id__in=message_ids).values_list(
            "ticket_message_id", "id"
        )
    )


def inbound_counts() -> dict[str, int]:
    counts = dict.fromkeys(NEEDS_AGENT, 0)
    for state in NEEDS_AGENT:
        counts[state] = InboundMail.objects.filter(state=state).count()
    return counts


def raw_headers(inbound: InboundMail) -> list[tuple[str, str]]:
    """The message's headers as (name, decoded value), in order, for agents to read."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(bytes(inbound.raw))
        return [(name, str(value)) for name, value in headers.items()]
    except Exception:  # headers too broken to decode: show them as the bytes allow
        head = bytes(inbound.raw).split(b"\n\n", 1)[0].decode("utf-8", "replace")
        return [("", head)]
