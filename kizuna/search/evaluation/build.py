"""Storing a generated corpus (corpus.py) in the database, in bulk, for the labelled queries
and the benchmark."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kizuna.search.evaluation.corpus import TicketSpec, contacts, organizations
from kizuna.tickets.models import (
    Attachment,
    Contact,
    Message,
    MessageKind,
    Organization,
    Status,
    Ticket,
)

AGENT_USERNAME = "search-bench-agent"


def store_people() -> dict[int, Contact]:
    """The corpus's organizations and contacts (created once), by contact key."""
    orgs = []
    for name, _domain in organizations():
        org, _ = Organization.objects.get_or_create(name=name)
        orgs.append(org)
    stored = {}
    for spec in contacts():
        contact, _ = Contact.objects.get_or_create(
            email=spec.email,
            defaults={
                "name": spec.name,
                "organization": orgs[spec.organization],
                "language": spec.lang,
            },
        )
        stored[spec.key] = contact
    return stored


def support_agent():
    """The agent who writes the holding replies; a name no query looks for."""
    user, _ = get_user_model().objects.get_or_create(
        username=AGENT_USERNAME, defaults={"first_name": "Support", "last_name": "Desk"}
    )
    return user


def conversation(spec: TicketSpec, ticket: Ticket, agent) -> list[Message]:
    """The spec's messages for a stored ticket (not saved): the customer's as they wrote them,
    the agent's as internal notes, ten minutes apart."""
    return [
        Message(
            ticket_id=ticket.pk,
            kind=MessageKind.INBOUND if who == "customer" else MessageKind.NOTE,
            author_contact=ticket.requester if who == "customer" else None,
            author_user=agent if who == "agent" else None,
            body=text,
            created_at=ticket.created_at + timedelta(minutes=10 * n),
        )
        for n, (who, text) in enumerate(spec.messages)
    ]


def store_tickets(
    specs: list[TicketSpec], people: dict[int, Contact], *, batch: int = 2_000, start=None
) -> list[int]:
    """Tickets, messages and attachment rows (no file content) for the specs, in order, one
    transaction per batch; returns the ticket ids in the specs' order. The search documents
    are not written here (index them afterwards)."""
    agent = support_agent()
    start = start or timezone.now() - timedelta(days=365)
    step = timedelta(days=365) / max(len(specs), 1)
    ids: list[int] = []
    for first in range(0, len(specs), batch):
        chunk = specs[first : first + batch]
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                [
                    _ticket(spec, people[spec.contact.key], start + step * (first + i))
                    for i, spec in enumerate(chunk)
                ]
            )
            messages = [
                m
                for spec, ticket in zip(chunk, tickets, strict=True)
                for m in conversation(spec, ticket, agent)
            ]
            messages = Message.objects.bulk_create(messages)
            firsts = {}
            for m in messages:
                firsts.setdefault(m.ticket_id, m)
            Attachment.objects.bulk_create(
                [
                    Attachment(
                        message_id=firsts[ticket.pk].pk,
                        file=f"evaluation/{spec.attachment}",
                        filename=spec.attachment,
                        size=1,
                        sha256="0" * 64,
                    )
                    for spec, ticket in zip(chunk, tickets, strict=True)
                    if spec.attachment
                ]
            )
        ids += [t.pk for t in tickets]
    return ids


def _ticket(spec: TicketSpec, contact: Contact, when) -> Ticket:
    return Ticket(
        organization_id=contact.organization_id,
        requester=contact,
        subject=spec.subject,
        status=Status.INVESTIGATING,
        language=spec.contact.lang,
        created_at=when,
        updated_at=when,
    )
