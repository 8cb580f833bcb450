"""Bulk actions from the queue: each ticket changes as on its own page, failures are named."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kizuna.test import BaseTestCase
from kizuna.tickets.models import EventKind, MessageKind, Status

URL = reverse("desk:queue_bulk")


class BulkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.a = self.make_ticket(subject="一件目")
        self.b = self.make_ticket(subject="二件目")
        self.checkpoint = timezone.localtime(timezone.now() + timedelta(hours=3))

    def post(self, **data):
        return self.client.post(URL, {"back": "assignee=me", **data})

    def test_a_status_change_gives_every_customer_the_note_and_the_checkpoint(self):
        note = "ネットワーク機器の交換作業を進めております。"
        response = self.post(
            ticket=[self.a.pk, self.b.pk],
            action="status",
            to_status=Status.INVESTIGATING,
            customer_note=note,
            checkpoint=self.checkpoint.strftime("%Y-%m-%dT%H:%M"),
        )
        self.assertRedirects(
            response, reverse("desk:queue") + "?assignee=me", fetch_redirect_response=False
        )
        for ticket in (self.a, self.b):
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, Status.INVESTIGATING)
            self.assertEqual(ticket.customer_note, note)
            self.assertEqual(
                ticket.next_checkpoint.replace(second=0, microsecond=0),
                self.checkpoint.replace(second=0, microsecond=0),
            )
            self.assertTrue(
                ticket.messages.filter(kind=MessageKind.OUTBOUND, body__contains=note).exists()
            )

    def test_assign_and_priority_keep_the_rest(self):
        self.post(ticket=[self.a.pk, self.b.pk], action="assign", assignee=self.teammate.pk)
        self.post(ticket=[self.a.pk], action="priority", priority="urgent")
        self.a.refresh_from_db()
        self.b.refresh_from_db()
        self.assertEqual((self.a.assignee, self.a.priority), (self.teammate, "urgent"))
        self.assertEqual((self.b.assignee, self.b.priority), (self.teammate, "high"))
        self.assertEqual(self.a.events.filter(kind=EventKind.ASSIGNED).count(), 2)

    def test_a_ticket_that_cannot_take_the_change_is_named_and_the_others_go_ahead(self):
        self.post(
            ticket=[self.b.pk],
            action="status",
            to_status=Status.CLOSED,
            close_reason="duplicate",
            customer_note="重複したお問い合わせのため、こちらは閉じさせていただきます。",
        )
        response = self.client.post(
            URL,
            {
                "ticket": [self.a.pk, self.b.pk],
                "action": "status",
                "to_status": Status.WAITING_CUSTOMER,
                "customer_note": "ログの送付をお願いできますでしょうか。",
                "checkpoint": self.checkpoint.strftime("%Y-%m-%dT%H:%M"),
            },
            follow=True,
        )
        page = response.content.decode()
        self.assertIn(self.a.reference, page)
        self.assertIn(f"{self.b.reference}:", page)
        self.a.refresh_from_db()
        self.b.refresh_from_db()
        self.assertEqual(self.a.status, Status.WAITING_CUSTOMER)
        self.assertEqual(self.b.status, Status.CLOSED)

    def test_a_note_the_standard_refuses_changes_no_ticket(self):
        response = self.post(
            ticket=[self.a.pk, self.b.pk],
            action="status",
            to_status=Status.INVESTIGATING,
            customer_note="これはお客様の操作ミスです。",
            checkpoint=self.checkpoint.strftime("%Y-%m-%dT%H:%M"),
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("override_check", response.content.decode())
        for ticket in (self.a, self.b):
            ticket.refresh_from_db()
            self.assertNotEqual(ticket.status, Status.INVESTIGATING)

    def test_bad_input_is_refused_with_a_reason(self):
        for data, text in [
            ({"action": "assign"}, "Select at least one ticket"),
            ({"ticket": ["x"], "action": "assign"}, "is not a ticket"),
            ({"ticket": [self.a.pk], "action": "status"}, "Choose the new status"),
            ({"ticket": [self.a.pk], "action": "status", "to_status": "resolved"}, "resolved"),
            ({"ticket": [self.a.pk], "action": "explode"}, "explode"),
            ({"ticket": [str(i) for i in range(1, 150)], "action": "assign"}, "At most 100"),
        ]:
            response = self.post(**data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(text, response.content.decode(), data)

    def test_another_agents_view_of_the_queue_comes_back(self):
        response = self.client.get(reverse("desk:queue"), {"assignee": "me"})
        self.assertIn('name="back" value="assignee=me"', response.content.decode())
