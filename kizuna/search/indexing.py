"""Writing search documents: what a ticket's and a message's document hold, and rebuilding.

`receivers.py` calls these on every write (in the write's transaction); `kizuna reindex`
rebuilds everything with `reindex_all`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from kizuna.lib import batching
from kizuna.lib.names import person_name
from kizuna.search.models import SearchDocument
from kizuna.search.terms import index_text
from kizuna.tickets.models import Attachment, Message, Ticket

BATCH = 500


def ticket_document_text(ticket: Ticket) -> str:
    requester, organization = ticket.requester, ticket.organization
    return "\n".join((ticket.subject, requester.name, requester.email, organization.name))


def message_document_text(message: Message, attachment_names: Iterable[str] = ()) -> str:
    if message.author_contact_id:
        author = message.author_contact.name
    elif message.author_user_id:
        author = person_name(message.author_user)
    else:
        author = ""
    return "\n".join((message.body, *attachment_names, author))


def index_ticket(ticket: Ticket, *, new: bool = False) -> None:
    """Write the ticket's own document (subject, requester, organization); `new`: the ticket
    was just created, so there is none to replace (one statement, not two)."""
    terms = index_text(ticket_document_text(ticket))
    if not new and SearchDocument.objects.filter(ticket_id=ticket.pk, message=None).update(
        terms=terms
    ):
        return
    SearchDocument.objects.create(ticket_id=ticket.pk, message=None, terms=terms)


def index_messages(messages: Iterable[Message], *, new: bool = False) -> None:
    """Write the documents of these messages (their text, attachment names and author).

    Kizuna's own automatic messages (acknowledgements, reminders) are left out: they repeat
    the subject and reference, which the ticket's document holds. `new`: the messages were
    just created, with no attachment and no document yet (one insert, no lookups)."""
    messages = [m for m in messages if not m.automatic]
    if not messages:
        return
    if new:
        SearchDocument.objects.bulk_create(
            SearchDocument(
                ticket_id=m.ticket_id, message=m, terms=index_text(message_document_text(m))
            )
            for m in messages
        )
        return
    _documents_write(_message_documents(messages))


def index_opened(tickets: list[Ticket]) -> None:
    """The documents of new tickets and of their requests, from the objects just written."""
    _documents_write(
        _ticket_documents(tickets) + _message_documents([t.request_message for t in tickets])
    )


def _ticket_documents(tickets: list[Ticket]) -> list[SearchDocument]:
    return [
        SearchDocument(ticket_id=t.pk, message=None, terms=index_text(ticket_document_text(t)))
        for t in tickets
    ]


def _message_documents(messages: list[Message]) -> list[SearchDocument]:
    """The documents of these messages, with the names of their attachments."""
    names: dict[int, list[str]] = {}
    for message_id, filename in Attachment.objects.filter(
        message_id__in=[m.pk for m in messages]
    ).values_list("message_id", "filename"):
        names.setdefault(message_id, []).append(filename)
    return [
        SearchDocument(
            ticket_id=m.ticket_id,
            message=m,
            terms=index_text(message_document_text(m, names.get(m.pk, ()))),
        )
        for m in messages
    ]


def _documents_write(documents: list[SearchDocument]) -> None:
    """Rewrite the stored documents these replace (a ticket's own, or a message's), insert
    the others. Another writer may have inserted one meanwhile (two workers): the same text
    gives the same terms, so that insert is left out."""
    ticket_ids = [d.ticket_id for d in documents if d.message_id is None]
    message_ids = [d.message_id for d in documents if d.message_id is not None]
    existing = {
        (None if message_id else ticket_id, message_id): pk
        for pk, ticket_id, message_id in SearchDocument.objects.filter(
            Q(ticket_id__in=ticket_ids, message=None) | Q(message_id__in=message_ids)
        ).values_list("pk", "ticket_id", "message_id")
    }
    fresh = []
    for document in documents:
        key = (None, document.message_id) if document.message_id else (document.ticket_id, None)
        pk = existing.get(key)
        if pk is None:
            fresh.append(document)
        else:
            SearchDocument.objects.filter(pk=pk).update(
                terms=document.terms, ticket_id=document.ticket_id
            )
    SearchDocument.objects.bulk_create(fresh, ignore_conflicts=True)


def index_written(ticket_ids: Iterable[int], message_ids: Iterable[int]) -> int:
    """Write or rewrite the documents of these tickets and messages (those still there): the
    index's share of a batch of mail, done by a worker. Running it twice, or on two workers
    at once, leaves one document each. Returns how many documents were written."""
    tickets = list(
        Ticket.objects.filter(pk__in=list(ticket_ids)).select_related("requester", "organization")
    )
    messages = list(
        Message.objects.filter(pk__in=list(message_ids), automatic=False).select_related(
            "author_contact", "author_user"
        )
    )
    documents = _ticket_documents(tickets) + _message_documents(messages)
    _documents_write(documents)
    return len(documents)


@batching.handler(order=10)  # before the slower reading of mood and facts
def index_written_items(items: list[list]) -> int:
    """What a batch wrote, to index: items are ["ticket", id] and ["message", id]."""
    return index_written(
        [pk for kind, pk in items if kind == "ticket"],
        [pk for kind, pk in items if kind == "message"],
    )


def index_whole_tickets(ticket_ids: Iterable[int]) -> int:
    """Rewrite every document of these tickets; returns how many documents were written."""
    tickets = list(
        Ticket.objects.filter(pk__in=list(ticket_ids)).select_related("requester", "organization")
    )
    for ticket in tickets:
        index_ticket(ticket)
    messages = list(
        Message.objects.filter(ticket__in=tickets, automatic=False).select_related(
            "author_contact", "author_user"
        )
    )
    index_messages(messages)
    return len(tickets) + len(messages)


def reindex_all(*, batch: int = BATCH, progress=None) -> int:
    """Rebuild the whole index, one transaction per batch of tickets (never one long
    transaction), newest tickets first so that what is searched most is back soonest."""
    done, last = 0, None
    while True:
        ids = Ticket.objects.order_by("-pk")
        if last is not None:
            ids = ids.filter(pk__lt=last)
        chunk = list(ids.values_list("pk", flat=True)[:batch])
        if not chunk:
            return done
        with transaction.atomic():
            SearchDocument.objects.filter(ticket_id__in=chunk).delete()
            done += index_whole_tickets(chunk)
        last = chunk[-1]
        if progress:
            progress(done)


def tickets_of(kind: str, pk: int) -> list[int]:
    """The tickets whose documents name this contact or organization."""
    field = "requester_id" if kind == "contact" else "organization_id"
    return list(Ticket.objects.filter(**{field: pk}).values_list("pk", flat=True))
