"""Worker leases: the tasks of a dead worker go back in the queue, a live worker's stay its own."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from kizuna.background import services
from kizuna.background.models import WorkerLease

LEASE = 60


def running_task(*, workers: list[str], started_seconds_ago: float) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        task_path="kizuna.mail.tasks.mail_recover",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=workers,
        started_at=timezone.now() - timedelta(seconds=started_seconds_ago),
    )


def lease(worker_id: str, *, renewed_seconds_ago: float) -> None:
    at = timezone.now() - timedelta(seconds=renewed_seconds_ago)
    WorkerLease.objects.create(worker_id=worker_id, started_at=at, renewed_at=at)


def status(task: DBTaskResult) -> str:
    task.refresh_from_db()
    return task.status


@override_settings(KIZUNA_TASK_LEASE_SECONDS=LEASE, KIZUNA_TASK_MAX_RUNS=3)
class ReclaimTests(TestCase):
    def test_the_task_of_a_worker_whose_lease_expired_runs_again(self):
        lease("dead", renewed_seconds_ago=LEASE + 5)
        task = running_task(workers=["dead"], started_seconds_ago=LEASE + 30)
        self.assertEqual(services.tasks_reclaim_expired(), 1)
        self.assertEqual(status(task), TaskResultStatus.READY)
        # Ready means the next worker's claim finds it.
        self.assertEqual(DBTaskResult.objects.ready().get().id, task.id)
        # Reclaimed once, not again by the next worker looking.
        self.assertEqual(services.tasks_reclaim_expired(), 0)

    def test_a_live_worker_keeps_its_long_task(self):
        lease("alive", renewed_seconds_ago=1)
        task = running_task(workers=["alive"], started_seconds_ago=LEASE * 10)
        self.assertEqual(services.tasks_reclaim_expired(), 0)
        self.assertEqual(status(task), TaskResultStatus.RUNNING)

    def test_only_the_last_worker_of_a_task_counts(self):
        # It ran on "dead" first, then was reclaimed by "alive", which is running it now.
        lease("alive", renewed_seconds_ago=1)
        task = running_task(workers=["dead", "alive"], started_seconds_ago=LEASE * 2)
        self.assertEqual(services.tasks_reclaim_expired(), 0)
        self.assertEqual(status(task), TaskResultStatus.RUNNING)

    def test_a_worker_without_a_lease_gets_one_lease_period_from_the_start_of_its_task(self):
        recent = running_task(workers=["plain"], started_seconds_ago=LEASE / 2)
        old = running_task(workers=["plain"], started_seconds_ago=LEASE * 2)
        self.assertEqual(services.tasks_reclaim_expired(), 1)
        self.assertEqual(status(recent), TaskResultStatus.RUNNING)
        self.assertEqual(status(old), TaskResultStatus.READY)

    def test_a_task_that_keeps_killing_its_workers_is_failed_not_run_forever(self):
        task = running_task(workers=["w1", "w2", "w3"], started_seconds_ago=LEASE * 2)
        self.assertEqual(services.tasks_reclaim_expired(), 1)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskResultStatus.FAILED)
        self.assertIsNotNone(task.finished_at)
        self.assertTrue(task.exception_class_path.endswith("WorkerLost"))
        self.assertIn("3 times", task.traceback)
        self.assertEqual(DBTaskResult.objects.ready().count(), 0)

    def test_finished_and_queued_tasks_are_left_alone(self):
        done = running_task(workers=["dead"], started_seconds_ago=LEASE * 2)
        DBTaskResult.objects.filter(id=done.id).update(status=TaskResultStatus.SUCCESSFUL)
        self.assertEqual(services.tasks_reclaim_expired(), 0)
        self.assertEqual(status(done), TaskResultStatus.SUCCESSFUL)

    def test_a_worker_restarted_with_its_old_id_takes_back_what_it_left_running(self):
        lease("w-fixed", renewed_seconds_ago=1)
        mine = running_task(workers=["w-fixed"], started_seconds_ago=5)
        other = running_task(workers=["w-other"], started_seconds_ago=5)
        self.assertEqual(services.tasks_requeue_own(worker_id="w-fixed"), 1)
        self.assertEqual(status(mine), TaskResultStatus.READY)
        self.assertEqual(status(other), TaskResultStatus.RUNNING)


@override_settings(KIZUNA_TASK_LEASE_SECONDS=LEASE)
class LeaseTests(TestCase):
    def test_renewing_takes_then_extends_the_lease(self):
        services.lease_renew(worker_id="w1")
        first = WorkerLease.objects.get()
        later = timezone.now() + timedelta(seconds=20)
        services.lease_renew(worker_id="w1", now=later)
        renewed = WorkerLease.objects.get()
        self.assertEqual(renewed.renewed_at, later)
        self.assertEqual(renewed.started_at, first.started_at)
        self.assertGreater(renewed.pid, 0)

    def test_a_released_lease_is_gone_and_long_dead_ones_are_forgotten(self):
        services.lease_renew(worker_id="w1")
        services.lease_release(worker_id="w1")
        self.assertFalse(WorkerLease.objects.exists())
        lease("ancient", renewed_seconds_ago=2 * 86400)
        lease("recent", renewed_seconds_ago=LEASE * 2)
        services.tasks_reclaim_expired()
        self.assertEqual(list(WorkerLease.objects.values_list("worker_id", flat=True)), ["recent"])
