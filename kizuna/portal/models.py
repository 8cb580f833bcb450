from django.db import models
from django.utils import timezone
from django.utils.timezone import now

from kizuna.tickets.models import Contact


class PortalLink(models.Model):
    """A one-time sign-in link for a contact. Only the token's hash is stored."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
