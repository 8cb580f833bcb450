"""An agent opens a request for a customer who called or came in; the customer gets the same
acknowledgement as for mail, and bad input changes nothing."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from kizuna.test import BaseTestCase
from kizuna.tickets.models import Channel, MessageKind, Ticket


class OnBehalfTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.url = reverse("desk:ticket_new")

    def post(self, **overrides):
        data = {
            "contact_email": self.customer.email.upper(),
            "channel": "phone",
            "subject": "電話：ホームページが表示されない",
            "body": "お電話で、今朝からホームページが表示されないとのご連絡。",
            "priority": "high",
            **overrides,
        }
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url, data)

    def test_a_phone_request_is_opened_and_acknowledged_like_any_other(self):
        self.assertIn(f'href="{self.url}"', self.client.get(reverse("desk:queue")).content.decode())
        r = self.post()
        ticket = Ticket.objects.get(subject="電話：ホームページが表示されない")
        self.assertRedirects(
            r, reverse("desk:ticket", args=[ticket.id]), fetch_redirect_response=False
        )
        self.assertEqual(ticket.requester, self.customer)
        self.assertEqual(ticket.channel, Channel.PHONE)
        self.assertEqual(ticket.priority, "high")
        self.assertIsNotNone(ticket.next_checkpoint)
        first = ticket.messages.order_by("id").first()
        self.assertEqual(first.kind, MessageKind.INBOUND)
        self.assertIn("お電話で", first.body)
        acknowledgement = mail.outbox[-1]
        self.assertEqual(acknowledgement.to, [self.customer.email])
        self.assertIn(ticket.reference, acknowledgement.subject + acknowledgement.body)

    def test_bad_input_is_refused_with_a_reason_and_opens_nothing(self):
        cases = [
            ({"contact_email": "nobody@unknown.example"}, "No contact has this address"),
            ({"contact_email": "not an address"}, "valid email"),
            ({"subject": "   "}, "This field is required"),
            ({"subject": "a\nb"}, "single line"),
            ({"body": "x\x07"}, "U+0007"),
            ({"channel": "carrier-pigeon"}, "Select a valid choice"),
            ({"subject": "あ" * 251}, "250"),
        ]
        before = Ticket.objects.count()
        for overrides, reason in cases:
            r = self.post(**overrides)
            self.assertEqual(r.status_code, 400, reason)
            self.assertIn(reason, r.content.decode(), reason)
        self.assertEqual(Ticket.objects.count(), before)
