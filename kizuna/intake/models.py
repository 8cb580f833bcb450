"""What a request's first message tells about the customer's situation (P9)."""

from django.db import models
from django.utils.timezone import now

from kizuna.tickets.models import Ticket


class IntakeFacts(models.Model):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="intake"
    )
    lang = models.CharField(max_length=2)
    # {fact: [{"text", "start", "end"}]} for the facts the request gives, in FACTS order.
    given = models.JSONField(default=dict)
    # Fact ids the request does not give, in FACTS order.
    missing = models.JSONField(default=list)
    # Fact ids the portal's form answered (they count as given).
    answered = models.JSONField(default=list)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"{self.ticket_id}: missing {', '.join(self.missing) or 'nothing'}"
