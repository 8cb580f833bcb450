from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    WARNING = "warning", _("Due soon")
    BREACH = "breach", _("Missed")
    ESCALATION = "escalation", _("Escalated to you")
    LOW_RATING = "low_rating", _("Poor rating")


class Notification(models.Model):
    """Something an agent must know, shown in the desk until read and mailed once.

    `key` names what it is about ("deadline:42:warning"); an agent gets each key once, which
    the database enforces, so a worker that runs the same step twice cannot notify twice. The
    text is written in the recipient's language when the notification is made.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    key = models.CharField(max_length=120)
    text = models.TextField()
    created_at = models.DateTimeField(default=now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The mail: the delivery task that claimed it (so that the same task, run again after its
    # worker died, carries on) and when it was handed to the SMTP server.
    mail_claim = models.CharField(max_length=64, blank=True)
    mail_claimed_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread",
                condition=models.Q(read_at=None),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.key}"
