"""The customer's feedback link (P10): one signed, expiring link per resolution that rates the
help and closes the request, with no sign-in.

The token carries the ticket's id and which of its resolutions it belongs to, signed with the
secret key under a salt of its own (it opens nothing else: not the portal, not another
ticket). It expires after KIZUNA_FEEDBACK_LINK_DAYS; a token of an earlier resolution (the
request was reopened and resolved again since) no longer counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from kizuna.tickets.models import ResolutionReport, Ticket

_SALT = "kizuna.closing.feedback"


class LinkError(Exception):
    """Why a link cannot be used: 'expired', 'invalid' (altered or made up), 'outdated'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Feedback:
    ticket: Ticket
    report: ResolutionReport


def make_token(ticket_id: int, ordinal: int) -> str:
    return signing.dumps({"t": ticket_id, "n": ordinal}, salt=_SALT, compress=False)


def next_ordinal(ticket: Ticket) -> int:
    """The number the ticket's next resolution will have (1 for the first)."""
    return ResolutionReport.objects.filter(ticket_id=ticket.pk).count() + 1


def feedback_url(ticket: Ticket, ordinal: int) -> str:
    return settings.SITE_URL + reverse("portal:feedback", args=[make_token(ticket.pk, ordinal)])


def latest_feedback_url(ticket: Ticket) -> str:
    """The link of the ticket's latest resolution ("" when it was never resolved)."""
    count = ResolutionReport.objects.filter(ticket_id=ticket.pk).count()
    return feedback_url(ticket, count) if count else ""


def read_token(token: str) -> Feedback:
    """The ticket and resolution a token is for, or LinkError saying why not."""
    if not token or len(token) > 400:
        raise LinkError("invalid")
    try:
        payload = signing.loads(
            token, salt=_SALT, max_age=settings.KIZUNA_FEEDBACK_LINK_DAYS * 86400
        )
    except signing.SignatureExpired:
        raise LinkError("expired") from None
    except signing.BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(payload, dict):
        raise LinkError("invalid")
    ticket_id, ordinal = payload.get("t"), payload.get("n")
    if not isinstance(ticket_id, int) or not isinstance(ordinal, int) or ordinal < 1:
        raise LinkError("invalid")
    ticket = (
        Ticket.objects.select_related("requester", "organization", "team", "assignee")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise LinkError("invalid")
    reports = list(
        ResolutionReport.objects.filter(ticket_id=ticket_id).order_by("created_at", "id")
    )
    if len(reports) < ordinal:
        raise LinkError("invalid")
    if len(reports) > ordinal:
        raise LinkError("outdated")
    return Feedback(ticket=ticket, report=reports[-1])
