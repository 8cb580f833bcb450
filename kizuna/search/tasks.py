"""Background work of the search index."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from kizuna.search.indexing import BATCH, index_whole_tickets, tickets_of


@task()
def search_reindex_party(kind: str, pk: int) -> int:
    """Rewrite the documents of every ticket of a renamed contact or organization, a batch per
    transaction; returns how many documents were written."""
    ids = tickets_of(kind, pk)
    written = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            written += index_whole_tickets(ids[start : start + BATCH])
    return written
