"""Atomic blocks and their savepoints behave as Django documents them, whatever the backend
does to begin a transaction late (on SQLite, at the block's first statement)."""

from __future__ import annotations

from django.db import connection, transaction
from django.test import TransactionTestCase

from kizuna.tickets.models import Organization


class Oops(Exception):
    pass


def names() -> list[str]:
    return sorted(Organization.objects.values_list("name", flat=True))


class SavepointTests(TransactionTestCase):
    def test_an_inner_block_failing_before_any_statement_leaves_the_outer_one_going(self):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    raise Oops
            except Oops:
                pass
            Organization.objects.create(name="kept")
        self.assertEqual(names(), ["kept"])

    def test_an_inner_block_opened_before_the_first_statement_undoes_only_its_own(self):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    # The transaction begins here, with the savepoint asked for above.
                    Organization.objects.create(name="undone")
                    raise Oops
            except Oops:
                pass
            Organization.objects.create(name="kept")
        self.assertEqual(names(), ["kept"])

    def test_nested_blocks_without_statements_then_a_failure_leave_nothing(self):
        with self.assertRaises(Oops), transaction.atomic():
            with transaction.atomic(), transaction.atomic():
                pass
            with transaction.atomic():
                Organization.objects.create(name="inner")
            Organization.objects.create(name="outer")
            raise Oops
        self.assertEqual(names(), [])

    def test_a_savepoint_rolled_back_before_any_statement_can_be_used_again(self):
        with transaction.atomic():
            sid = transaction.savepoint()
            transaction.savepoint_rollback(sid)
            Organization.objects.create(name="first")
            transaction.savepoint_rollback(sid)  # back to before "first"
            Organization.objects.create(name="second")
            transaction.savepoint_commit(sid)
        self.assertEqual(names(), ["second"])

    def test_a_block_that_runs_no_statement_commits_nothing_and_leaves_no_transaction(self):
        hooks = []
        with transaction.atomic():
            transaction.on_commit(lambda: hooks.append("ran"))
        self.assertEqual(hooks, ["ran"])  # its commit hooks still run
        self.assertFalse(connection.in_atomic_block)
        if connection.vendor == "sqlite":
            self.assertFalse(connection.connection.in_transaction)
        Organization.objects.create(name="after")  # autocommit again
        self.assertEqual(names(), ["after"])

    def test_the_transaction_begins_with_the_first_statement_on_sqlite(self):
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL begins its transaction itself")
        connection.ensure_connection()
        with transaction.atomic():
            self.assertFalse(connection.connection.in_transaction)
            Organization.objects.exists()
            self.assertTrue(connection.connection.in_transaction)
        self.assertFalse(connection.connection.in_transaction)
