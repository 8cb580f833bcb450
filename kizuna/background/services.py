"""Worker leases: a task whose worker died goes back in the queue instead of staying RUNNING.

The database queue marks a task RUNNING when a worker claims it and never looks at it again,
so a worker killed mid-task (kill -9, out of memory, a lost machine) would leave it RUNNING
forever. Every `kizuna worker` holds a lease that it renews every third of
KIZUNA_TASK_LEASE_SECONDS from a thread of its own, whatever its task is doing; any worker puts
the RUNNING tasks of a worker whose lease has expired back in the queue.

A task may therefore run again after its worker died part-way through it, so every task is
written to be safe to run twice (mail is claimed per message and marked sent once the server
has accepted it). A task whose workers died under it KIZUNA_TASK_MAX_RUNS times (one that
brings its worker down, say) is marked failed rather than handed to the next worker.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kizuna.background.models import WorkerLease

logger = logging.getLogger(__name__)

# A lease row not renewed for this long belongs to a worker that is gone for good.
FORGET_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """Recorded as the error of a task whose workers kept dying while they ran it."""


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.KIZUNA_TASK_LEASE_SECONDS)


def lease_renew(*, worker_id: str, now: datetime | None = None) -> None:
    """Take or extend the lease of `worker_id` (one short write)."""
    now = now or timezone.now()
    if WorkerLease.objects.filter(worker_id=worker_id).update(renewed_at=now):
        return
    WorkerLease.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "renewed_at": now,
        },
    )


def lease_release(*, worker_id: str) -> None:
    """A worker that stops cleanly gives its lease up (its tasks have finished)."""
    WorkerLease.objects.filter(worker_id=worker_id).delete()


def _owner(task: DBTaskResult) -> str | None:
    ids = task.worker_ids
    return ids[-1] if isinstance(ids, list) and ids else None


def _requeue(task: DBTaskResult, *, reason: str, now: datetime) -> bool:
    """Put one RUNNING task back in the queue, or fail it if its workers died too often.
    Conditional on the task still being in the run we looked at, so two workers reclaiming at
    once requeue it once."""
    runs = len(task.worker_ids) if isinstance(task.worker_ids, list) else 1
    same_run = DBTaskResult.objects.filter(
        id=task.id, status=TaskResultStatus.RUNNING, started_at=task.started_at
    )
    if runs >= settings.KIZUNA_TASK_MAX_RUNS:
        error = WorkerLost(f"its worker stopped while running it, {runs} times; last: {reason}")
        changed = same_run.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{type(error).__name__}: {error}\n",
        )
        if changed:
            logger.error("task %s (%s) failed: %s", task.id, task.task_path, error)
        return bool(changed)
    changed = same_run.update(status=TaskResultStatus.READY)
    if changed:
        logger.warning("task %s (%s) queued again: %s", task.id, task.task_path, reason)
    return bool(changed)


def tasks_requeue_own(*, worker_id: str, now: datetime | None = None) -> int:
    """At start: tasks still RUNNING under this worker id were left by an earlier process with
    the same id (restarted with --worker-id), which cannot be running them any more."""
    now = now or timezone.now()
    requeued = 0
    for task in _running():
        if _owner(task) == worker_id:
            requeued += _requeue(task, reason=f"worker {worker_id} restarted", now=now)
    return requeued


def tasks_reclaim_expired(*, now: datetime | None = None) -> int:
    """Put back the RUNNING tasks whose worker's lease has expired; returns how many.

    A task claimed by a worker that never held a lease (one started some other way) gets one
    lease period from its start.
    """
    now = now or timezone.now()
    cutoff = now - lease_duration()
    live = set(
        WorkerLease.objects.filter(renewed_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    reclaimed = 0
    for task in _running():
        owner = _owner(task)
        if owner in live or (task.started_at and task.started_at >= cutoff):
            continue
        reclaimed += _requeue(task, reason=f"the lease of worker {owner} expired", now=now)
    WorkerLease.objects.filter(renewed_at__lt=now - FORGET_AFTER).delete()
    return reclaimed


def _running():
    return (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .only("id", "task_path", "worker_ids", "started_at")
        .order_by()
    )


def tasks_pending(task_path: str) -> list[DBTaskResult]:
    """The queued (now or later) and running tasks of one task function."""
    return list(
        DBTaskResult.objects.filter(
            Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING),
            task_path=task_path,
        )
        .only("id", "args_kwargs")
        .order_by()
    )
