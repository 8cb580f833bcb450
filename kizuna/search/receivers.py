"""Keeping the search index in step with what it indexes.

Every write of a ticket's subject, requester or organization, of a message or of an attachment
updates the documents concerned here, inside the transaction of the write: they commit or
vanish together. Inside a batch (kizuna/lib/batching.py) the documents are queued for a
worker instead, in that same transaction. Renaming a contact or an organization touches every
ticket of theirs, which can be many: that is queued as a database task in the same
transaction (so it cannot be lost) and done in batches by a worker.
"""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save

from kizuna.lib import batching
from kizuna.search.indexing import index_messages, index_opened, index_ticket, index_written_items
from kizuna.search.models import SearchDocument
from kizuna.search.tasks import search_reindex_party
from kizuna.tickets.models import Attachment, Contact, Message, Organization, Ticket
from kizuna.tickets.signals import tickets_merged, tickets_opened

# The fields of a ticket that its own document holds, and of a message.
_TICKET_FIELDS = frozenset(("subject", "requester", "organization"))
_MESSAGE_FIELDS = frozenset(("body", "ticket", "author_contact", "author_user"))
_NAME_FIELDS = {Contact: ("name", "email"), Organization: ("name",)}


def _in_batch(kind: str, pk: int) -> bool:
    """Inside a batch of mail the documents are written by one task per batch."""
    return batching.later(index_written_items, [kind, pk])


def _ticket_saved(sender, instance: Ticket, created: bool, update_fields=None, **kwargs) -> None:
    if created or update_fields is None or _TICKET_FIELDS & set(update_fields):
        if not _in_batch("ticket", instance.pk):
            index_ticket(instance, new=created)


def _message_saved(sender, instance: Message, created: bool, update_fields=None, **kwargs) -> None:
    if not (created or update_fields is None or _MESSAGE_FIELDS & set(update_fields)):
        return
    if instance.automatic or _in_batch("message", instance.pk):
        return
    index_messages([instance], new=created)


def _attachment_saved(sender, instance: Attachment, **kwargs) -> None:
    if not _in_batch("message", instance.message_id):
        index_messages([instance.message])


def _tickets_opened(sender, tickets: list[Ticket], **kwargs) -> None:
    """New tickets (stored with bulk_create, which sends no post_save): their own documents
    and their requests' (one with attachments, indexed when they were stored, is rewritten
    with the same terms)."""
    if batching.active():
        for ticket in tickets:
            _in_batch("ticket", ticket.pk)
            _in_batch("message", ticket.request_message.pk)
        return
    index_opened(tickets)


def _merged(sender, source: Ticket, target: Ticket, **kwargs) -> None:
    # The moved messages' documents follow them; the merged ticket keeps its own.
    SearchDocument.objects.filter(ticket_id=source.pk).exclude(message=None).update(
        ticket_id=target.pk
    )


def _remember_names(sender, instance, **kwargs) -> None:
    """Before a contact or organization is saved: its names as stored, to tell a rename."""
    fields = _NAME_FIELDS[sender]
    instance._search_names = (
        None
        if instance.pk is None
        else sender.objects.filter(pk=instance.pk).values_list(*fields).first()
    )


def _renamed(sender, instance, created: bool, **kwargs) -> None:
    if created:
        return
    before = getattr(instance, "_search_names", None)
    if before is not None and tuple(getattr(instance, f) for f in _NAME_FIELDS[sender]) == before:
        return
    search_reindex_party.enqueue("contact" if sender is Contact else "organization", instance.pk)


def connect() -> None:
    post_save.connect(_ticket_saved, sender=Ticket, dispatch_uid="search-ticket")
    post_save.connect(_message_saved, sender=Message, dispatch_uid="search-message")
    post_save.connect(_attachment_saved, sender=Attachment, dispatch_uid="search-attachment")
    tickets_opened.connect(_tickets_opened, dispatch_uid="search-tickets-opened")
    tickets_merged.connect(_merged, dispatch_uid="search-tickets-merged")
    for model in (Contact, Organization):
        pre_save.connect(_remember_names, sender=model, dispatch_uid=f"search-before-{model}")
        post_save.connect(_renamed, sender=model, dispatch_uid=f"search-renamed-{model}")
