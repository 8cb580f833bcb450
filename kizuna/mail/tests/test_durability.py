"""Processes that tell a mail server its message is safe sync every commit to disk."""

from __future__ import annotations

from django.db import connection
from django.db.backends.signals import connection_created
from django.test import TransactionTestCase

from kizuna.lib.durability import sync_every_commit


class SyncEveryCommitTests(TransactionTestCase):
    def setUp(self):
        # Commands run in-process by earlier tests on this worker may have switched it on.
        self.tearDown()

    def tearDown(self):
        connection_created.disconnect(dispatch_uid="kizuna-sync-every-commit")
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")

    def synchronous(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            return cursor.fetchone()[0]

    def test_open_and_new_sqlite_connections_sync_every_commit(self):
        if connection.vendor != "sqlite":
            # PostgreSQL's durability is its server's setting; nothing to change here.
            sync_every_commit()
            return
        self.assertNotEqual(self.synchronous(), 2)  # NORMAL, as the web server keeps it
        sync_every_commit()
        self.assertEqual(self.synchronous(), 2)  # FULL
        receivers = connection_created._live_receivers(type(connection))
        self.assertTrue(any(getattr(r, "__name__", "") == "_full_sync" for r in receivers[0]))
