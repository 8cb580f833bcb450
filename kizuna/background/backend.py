"""The database task queue (django-tasks-db), with a task's row written as Kizuna writes rows.

Every ticket opened through the API and every batch of mail enqueues one task inside its write
transaction, which on SQLite the other writers wait for. The package makes that row through the
model's constructor and `save()`, after walking the arguments in Python to make them plain JSON;
here the row is built with `rows.new_row` and written with `rows.insert_rows` (the same
statement, the same values; the model's save signals are sent as `save()` sends them, since the
package sets a task's "run after" in one), and arguments that are plain JSON already are made
so by the json module's C code. What the queue stores and how workers claim and run tasks are
unchanged.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.db import router
from django.db.models.signals import post_save, pre_save
from django_tasks_db import DatabaseBackend as PackageDatabaseBackend
from django_tasks_db.compat import normalize_json

from kizuna.lib.rows import insert_rows, new_row


class DatabaseBackend(PackageDatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs):
        # The model is the package's (looked up when the apps are ready, as its own code does).
        model = apps.get_model("django_tasks_database", "DBTaskResult")
        row = new_row(
            model,
            id=self._get_id(),
            args_kwargs=plain_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        using = router.db_for_write(model, instance=row)
        pre_save.send(sender=model, instance=row, raw=False, using=using, update_fields=None)
        insert_rows([row], using=using)
        post_save.send(
            sender=model, instance=row, created=True, raw=False, using=using, update_fields=None
        )
        return row


def plain_json(value):
    """`value` as JSON values (lists for tuples): what the database keeps and a worker reads
    back. Values json cannot write (bytes, other sequences and mappings) go through the
    package's own normalisation, which also refuses what JSON cannot hold."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return normalize_json(value)
