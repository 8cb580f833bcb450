"""`PreparedGet` (kizuna/lib/prepared.py) answers as the ORM does, with one statement."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.lib.prepared import PreparedGet
from kizuna.test import BaseTestCase, column_values
from kizuna.tickets.models import Contact, Team, Ticket

RELATED = ("requester", "organization", "assignee", "team")
WITH_RELATED = PreparedGet(lambda: Ticket.objects.select_related(*RELATED))
LOCKED = PreparedGet(
    lambda: Ticket.objects.select_related("requester").select_for_update(of=("self",))
)


class PreparedGetTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.plain = self.make_ticket(subject="VPN が切れる", body="朝から何度も切れます。")
        self.full = self.make_ticket(subject="Backup failed", body="Since Monday.")
        team = Team.objects.create(name="Network")
        Ticket.objects.filter(pk=self.full.pk).update(
            assignee=self.agent,
            team=team,
            cc=["ops@yamada.example.jp", "二郎 <jiro@yamada.example.jp>"],
            next_checkpoint=datetime(2026, 12, 8, 1, 30, 15, 250000, tzinfo=UTC),
        )

    def test_each_ticket_and_its_related_rows_are_what_the_orm_reads(self):
        for ticket in (self.plain, self.full, self.plain):  # the plan is reused
            with self.subTest(ticket=ticket.pk):
                orm = Ticket.objects.select_related(*RELATED).get(pk=ticket.pk)
                with self.assertNumQueries(1):
                    ours = WITH_RELATED(ticket.pk)
                    # The related rows came with it: no further statement.
                    related = [getattr(ours, name) for name in RELATED]
                self.assertEqual(column_values(ours), column_values(orm))
                for name, obj in zip(RELATED, related, strict=True):
                    expected = getattr(orm, name)
                    self.assertEqual(obj is None, expected is None, name)
                    if obj is not None:
                        self.assertEqual(column_values(obj), column_values(expected), name)
                self.assertFalse(ours._state.adding)
                self.assertEqual(ours._state.db, "default")

    def test_values_are_converted_as_the_orm_converts_them(self):
        ours = WITH_RELATED(self.full.pk)
        self.assertEqual(ours.next_checkpoint, datetime(2026, 12, 8, 1, 30, 15, 250000, tzinfo=UTC))
        self.assertEqual(ours.cc, ["ops@yamada.example.jp", "二郎 <jiro@yamada.example.jp>"])
        self.assertIsInstance(ours.requester.is_active, bool)
        self.assertEqual(ours.subject, "Backup failed")

    def test_a_key_no_row_has_gives_none_even_beyond_the_integer_range(self):
        missing = Ticket.objects.order_by("-pk").first().pk + 1000
        self.assertIsNone(WITH_RELATED(missing))
        with self.assertNumQueries(0):
            self.assertIsNone(WITH_RELATED(10**30))
            self.assertIsNone(WITH_RELATED(-(10**30)))

    def test_a_locking_read_takes_the_row_lock_where_the_database_has_one(self):
        with CaptureQueriesContext(connection) as queries:
            ours = LOCKED(self.full.pk)
        self.assertEqual(ours.pk, self.full.pk)
        self.assertEqual(ours.requester.pk, self.full.requester_id)
        sql = queries.captured_queries[-1]["sql"]
        self.assertEqual("FOR UPDATE" in sql, connection.features.has_select_for_update)


BY_EMAIL = PreparedGet(lambda: Contact.objects.select_related("organization"), key="email")
BY_NAME = PreparedGet(lambda: Contact.objects.all(), key="name")  # not unique


class PreparedGetByUniqueFieldTests(BaseTestCase):
    def test_a_contact_is_found_by_its_address_with_its_organization_in_one_statement(self):
        for contact in (self.customer, self.outsider, self.customer):  # the plan is reused
            with self.subTest(email=contact.email):
                orm = Contact.objects.select_related("organization").get(email=contact.email)
                with self.assertNumQueries(1):
                    ours = BY_EMAIL(contact.email)
                    organization = ours.organization
                self.assertEqual(column_values(ours), column_values(orm))
                self.assertIsNotNone(organization)
                self.assertEqual(column_values(organization), column_values(orm.organization))

    def test_an_address_no_contact_has_gives_none(self):
        self.assertIsNone(BY_EMAIL("nobody@nowhere.example"))
        self.assertIsNone(BY_EMAIL(self.customer.email.upper()))  # exact, as the ORM's lookup
        self.assertIsNone(BY_EMAIL("Ａ" * 100_000))

    def test_a_field_that_is_not_unique_is_read_as_the_orm_reads_it(self):
        Contact.objects.create(
            email="twin2@yamada.example.jp", name="双子", organization=self.customer.organization
        )
        Contact.objects.create(
            email="twin1@yamada.example.jp", name="双子", organization=self.customer.organization
        )
        expected = Contact.objects.filter(name="双子").first()
        self.assertEqual(BY_NAME("双子").pk, expected.pk)
        self.assertIsNone(BY_NAME("三つ子"))
