"""What the desk keeps per agent: their saved queue views."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A queue with its filters, under a name the agent chose ("Mine, due today")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=60)
    # The queue's query string, rebuilt from the filters it knows (never stored as typed).
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="desk_saved_view_name_once")
        ]

    def __str__(self) -> str:
        return self.name
