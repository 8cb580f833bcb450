"""Background work of the end of the cycle."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from kizuna.closing.timers import closing_run


@task()
def closing_timers() -> dict[str, int]:
    """Send the reminders and close the unanswered resolved requests due now
    (kizuna/closing/timers.py); `kizuna worker` enqueues this while anything is due."""
    return closing_run(now=timezone.now())
