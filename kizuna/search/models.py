"""The search index: one document per ticket (its subject, requester and organization) and one
per message (its text, attachment names and author), each stored as its search terms.

The full-text index over `terms` is the database's own: an FTS5 table kept in step by
triggers on SQLite, a generated `tsvector` column with a GIN index on PostgreSQL (migration
0001). Both take the terms as they are: segmentation happens in Python (`terms.py`), the same
way on both databases.
"""

from __future__ import annotations

from django.db import models

from kizuna.tickets.models import Message, Ticket


class SearchDocument(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    # None: the ticket's own document (subject, requester, organization).
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    terms = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(message=None),
                name="search_one_ticket_document",
            )
        ]

    def __str__(self) -> str:
        return f"search document {self.pk} of ticket {self.ticket_id}"
