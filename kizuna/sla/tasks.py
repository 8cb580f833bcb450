"""Background work of the service levels."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from kizuna.sla.timers import timers_run


@task()
def sla_timers() -> dict[str, int]:
    """Warn and record breaches for everything due now (kizuna/sla/timers.py); `kizuna
    worker` enqueues this every KIZUNA_SLA_SCAN_SECONDS while anything is due."""
    return timers_run(now=timezone.now())
