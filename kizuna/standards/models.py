"""The team's written communication standard (P12): which checker rules apply, how strictly,
for everyone or for one organization, and a record of every time an agent sent a message
despite an error-level finding."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from kizuna.tickets.models import Message, Organization, Ticket


class Severity(models.TextChoices):
    ERROR = "error", _("Error: blocks sending without an override")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Hint")


class RuleSetting(models.Model):
    """A rule switched on or off, or given another severity. Without an organization it is
    the team-wide standard; with one it applies to that customer only and wins."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="rule_settings"
    )
    rule_id = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    updated_at = models.DateTimeField(default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule_id"], name="rule_setting_unique_per_org"
            ),
            models.UniqueConstraint(
                fields=["rule_id"],
                condition=models.Q(organization__isnull=True),
                name="rule_setting_unique_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization or 'team'}: {self.rule_id}"


class CheckOverride(models.Model):
    """An agent sent a message although the checker reported errors: recorded for managers."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="check_overrides")
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    rules = models.JSONField(default=list)  # the rule ids of the error findings
    findings = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="check_override_created_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {', '.join(self.rules)}"
