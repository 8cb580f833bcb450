"""The mood of each message a customer sent (P8), with the cues that decided it."""

from django.db import models
from django.utils.timezone import now

from kizuna.tickets.models import Message, Ticket


class MessageMood(models.Model):
    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, primary_key=True, related_name="mood"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    # calm, concerned, upset, panicking (kizuna.mood.MOODS)
    mood = models.CharField(max_length=10)
    # [{"text", "start", "end", "kind", "reason"}], in text order.
    cues = models.JSONField(default=list)
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["ticket", "-created_at"], name="message_mood_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.mood}"
