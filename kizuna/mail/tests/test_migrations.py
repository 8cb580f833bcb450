"""Deliveries queued before an upgrade still run after it."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

QUEUE = ("django_tasks_database", "0021_conditional_partial_index_ordering")


class QueuedTasksAfterTheMoveTests(TransactionTestCase):
    def migrate(self, target):
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        return executor.loader.project_state([target, QUEUE]).apps

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def test_a_delivery_queued_under_the_old_name_runs_under_the_new_one(self):
        old_apps = self.migrate(("mail", "0001_initial"))
        Task = old_apps.get_model("django_tasks_database", "DBTaskResult")
        Task.objects.create(
            task_path="kizuna.tickets.tasks.message_deliver",
            args_kwargs={"args": [7], "kwargs": {}},
            backend_name="default",
            run_after=timezone.now(),
        )
        new_apps = self.migrate(("mail", "0002_outbound_tasks_moved"))
        Task = new_apps.get_model("django_tasks_database", "DBTaskResult")
        self.assertEqual(
            list(Task.objects.values_list("task_path", flat=True)),
            ["kizuna.mail.tasks.message_deliver"],
        )
