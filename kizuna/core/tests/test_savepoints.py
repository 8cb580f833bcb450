"""Services marked `@savepoints.atomic` (kizuna/lib/savepoints.py): atomic with a savepoint of
their own, except inside `savepoints.skipped()`, where an error in them goes back to the
caller's savepoint or ends the caller's transaction."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext

from kizuna.lib import savepoints
from kizuna.tickets.models import Organization


class Oops(Exception):
    pass


@savepoints.atomic
def create_then_fail(name: str) -> None:
    Organization.objects.create(name=name)
    raise Oops


@savepoints.atomic
def create(name: str) -> Organization:
    return Organization.objects.create(name=name)


def names() -> list[str]:
    return sorted(Organization.objects.values_list("name", flat=True))


def savepoint_statements(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT"))


class SavepointTests(TransactionTestCase):
    def test_by_default_a_caller_may_catch_the_error_and_go_on(self):
        with transaction.atomic():
            Organization.objects.create(name="before")
            try:
                create_then_fail("undone")
            except Oops:
                pass
            Organization.objects.create(name="after")
        self.assertEqual(names(), ["after", "before"])

    def test_skipped_the_error_goes_back_to_the_callers_savepoint(self):
        with transaction.atomic():
            Organization.objects.create(name="kept")
            try:
                with transaction.atomic(), savepoints.skipped():
                    Organization.objects.create(name="caller's")
                    create_then_fail("undone")
            except Oops:
                pass
            Organization.objects.create(name="after")
        self.assertEqual(names(), ["after", "kept"])

    def test_skipped_a_caller_that_catches_and_writes_on_is_stopped(self):
        with self.assertRaises(TransactionManagementError), transaction.atomic():
            with savepoints.skipped():
                Organization.objects.create(name="before")
                try:
                    create_then_fail("undone")
                except Oops:
                    pass
                Organization.objects.create(name="half-done")
        self.assertEqual(names(), [])

    def test_skipped_calls_make_no_savepoint_and_the_setting_ends_with_the_block(self):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            with savepoints.skipped():
                create("one")
                with savepoints.skipped():
                    create("two")
                create("three")
            skipped = savepoint_statements(queries)
            create("four")
        self.assertEqual(skipped, 0)
        self.assertEqual(savepoint_statements(queries), 1, "outside skipped(): a savepoint")
        self.assertEqual(names(), ["four", "one", "three", "two"])

    def test_outermost_a_service_is_its_own_transaction(self):
        with savepoints.skipped():
            with self.assertRaises(Oops):
                create_then_fail("undone")
            create("kept")
        self.assertEqual(names(), ["kept"])
