"""What `/metrics` reports, in the Prometheus text format: mail received by outcome, mail
waiting to go out or given up on, the task queue, and the service levels' deadlines.

Every figure is counted in the database when the page is asked for (each through an index),
so that every web process, on any machine, reports the same numbers, and a process that
restarts loses nothing. The "_total" figures only grow, as Prometheus counters must: rows
are never deleted, only their state changes.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from kizuna.mail.models import InboundMail, InboundState
from kizuna.monitoring.health import queue_health
from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.tickets.models import Message, MessageKind


class KizunaCollector(Collector):
    def __init__(self, *, now: datetime | None = None) -> None:
        self.now = now

    def collect(self):
        now = self.now or timezone.now()
        yield from _inbound()
        yield from _outbound()
        yield from _tasks(now)
        yield from _deadlines(now)


def _inbound():
    received = CounterMetricFamily(
        "kizuna_inbound_mail",
        "Mail stored by the ingest pipeline (files, IMAP, SMTP/LMTP), by its outcome.",
        labels=["state"],
    )
    counts = dict(InboundMail.objects.order_by().values_list("state").annotate(n=Count("id")))
    for state in InboundState.values:
        received.add_metric([state], counts.get(state, 0))
    yield received


def _outbound():
    outbound = Message.objects.filter(kind=MessageKind.OUTBOUND)
    waiting = GaugeMetricFamily(
        "kizuna_outbound_mail_waiting",
        "Messages for customers not yet accepted by the mail server (queued or retrying).",
    )
    waiting.add_metric([], outbound.filter(mailed_at=None, mail_suppressed="").count())
    failed = CounterMetricFamily(
        "kizuna_outbound_mail_failed",
        "Messages for customers that could not be mailed (refused for good, or every retry "
        "failed); each is shown on its ticket.",
    )
    failed.add_metric([], outbound.exclude(mail_failed_at=None).count())
    yield waiting
    yield failed


def _tasks(now: datetime):
    tasks = GaugeMetricFamily(
        "kizuna_tasks", "Background tasks in the queue, by status.", labels=["status"]
    )
    counts = dict(
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
        tasks.add_metric([status.lower()], counts.get(status, 0))
    yield tasks
    failed = CounterMetricFamily("kizuna_tasks_failed", "Background tasks that failed.")
    failed.add_metric([], DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count())
    yield failed
    health = queue_health(now=now)
    oldest = GaugeMetricFamily(
        "kizuna_task_oldest_waiting_seconds",
        "How long the oldest task due to run has waited (0 when none waits).",
    )
    oldest.add_metric([], health.oldest_waiting_seconds or 0.0)
    yield oldest
    workers = GaugeMetricFamily("kizuna_workers", "Workers alive (their lease is current).")
    workers.add_metric([], health.workers)
    yield workers


def _deadlines(now: datetime):
    running = Deadline.objects.filter(met_at=None, cancelled_at=None, paused_at=None)
    open_ = GaugeMetricFamily(
        "kizuna_sla_deadlines_running",
        "Deadlines of the service levels still running, by kind.",
        labels=["kind"],
    )
    overdue = GaugeMetricFamily(
        "kizuna_sla_deadlines_overdue",
        "Running deadlines already past their due time, by kind.",
        labels=["kind"],
    )
    rows = {
        kind: (n, late)
        for kind, n, late in running.order_by()
        .values_list("kind")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now)))
    }
    breached = CounterMetricFamily(
        "kizuna_sla_deadlines_breached",
        "Deadlines that passed before they were met, by kind.",
        labels=["kind"],
    )
    breaches = dict(
        Deadline.objects.exclude(breached_at=None)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    for kind in DeadlineKind.values:
        n, late = rows.get(kind, (0, 0))
        open_.add_metric([kind], n)
        overdue.add_metric([kind], late)
        breached.add_metric([kind], breaches.get(kind, 0))
    yield open_
    yield overdue
    yield breached
    soonest = running.aggregate(due=Min("due_at"))["due"]
    next_due = GaugeMetricFamily(
        "kizuna_sla_next_due_seconds",
        "Seconds until the earliest running deadline falls due (negative: overdue).",
    )
    next_due.add_metric([], (soonest - now).total_seconds() if soonest else 0.0)
    yield next_due


def metrics_registry(*, now: datetime | None = None) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KizunaCollector(now=now))
    return registry
