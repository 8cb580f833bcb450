"""What `/healthz` reports: whether the database answers, whether the task queue is moving
(the age of its oldest task waiting to run, and the workers alive) and whether each mailbox
is being polled. Every figure is read from the database, so every web process tells the same.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from kizuna.background.models import WorkerLease
from kizuna.mail.models import Mailbox


@dataclass
class QueueHealth:
    ok: bool
    waiting: int
    oldest_waiting_seconds: float | None
    workers: int


@dataclass
class MailboxHealth:
    name: str
    ok: bool
    last_polled_at: str | None
    failures: int


@dataclass
class Health:
    status: str  # "ok", "degraded" (the queue or a mailbox lags) or "down" (no database)
    database: dict
    tasks: QueueHealth | None = None
    mailboxes: list[MailboxHealth] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)


def health_check(*, now: datetime | None = None) -> Health:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Health(status="down", database={"ok": False, "error": type(exc).__name__})
    database = {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    now = now or timezone.now()
    tasks = queue_health(now=now)
    mailboxes = mailboxes_health(now=now)
    healthy = tasks.ok and all(m.ok for m in mailboxes)
    return Health(
        status="ok" if healthy else "degraded", database=database, tasks=tasks, mailboxes=mailboxes
    )


def queue_health(*, now: datetime) -> QueueHealth:
    """The queue moves when no task due to run has waited longer than
    KIZUNA_HEALTH_TASK_SECONDS, and a worker is alive whenever one is waiting."""
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    # A task queued to run at once carries the queue's "no time" mark and waits since it was
    # queued; one queued for later waits from its time on.
    at_once = ready.filter(run_after=get_date_max())
    later = ready.filter(run_after__lte=now)
    waiting = at_once.count() + later.count()
    since = [
        at_once.order_by("enqueued_at").values_list("enqueued_at", flat=True).first(),
        later.order_by("run_after").values_list("run_after", flat=True).first(),
    ]
    oldest = min((t for t in since if t is not None), default=None)
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else None
    alive = WorkerLease.objects.filter(
        renewed_at__gte=now - timedelta(seconds=settings.KIZUNA_TASK_LEASE_SECONDS)
    ).count()
    ok = (age is None or age <= settings.KIZUNA_HEALTH_TASK_SECONDS) and (alive or not waiting)
    return QueueHealth(
        ok=ok,
        waiting=waiting,
        oldest_waiting_seconds=None if age is None else round(age, 1),
        workers=alive,
    )


def mailboxes_health(*, now: datetime) -> list[MailboxHealth]:
    """A mailbox is healthy when its last poll succeeded and was recent: within three poll
    intervals (at least five minutes). Its error stays in the desk, for administrators."""
    late = now - max(timedelta(seconds=3 * settings.KIZUNA_POLL_SECONDS), timedelta(minutes=5))
    result = []
    for box in Mailbox.objects.filter(active=True).exclude(host="").order_by("name"):
        polled = box.last_polled_at
        ok = not box.failures and not box.last_error and polled is not None and polled >= late
        result.append(
            MailboxHealth(
                name=box.name,
                ok=ok,
                last_polled_at=polled.isoformat() if polled else None,
                failures=box.failures,
            )
        )
    return result
