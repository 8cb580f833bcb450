"""The end of the service cycle (P10): what the customer said of the help, the follow-up a
poor rating calls for, and when an unanswered resolved request is reminded and closed."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from kizuna.tickets.models import Contact, ResolutionReport, Ticket


class Satisfaction(models.Model):
    """One answer of the customer: 1 (very unhappy) to 5 (very happy), and a comment. A second
    answer is recorded too; the latest is the one that counts."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ratings")
    report = models.ForeignKey(
        ResolutionReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who handled the request when it was rated (for the per-agent and per-team figures).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "tickets.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="satisfaction_1_to_5"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="satisfaction_created_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating}"


class FollowUp(models.Model):
    """A poor rating (1 or 2) for the team lead to look into; open until marked done."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    rating = models.ForeignKey(Satisfaction, on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["ticket"], name="follow_up_open_idx", condition=models.Q(done_at=None)
            )
        ]


class ClosingSchedule(models.Model):
    """When a resolved request that the customer does not answer gets its reminder and is
    closed, in business days of its calendar. Each step runs once: a conditional update on
    this row claims it."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="closing_schedule"
    )
    resolved_at = models.DateTimeField()
    # None: the team sends no reminder, or closes nothing by itself.
    remind_at = models.DateTimeField(null=True, blank=True)
    close_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["remind_at"],
                name="closing_remind_due_idx",
                condition=models.Q(reminded_at=None, closed_at=None),
            ),
            models.Index(
                fields=["close_at"],
                name="closing_close_due_idx",
                condition=models.Q(closed_at=None),
            ),
        ]
