"""The SQLite log is checkpointed after a commit, once the writers' queue is free
(kizuna/lib/queued_sqlite): the next writer does not wait for the copy and the sync."""

from __future__ import annotations

import sqlite3
import unittest

from django.db import connection, transaction
from django.test import TransactionTestCase

from kizuna.lib.queued_sqlite import base as queued
from kizuna.tickets.models import Organization


@unittest.skipUnless(connection.vendor == "sqlite", "the writers' queue is SQLite's")
class CheckpointTests(TransactionTestCase):
    def setUp(self):
        connection.ensure_connection()
        self.statements: list[tuple[str, bool]] = []
        # Each statement SQLite runs, and whether the queue was held when it ran.
        connection.connection.set_trace_callback(
            lambda sql: self.statements.append((sql, connection._queue_held))
        )
        self.addCleanup(connection.connection.set_trace_callback, None)
        connection._next_checkpoint = 0.0  # due: no checkpoint yet on this connection

    def checkpoints(self) -> list[bool]:
        return [held for sql, held in self.statements if "wal_checkpoint" in sql]

    def test_a_commit_checkpoints_the_log_after_leaving_the_queue(self):
        with transaction.atomic():
            Organization.objects.create(name="Hoshino Hosting")
        self.assertEqual(self.checkpoints(), [False], "one checkpoint, with the queue free")
        # Every page of the log is in the database file: another connection finds nothing
        # left to copy.
        other = sqlite3.connect(connection.settings_dict["NAME"])
        self.addCleanup(other.close)
        busy, log, copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.assertEqual((busy, log), (0, copied))
        self.assertEqual(
            [name for (name,) in other.execute("SELECT name FROM tickets_organization")],
            ["Hoshino Hosting"],
        )

    def test_commits_in_quick_succession_checkpoint_once(self):
        for n in range(5):
            with transaction.atomic():
                Organization.objects.create(name=f"Org {n}")
        self.assertEqual(self.checkpoints(), [False])
        self.assertEqual(Organization.objects.count(), 5)

    def test_a_block_that_wrote_nothing_and_a_rolled_back_one_do_not_checkpoint(self):
        with transaction.atomic():
            pass
        with self.assertRaises(ZeroDivisionError), transaction.atomic():
            Organization.objects.create(name="undone")
            1 / 0  # noqa: B018
        self.assertEqual(self.checkpoints(), [])
        self.assertFalse(Organization.objects.exists())

    def test_sqlite_checkpoints_itself_only_for_a_far_longer_log(self):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            self.assertEqual(cursor.fetchone()[0], queued._CHECKPOINT_PAGES)
            cursor.execute("PRAGMA journal_mode")
            self.assertEqual(cursor.fetchone()[0], "wal")
