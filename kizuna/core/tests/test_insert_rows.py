"""`insert_rows` (kizuna/lib/rows.py) stores exactly what bulk_create stores."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Now
from django.db.models.signals import post_init

from kizuna.lib.rows import copy_row, insert_rows, new_row
from kizuna.test import BaseTestCase, column_values
from kizuna.tickets.models import (
    Attachment,
    EventKind,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
)

TOKYO = ZoneInfo("Asia/Tokyo")


class InsertRowsTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket(subject="VPN が切れる", body="朝から何度も切れます。")

    def events(self, tag: str) -> list[TicketEvent]:
        """Events with every kind of column: enum text, two foreign keys (one empty), aware
        datetimes in two zones, an empty one, text with control characters, nested JSON."""
        return [
            TicketEvent(
                ticket=self.ticket,
                kind=EventKind.STATUS,
                actor_user=self.agent if n % 2 else None,
                actor_contact=None if n % 2 else self.ticket.requester,
                created_at=datetime(2026, 12, 7, 9, 30, n, 123456, tzinfo=TOKYO),
                from_status=Status.NEW,
                to_status=Status.INVESTIGATING,
                customer_note=f"{tag} {n}: 確認中です\x07\u2028\U0001f600",
                checkpoint=datetime(2026, 12, 8, 1, 0, tzinfo=UTC) + timedelta(hours=n)
                if n != 1
                else None,
                data={"tag": tag, "n": n, "nested": {"list": [1, "二", None, True]}},
            )
            for n in range(3)
        ]

    def stored(self, events: list[TicketEvent]) -> list[dict]:
        rows = TicketEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk").values()
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]

    def test_rows_match_what_bulk_create_stores_and_get_their_ids(self):
        ours = insert_rows(self.events("same"))
        django = TicketEvent.objects.bulk_create(self.events("same"))
        self.assertTrue(all(e.pk is not None and not e._state.adding for e in ours))
        self.assertEqual(len({e.pk for e in ours}), 3)
        self.assertEqual(self.stored(ours), self.stored(django))
        # Read back, each instance is the row written from it.
        for event in ours:
            fresh = TicketEvent.objects.get(pk=event.pk)
            self.assertEqual(fresh.created_at, event.created_at)
            self.assertEqual(fresh.checkpoint, event.checkpoint)
            self.assertEqual(fresh.customer_note, event.customer_note)
            self.assertEqual(fresh.data, event.data)
            self.assertEqual(fresh.actor_user_id, event.actor_user_id)

    def test_text_that_an_array_of_values_must_escape_is_stored_as_given(self):
        """Several rows go to PostgreSQL as one array per column: text that means something
        inside an array (quotes, braces, commas, backslashes, the word NULL, nothing at all)
        and empty columns are stored exactly as bulk_create stores them."""
        notes = ["NULL", "", 'say "hi"', "{1,2}", "a,b", "back\\slash\\", " edge ", "\t\n", None]
        when = datetime(2026, 12, 7, 9, 30, tzinfo=TOKYO)

        def rows():
            return [
                TicketEvent(
                    ticket=self.ticket,
                    kind=EventKind.NOTE,
                    created_at=when,
                    customer_note=note if note is not None else "",
                    checkpoint=None,
                    data={} if note is None else {"note": note, "list": [note, "{}"]},
                )
                for note in notes
            ]

        ours, django = insert_rows(rows()), TicketEvent.objects.bulk_create(rows())
        self.assertEqual(self.stored(ours), self.stored(django))
        self.assertEqual(
            [row["customer_note"] for row in self.stored(ours)], [n or "" for n in notes]
        )
        self.assertEqual(self.stored(ours)[0]["data"], {"note": "NULL", "list": ["NULL", "{}"]})

    def test_shared_and_many_moments_are_each_stored_as_given(self):
        """Rows written together share moments (a batch's "now"): the same instant given in
        two zones, one moment repeated, and more distinct moments than are kept adapted
        at once, over two calls, all read back as the instants they were."""
        start = datetime(2026, 12, 7, 0, 0, 0, 250000, tzinfo=UTC)
        moments = [start + timedelta(seconds=n) for n in range(300)]
        moments += [start.astimezone(TOKYO), start, moments[299].astimezone(TOKYO), start]
        written = []
        for chunk in (moments[:150], moments[150:]):
            written += insert_rows(
                [
                    TicketEvent(ticket=self.ticket, kind=EventKind.NOTE, created_at=when, data={})
                    for when in chunk
                ]
            )
        stored = dict(
            TicketEvent.objects.filter(pk__in=[e.pk for e in written]).values_list(
                "pk", "created_at"
            )
        )
        self.assertEqual([stored[e.pk] for e in written], moments)

    def test_a_related_object_saved_after_the_instance_was_made_is_linked(self):
        message = Message(kind=MessageKind.NOTE, body="メモ", author_user=self.agent)
        message.ticket = self.ticket
        (stored,) = insert_rows([message])
        self.assertEqual(Message.objects.get(pk=stored.pk).ticket_id, self.ticket.pk)

    def test_rows_it_does_not_convert_itself_are_left_to_bulk_create(self):
        # An SQL expression as a value: written by the database, as bulk_create does.
        event = TicketEvent(ticket=self.ticket, kind=EventKind.NOTE, created_at=Now())
        (stored,) = insert_rows([event])
        self.assertIsNotNone(TicketEvent.objects.get(pk=stored.pk).created_at)
        # A primary key already chosen is kept.
        chosen = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() + 100
        insert_rows([TicketEvent(pk=chosen, ticket=self.ticket, kind=EventKind.NOTE)])
        self.assertTrue(TicketEvent.objects.filter(pk=chosen).exists())

    def test_nothing_to_insert_writes_nothing(self):
        before = TicketEvent.objects.count()
        self.assertEqual(insert_rows([]), [])
        self.assertEqual(TicketEvent.objects.count(), before)


MINUTE = timedelta(minutes=1)


class NewRowTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket(subject="VPN が切れる", body="朝から何度も切れます。")

    def test_a_row_holds_what_the_keyword_path_gives_it(self):
        when = datetime(2026, 12, 7, 9, 30, tzinfo=TOKYO)
        cases = [
            (TicketEvent, {"ticket": self.ticket, "kind": EventKind.NOTE, "created_at": when}),
            (
                TicketEvent,
                {"ticket_id": self.ticket.pk, "actor_user": None, "data": {"n": 1}},
            ),
            (
                Message,
                {
                    "ticket": self.ticket,
                    "kind": MessageKind.INBOUND,
                    "author_contact": self.ticket.requester,
                    "body": "本文",
                },
            ),
        ]
        for model, values in cases:
            with self.subTest(model=model.__name__, values=sorted(values)):
                ours, orm = new_row(model, **values), model(**values)
                mine, theirs = column_values(ours), column_values(orm)
                if "created_at" not in values:  # timezone.now, called for each row
                    self.assertLess(abs(mine.pop("created_at") - theirs.pop("created_at")), MINUTE)
                self.assertEqual(mine, theirs)
                self.assertTrue(ours._state.adding)
                self.assertIsNone(ours.pk)

    def test_a_related_object_given_is_kept_and_linked_when_saved_later(self):
        message = new_row(Message, ticket=self.ticket, kind=MessageKind.NOTE, body="メモ")
        with self.assertNumQueries(0):
            self.assertIs(message.ticket, self.ticket)
        # Made before its ticket was stored: linked once it is, as the keyword path does.
        unsaved = Ticket(
            organization=self.ticket.organization,
            requester=self.ticket.requester,
            subject="後から保存",
            priority="normal",
            channel="email",
            language="ja",
        )
        note = new_row(Message, ticket=unsaved, kind=MessageKind.NOTE, body="メモ")
        unsaved.save()
        (stored,) = insert_rows([note])
        self.assertEqual(Message.objects.get(pk=stored.pk).ticket_id, unsaved.pk)

    def test_a_row_behaves_as_one_the_model_made_and_its_file_reads_back(self):
        message = self.ticket.messages.first()
        ours = new_row(
            Attachment,
            message=message,
            filename="ログ.txt",
            size=3,
            sha256=Attachment.digest(b"abc"),
        )
        ours.file.save("log.txt", ContentFile(b"abc"), save=False)
        self.assertEqual((ours._state.adding, ours._state.db), (True, None))
        self.assertIsInstance(ours.file, FieldFile)
        # Changing the key of a linked object drops it, as for any instance.
        ours.message_id = message.pk + 1000
        with self.assertRaises(Message.DoesNotExist):
            ours.message  # noqa: B018
        ours.message = message
        (stored,) = insert_rows([ours])
        with Attachment.objects.get(pk=stored.pk).file.open("rb") as fh:
            self.assertEqual(fh.read(), b"abc")

    def test_code_listening_for_new_instances_hears_rows_made_here(self):
        heard = []

        def listener(sender, instance, **kwargs):
            heard.append(instance)

        post_init.connect(listener, sender=TicketEvent)
        try:
            event = new_row(TicketEvent, ticket=self.ticket, kind=EventKind.NOTE)
        finally:
            post_init.disconnect(listener, sender=TicketEvent)
        self.assertEqual(heard, [event])
        self.assertEqual(column_values(heard[0])["ticket_id"], self.ticket.pk)

    def test_each_row_gets_its_own_default_of_a_callable(self):
        first = new_row(TicketEvent, ticket=self.ticket, kind=EventKind.NOTE)
        second = new_row(TicketEvent, ticket=self.ticket, kind=EventKind.NOTE)
        self.assertEqual(first.data, {})
        first.data["changed"] = True
        self.assertEqual(second.data, {})

    def test_an_argument_that_is_no_field_is_refused(self):
        with self.assertRaisesMessage(TypeError, "unexpected arguments: ['colour']"):
            new_row(TicketEvent, ticket=self.ticket, colour="red")


class CopyRowTests(BaseTestCase):
    def test_a_copy_changes_apart_from_its_original_as_copy_copy_gives_it(self):
        ticket = self.make_ticket(subject="コピー", body="本文")
        original = Message.objects.select_related("ticket").get(ticket=ticket, kind="inbound")
        for made_by, twin in (("copy_row", copy_row(original)), ("copy", copy.copy(original))):
            with self.subTest(made_by=made_by):
                self.assertEqual(column_values(twin), column_values(original))
                self.assertEqual((twin._state.adding, twin._state.db), (False, original._state.db))
                with self.assertNumQueries(0):
                    self.assertIs(twin.ticket, original.ticket)
                twin.body = "変更"
                twin._state.adding = True
                twin.ticket = Ticket(pk=ticket.pk + 1000)
                self.assertEqual(original.body, "本文")
                self.assertFalse(original._state.adding)
                self.assertEqual(original.ticket_id, ticket.pk)
                with self.assertNumQueries(0):
                    self.assertEqual(original.ticket.pk, ticket.pk)
