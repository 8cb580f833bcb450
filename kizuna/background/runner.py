"""The loop of `kizuna worker`: the database queue's worker with a lease, and patience with a
database that is busy or briefly gone.

Compared with django-tasks-db's own loop, three things differ:
- a thread renews this worker's lease and puts back the tasks of workers whose lease expired
  (services.py), so a killed worker's task runs again elsewhere;
- a database error while claiming ("database is locked" on SQLite when a writer holds the lock
  longer than the busy timeout, a PostgreSQL restart) is waited out with growing pauses
  instead of ending the worker;
- a task whose outcome could not be recorded is put back in the queue rather than left
  RUNNING under a worker that is alive and would never reclaim it.
"""

from __future__ import annotations

import logging
import random
import threading
import time

from django.db import DatabaseError, close_old_connections
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from kizuna.background import services

logger = logging.getLogger(__name__)

# The longest pause between two attempts to reach the database.
MAX_PAUSE_SECONDS = 30.0


class LeasedWorker(Worker):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._stopped = threading.Event()
        self._database_failures = 0
        # Tasks this worker ran but could not record the outcome of: put back in the queue as
        # soon as the database lets us.
        self._unrecorded: dict[str, DBTaskResult] = {}

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        self._take_lease()
        renewer = threading.Thread(target=self._renew_lease, name="worker-lease", daemon=True)
        renewer.start()
        try:
            self._loop()
        finally:
            self._stopped.set()
            self._give_lease_up()

    def _loop(self) -> None:
        while self.running:
            close_old_connections()
            try:
                self._requeue_unrecorded()
                task = self._claim_next()
            except DatabaseError as exc:
                self._pause_for_database(exc)
                continue
            self._database_failures = 0

            if task is not None:
                try:
                    self.run_task(task)
                except DatabaseError as exc:
                    # The task ran, but neither its success nor its failure could be written.
                    logger.warning(
                        "Could not record the outcome of task %s (%s); it will run again",
                        task.id,
                        exc,
                    )
                    self._unrecorded[str(task.id)] = task

            if self.batch and task is None:
                logger.info(
                    "No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id
                )
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task is None:
                time.sleep(self.interval)

    def _claim_next(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task = tasks.get_locked()
            if task is not None:
                task.claim(self.worker_id)
        return task

    def _requeue_unrecorded(self) -> None:
        for task_id, task in list(self._unrecorded.items()):
            DBTaskResult.objects.filter(
                id=task.id, status=TaskResultStatus.RUNNING, started_at=task.started_at
            ).update(status=TaskResultStatus.READY)
            del self._unrecorded[task_id]

    def _pause_for_database(self, exc: DatabaseError) -> None:
        """Wait 0.5, 1, 2 … up to 30 seconds (with jitter, so that workers do not return all
        at once), then try again; a broken connection is replaced on the next attempt."""
        self._database_failures += 1
        pause = min(MAX_PAUSE_SECONDS, 0.25 * 2 ** min(self._database_failures, 8))
        pause *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
        logger.warning(
            "Worker %s: the database did not answer (%s); trying again in %.1f s",
            self.worker_id,
            str(exc).strip() or type(exc).__name__,
            pause,
        )
        close_old_connections()
        time.sleep(pause)

    # --- the lease ------------------------------------------------------------------------

    def _take_lease(self) -> None:
        while True:
            try:
                services.lease_renew(worker_id=self.worker_id)
                services.tasks_requeue_own(worker_id=self.worker_id)
                return
            except DatabaseError as exc:
                self._pause_for_database(exc)

    def _renew_lease(self) -> None:
        period = services.lease_duration().total_seconds() / 3
        while not self._stopped.wait(period):
            try:
                close_old_connections()
                services.lease_renew(worker_id=self.worker_id)
                services.tasks_reclaim_expired()
            except DatabaseError as exc:
                logger.warning("Worker %s could not renew its lease: %s", self.worker_id, exc)

    def _give_lease_up(self) -> None:
        try:
            services.lease_release(worker_id=self.worker_id)
        except DatabaseError:
            # It expires by itself.
            logger.warning("Worker %s could not give its lease up", self.worker_id)
