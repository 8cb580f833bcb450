"""Sample letters (P12): the team's written templates for what it tells customers, per
language and purpose, edited by managers (see docs/letters.md)."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from kizuna.tickets.models import Language


class Purpose(models.TextChoices):
    """What a letter is for. Kizuna sends some by itself (acknowledgement, reminder,
    auto-close notice, holding update); agents pick any in the composer."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    INTAKE = "intake", _("Questions about the situation")
    UPDATE = "update", _("Status update")
    WAITING_REMINDER = "waiting_reminder", _("Reminder: waiting for the customer")
    BAD_NEWS = "bad_news", _("Bad news")
    RESOLUTION = "resolution", _("Resolution report")
    CLOSING = "closing", _("Closing, with satisfaction request")
    AUTO_CLOSE = "auto_close", _("Auto-close notice")
    HOLDING = "holding", _("Holding update")


# What the reply checker checks a letter's result as (the purpose's own structure rules).
CHECK_PURPOSE = {
    Purpose.BAD_NEWS: "bad-news",
    Purpose.RESOLUTION: "resolution",
    Purpose.CLOSING: "closing",
    Purpose.AUTO_CLOSE: "closing",
}


# Which letters the composer offers for what the agent says the message is.
COMPOSER_PURPOSE = {
    Purpose.UPDATE: "update",
    Purpose.HOLDING: "update",
    Purpose.WAITING_REMINDER: "update",
    Purpose.BAD_NEWS: "bad-news",
    Purpose.RESOLUTION: "resolution",
    Purpose.CLOSING: "closing",
    Purpose.AUTO_CLOSE: "closing",
}


class Letter(models.Model):
    name = models.CharField(_("name"), max_length=120)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    body = models.TextField(_("text"))
    # The letter Kizuna itself uses for this purpose and language (one at most).
    is_default = models.BooleanField(_("used by Kizuna for this purpose"), default=False)
    is_active = models.BooleanField(_("offered in the composer"), default=True)
    # Which built-in letter this row started from ("" for the team's own): lets a manager
    # go back to the original text.
    builtin = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["language", "purpose", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["language", "purpose"],
                condition=models.Q(is_default=True),
                name="letter_one_default_per_purpose",
            ),
            models.UniqueConstraint(fields=["language", "name"], name="letter_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def check_purpose(self) -> str:
        return CHECK_PURPOSE.get(self.purpose, "any")

    @property
    def composer_purpose(self) -> str:
        """What the composer's "This message is" says for a message from this letter."""
        return COMPOSER_PURPOSE.get(self.purpose, "any")
