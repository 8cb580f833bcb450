"""Addresses in copy (Cc): kept from the customer's mail, edited by agents, copied on every
mail to the customer."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from kizuna.api.tests.base import make_token
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.tests.builders import make_mail
from kizuna.test import BaseTestCase
from kizuna.tickets import copies, services
from kizuna.tickets.models import EventKind, Ticket
from kizuna.tickets.workflow import TicketError


class FromMail(BaseTestCase):
    def test_cc_and_other_recipients_are_kept_without_our_own_addresses(self):
        raw = make_mail(
            to="support@kizuna.example, Kacho <Kacho@Yamada.example.jp>",
            headers={"Cc": "keiri@yamada.example.jp, support+kz1@kizuna.example"},
        )
        with self.captureOnCommitCallbacks(execute=True):
            ingest_raw(raw, source="test")
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.cc, ["keiri@yamada.example.jp", "kacho@yamada.example.jp"])
        # The acknowledgement already goes to them too.
        self.assertEqual(mail.outbox[0].cc, ["keiri@yamada.example.jp", "kacho@yamada.example.jp"])

    def test_a_reply_adds_new_copies_and_keeps_the_old(self):
        first = make_mail(
            message_id="<one@yamada.example.jp>", headers={"Cc": "keiri@yamada.example.jp"}
        )
        ingest_raw(first, source="test")
        reply = make_mail(
            in_reply_to="<one@yamada.example.jp>",
            headers={"Cc": "shacho@yamada.example.jp, taro@yamada.example.jp, not-an-address"},
        )
        ingest_raw(reply, source="test")
        self.assertEqual(
            Ticket.objects.get().cc, ["keiri@yamada.example.jp", "shacho@yamada.example.jp"]
        )


class EditedByAgents(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()

    def test_an_agent_sets_copies_and_replies_carry_them(self):
        response = self.client.post(
            reverse("desk:cc", args=[self.ticket.pk]),
            {"cc": "Keiri@yamada.example.jp、 boss@yamada.example.jp\nkeiri@yamada.example.jp"},
        )
        self.assertEqual(response.status_code, 302)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.cc, ["keiri@yamada.example.jp", "boss@yamada.example.jp"])
        self.assertTrue(self.ticket.events.filter(kind=EventKind.CC).exists())
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_reply(
                ticket=self.ticket,
                actor_user=self.agent,
                body="設定を修正しました。送信をお試しください。",
                override_check=True,
            )
        [sent] = mail.outbox
        self.assertEqual(sent.to, ["taro@yamada.example.jp"])
        self.assertEqual(sent.cc, ["keiri@yamada.example.jp", "boss@yamada.example.jp"])
        self.assertIn("keiri@yamada.example.jp", sent.message()["Cc"])

    def test_a_bad_address_is_named_and_nothing_changes(self):
        copies.ticket_cc_set(
            ticket=self.ticket, addresses=["keiri@yamada.example.jp"], actor_user=self.agent
        )
        response = self.client.post(
            reverse("desk:cc", args=[self.ticket.pk]), {"cc": "ok@yamada.example.jp, 山田さん"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("山田さん", response.content.decode())
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.cc, ["keiri@yamada.example.jp"])

    def test_too_many_and_the_requester_himself(self):
        with self.assertRaisesMessage(TicketError, "At most 20"):
            copies.cleaned([f"a{i}@x.example" for i in range(21)], requester_email="t@x.example")
        self.assertEqual(
            copies.cleaned(["T@x.example", "b@x.example"], requester_email="t@x.example"),
            ["b@x.example"],
        )

    def test_names_with_addresses_are_read(self):
        self.assertEqual(
            copies.parse_addresses("経理 <keiri@yamada.example.jp>; Boss <boss@yamada.example.jp>"),
            ["keiri@yamada.example.jp", "boss@yamada.example.jp"],
        )


class ThroughTheApi(BaseTestCase):
    def test_a_ticket_opened_with_copies_shows_them(self):
        token = make_token(self.agent)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        payload = {
            "requester": self.customer.email,
            "subject": "請求書の件",
            "body": "請求書の宛名を直してください。",
            "cc": ["keiri@yamada.example.jp"],
        }
        r = self.client.post("/api/v1/tickets", payload, content_type="application/json", **headers)
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["cc"], ["keiri@yamada.example.jp"])
        bad = dict(payload, cc=["nobody"])
        before = Ticket.objects.count()
        r = self.client.post("/api/v1/tickets", bad, content_type="application/json", **headers)
        self.assertIn(r.status_code, (400, 422))
        self.assertIn("cc", r.content.decode())
        self.assertEqual(Ticket.objects.count(), before)
