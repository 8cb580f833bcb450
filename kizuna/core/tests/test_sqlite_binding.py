"""What Kizuna's SQLite backend (kizuna/lib/queued_sqlite) binds and runs is what Django's own
would: statements converted once are the same statements, and values with an adapter of
their own (None, booleans, model choices, blobs) are stored as SQLite stores them."""

from __future__ import annotations

import unittest

from django.db import connection
from django.test import TestCase

from kizuna.lib.queued_sqlite.base import _qmark_style
from kizuna.tickets.models import Priority, Status

SQLITE = connection.vendor == "sqlite"


@unittest.skipUnless(SQLITE, "the SQLite backend's own binding")
class SqliteBindingTests(TestCase):
    def setUp(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bound (a, b, c, d, e, note TEXT)",
            )

    def _stored(self) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d), e, typeof(e) "
                "FROM bound ORDER BY rowid"
            )
            return cursor.fetchall()

    def test_values_with_adapters_are_stored_as_sqlite_stores_them(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bound (a, b, c, d, e) VALUES (%s, %s, %s, %s, %s)",
                [None, True, Status.WAITING_CUSTOMER, Priority.URGENT, memoryview(b"\x00raw\xff")],
            )
            cursor.executemany(
                "INSERT INTO bound (a, b, c, d, e) VALUES (%s, %s, %s, %s, %s)",
                [[False, None, Status.NEW, "plain", b"x"]],
            )
        first, second = self._stored()
        self.assertEqual(
            first,
            (
                None,
                "null",
                1,
                "integer",
                "waiting_customer",
                "text",
                "urgent",
                "text",
                b"\x00raw\xff",
                "blob",
            ),
        )
        self.assertEqual(
            second, (0, "integer", None, "null", "new", "text", "plain", "text", b"x", "blob")
        )
        # What comes back is a plain str, not the enumeration's member.
        self.assertIs(type(first[4]), str)

    def test_a_choice_matches_in_a_query_as_its_text_does(self):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bound (c) VALUES (%s)", ["waiting_customer"])
            cursor.execute("SELECT count(*) FROM bound WHERE c = %s", [Status.WAITING_CUSTOMER])
            self.assertEqual(cursor.fetchone()[0], 1)

    def test_placeholders_are_converted_as_django_converts_them(self):
        self.assertEqual(
            _qmark_style("SELECT %s, '100%%', a FROM t WHERE b LIKE '%%s' AND c = %s"),
            "SELECT ?, '100%', a FROM t WHERE b LIKE '%s' AND c = ?",
        )
        # The same statement text gives the same converted statement (kept, not redone).
        text = "UPDATE t SET a = %s WHERE id = %s"
        self.assertIs(_qmark_style(text), _qmark_style(text))

    def test_a_percent_sign_in_a_value_is_stored_as_given(self):
        with connection.cursor() as cursor:
            for _ in range(2):  # the second time through the kept statement
                cursor.execute("INSERT INTO bound (note) VALUES (%s)", ["100%s %% done"])
            cursor.execute("SELECT note FROM bound WHERE note IS NOT NULL")
            self.assertEqual([row[0] for row in cursor.fetchall()], ["100%s %% done"] * 2)
