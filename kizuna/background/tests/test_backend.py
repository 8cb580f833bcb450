"""The task queue's rows as Kizuna writes them (kizuna/background/backend.py): the same row the
package's own backend stores, so that its workers claim and run them as theirs."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from kizuna.lib.batching import batch_work

KIZUNA = override_settings(
    TASKS={"default": {"BACKEND": "kizuna.background.backend.DatabaseBackend"}}
)
PACKAGE = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})


def stored(result) -> dict:
    """The task's row as the database holds it, without what differs from one task to the next."""
    row = DBTaskResult.objects.values().get(id=result.id)
    del row["id"], row["enqueued_at"]
    return row


class KizunaBackendTests(TestCase):
    def enqueue_both(self, task, *args, **options):
        with PACKAGE:
            theirs = task.using(**options).enqueue(*args)
        with KIZUNA:
            ours = task.using(**options).enqueue(*args)
        return theirs, ours

    def test_a_task_is_stored_as_the_package_stores_it(self):
        work = {"kizuna.search.tasks.index": [3, 1, [2, "メール"]], "empty": []}
        before = timezone.now()
        theirs, ours = self.enqueue_both(batch_work, work)
        self.assertEqual(stored(ours), stored(theirs))
        self.assertEqual(stored(ours)["status"], TaskResultStatus.READY)
        self.assertEqual(stored(ours)["run_after"], get_date_max())
        self.assertEqual(stored(ours)["args_kwargs"], {"args": [work], "kwargs": {}})
        # What enqueue answers is the stored task: its id finds the row, its arguments are the
        # ones a worker will get.
        self.assertIsInstance(ours.id, str)
        self.assertEqual(uuid.UUID(ours.id), DBTaskResult.objects.get(id=ours.id).id)
        self.assertEqual(ours.args, theirs.args)
        self.assertEqual(ours.status, TaskResultStatus.READY)
        self.assertGreaterEqual(DBTaskResult.objects.get(id=ours.id).enqueued_at, before)
        self.assertEqual(
            DBTaskResult.objects.get(id=ours.id).task_result.task.module_path,
            "kizuna.lib.batching.batch_work",
        )

    def test_a_delayed_task_with_a_priority_keeps_both(self):
        at = timezone.now() + timedelta(minutes=5)
        theirs, ours = self.enqueue_both(batch_work, {"x": [1]}, run_after=at, priority=7)
        self.assertEqual(stored(ours), stored(theirs))
        self.assertEqual(stored(ours)["priority"], 7)
        self.assertEqual(stored(ours)["run_after"], at)
        # Not ready before its time: the queue's own query passes it over.
        self.assertFalse(DBTaskResult.objects.ready().filter(id=ours.id).exists())

    def test_tuples_and_bytes_are_stored_as_json_holds_them(self):
        theirs, ours = self.enqueue_both(batch_work, {"x": [(1, 2), b"caf\xc3\xa9"]})
        self.assertEqual(stored(ours), stored(theirs))
        self.assertEqual(stored(ours)["args_kwargs"]["args"], [{"x": [[1, 2], "café"]}])

    @KIZUNA
    def test_what_json_cannot_hold_is_refused_and_nothing_is_stored(self):
        for value in (object(), b"\xff\xfe", {1, 2}):
            with self.subTest(value=value), self.assertRaises((TypeError, ValueError)):
                batch_work.enqueue({"x": [value]})
        self.assertFalse(DBTaskResult.objects.exists())
