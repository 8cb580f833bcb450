from django.db import models
from django.utils.timezone import now


class ThrottleHit(models.Model):
    """One counted attempt: a sign-in link asked for, a failed desk sign-in.

    Kept in the database so that every web process counts the same attempts. `subject` is a
    keyed hash of what is counted (an email address, an account, a client address), never the
    value itself: the table says how often, not who.
    """

    scope = models.CharField(max_length=32)
    subject = models.CharField(max_length=64)
    at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "subject", "at"], name="throttle_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} {self.subject[:8]}… at {self.at:%Y-%m-%d %H:%M:%S}"
