"""Merging two tickets: messages, events and mail references move; the customer is told;
mail to either ticket lands in the survivor; different organizations never merge."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import MailReference
from kizuna.mail.tests.builders import make_mail
from kizuna.search.query import search
from kizuna.test import BaseTestCase
from kizuna.tickets import merge, services
from kizuna.tickets.models import CloseReason, Contact, EventKind, Status, Ticket
from kizuna.tickets.workflow import TicketError


class MergeTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        ingest_raw(
            make_mail(message_id="<a@yamada.example.jp>", subject="VPN が切れる"), source="t"
        )
        ingest_raw(
            make_mail(message_id="<b@yamada.example.jp>", subject="VPN 再接続できない"), source="t"
        )
        self.source, self.target = Ticket.objects.order_by("pk")
        services.ticket_note(
            ticket=self.source, actor_user=self.agent, body="ルーターのログ確認済み"
        )

    def merge(self):
        with self.captureOnCommitCallbacks(execute=True):
            return merge.ticket_merge(source=self.source, target=self.target, actor_user=self.agent)

    def test_messages_events_and_references_move_and_the_source_closes(self):
        before = self.source.messages.count() + self.target.messages.count()
        mail.outbox.clear()
        self.merge()
        self.source.refresh_from_db()
        self.target.refresh_from_db()
        self.assertEqual(self.source.messages.count(), 0)
        self.assertEqual(self.target.messages.count(), before + 1)  # plus the notice
        self.assertEqual(self.source.status, Status.CLOSED)
        self.assertEqual(self.source.close_reason, CloseReason.DUPLICATE)
        self.assertEqual(self.source.merged_into, self.target)
        self.assertTrue(self.target.events.filter(kind=EventKind.CREATED).count() >= 2)
        self.assertEqual(
            set(
                MailReference.objects.filter(message_id="<a@yamada.example.jp>").values_list(
                    "ticket", flat=True
                )
            ),
            {self.target.pk},
        )
        # The customer is told, under the survivor's reference.
        [notice] = mail.outbox
        self.assertIn(self.source.reference, notice.body)
        self.assertIn(self.target.reference, notice.subject)
        # Search finds the moved note under the survivor.
        hits = search("ルーター", tickets=Ticket.objects.all()).hits
        self.assertEqual([h.ticket.pk for h in hits], [self.target.pk])

    def test_mail_to_either_ticket_lands_in_the_survivor(self):
        self.merge()
        ingest_raw(make_mail(in_reply_to="<a@yamada.example.jp>", body="まだ切れます"), source="t")
        ingest_raw(
            make_mail(
                subject=f"Re: [{self.source.reference}] VPN", message_id=None, body="件名だけ"
            ),
            source="t",
        )
        self.assertEqual(self.target.messages.filter(body__contains="まだ切れます").count(), 1)
        self.assertEqual(self.target.messages.filter(body__contains="件名だけ").count(), 1)
        self.assertEqual(Ticket.objects.count(), 2)

    def test_a_different_requester_is_copied_from_then_on(self):
        colleague = Contact.objects.create(
            organization=self.org, name="山田 花子", email="hanako@yamada.example.jp"
        )
        Ticket.objects.filter(pk=self.source.pk).update(requester=colleague)
        self.source.refresh_from_db()
        self.merge()
        self.target.refresh_from_db()
        self.assertIn("hanako@yamada.example.jp", self.target.cc)

    def test_what_cannot_be_merged_is_refused_and_nothing_moves(self):
        other = self.make_ticket(requester=self.outsider, subject="Other org")
        with self.assertRaisesMessage(TicketError, "different organizations"):
            merge.ticket_merge(source=self.source, target=other, actor_user=self.agent)
        with self.assertRaisesMessage(TicketError, "into itself"):
            merge.ticket_merge(source=self.source, target=self.source, actor_user=self.agent)
        self.merge()
        with self.assertRaisesMessage(TicketError, "already merged"):
            merge.ticket_merge(source=self.source, target=self.target, actor_user=self.agent)
        third = self.make_ticket()
        with self.assertRaisesMessage(TicketError, "closed"):
            merge.ticket_merge(source=third, target=self.source, actor_user=self.agent)
        self.assertEqual(other.messages.count(), 2)


class MergeInTheDesk(BaseTestCase):
    def test_an_agent_merges_by_reference_and_lands_on_the_survivor(self):
        self.client.force_login(self.agent)
        source, target = self.make_ticket(), self.make_ticket(subject="同じ件")
        response = self.client.post(
            reverse("desk:merge", args=[source.pk]), {"target": target.reference.lower()}
        )
        self.assertRedirects(response, reverse("desk:ticket", args=[target.pk]))
        page = self.client.get(reverse("desk:ticket", args=[source.pk])).content.decode()
        self.assertIn('id="merged-into"', page)

    def test_a_bad_reference_is_named(self):
        self.client.force_login(self.agent)
        source = self.make_ticket()
        for typed in ["KZ-999999", "nonsense", "", "9" * 40]:
            response = self.client.post(reverse("desk:merge", args=[source.pk]), {"target": typed})
            self.assertEqual(response.status_code, 400, typed)
        source.refresh_from_db()
        self.assertIsNone(source.merged_into)
