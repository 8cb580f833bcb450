from django.db import models
from django.utils.timezone import now


class DemoDatabase(models.Model):
    """Present only in a database `kizuna demo` created its data in.

    `kizuna demo` adds its people and tickets only to an empty database, or to one holding
    this row; a database with anything else in it is refused, never mixed with demo data.
    """

    seeded_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = "demo database"

    def __str__(self) -> str:
        return f"Demo data loaded {self.seeded_at:%Y-%m-%d %H:%M}"
