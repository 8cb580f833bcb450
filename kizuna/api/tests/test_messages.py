from datetime import timedelta

from django.core import mail
from django.utils import timezone

from kizuna.api.auth import forget_tokens
from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind


class MessagesTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ticket = self.make_ticket()
        self.base = f"/api/v1/tickets/{self.ticket.reference}"

    def test_it_lists_the_conversation_with_notes_flagged(self):
        services.ticket_note(
            ticket=self.ticket, actor_user=self.agent, body="DNS の設定を疑っている"
        )
        self.get(f"{self.base}/messages")  # the first use of a token records it
        forget_tokens()  # count the token lookup too: the cold path
        with self.assertNumQueries(5):  # token, ticket, messages, attachments, moods
            r = self.get(f"{self.base}/messages")
        self.assertEqual(r.status_code, 200)
        kinds = [(m["kind"], m["customer_visible"], m["author"]["type"]) for m in r.json()]
        self.assertEqual(
            kinds,
            [
                ("inbound", True, "contact"),
                ("outbound", True, "system"),
                ("note", False, "agent"),
            ],
        )
        self.assertEqual(r.json()[2]["author"]["name"], "佐藤")

    def test_it_replies_and_mails_the_customer(self):
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(
                f"{self.base}/replies",
                {"body": "ご不便をおかけしております。現在、原因を調査しています。"},
            )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["kind"], "outbound")
        self.assertEqual(r.json()["author"]["name"], "佐藤")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.customer.email])
        self.ticket.refresh_from_db()
        self.assertIsNotNone(self.ticket.first_response_at)

    def test_a_note_is_never_mailed(self):
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(f"{self.base}/notes", {"body": "お客様は総務部なので専門用語を避ける"})
        self.assertEqual(r.status_code, 201)
        self.assertEqual((r.json()["kind"], r.json()["customer_visible"]), ("note", False))
        self.assertEqual(mail.outbox, [])

    def test_it_rejects_an_empty_reply_or_note(self):
        count = self.ticket.messages.count()
        for kind in ("replies", "notes"):
            with self.subTest(kind=kind):
                r = self.post(f"{self.base}/{kind}", {"body": " "})
                self.assertEqual(r.status_code, 400)
                self.assertEqual(r.json()["field"], "body")
                r = self.post(f"{self.base}/{kind}", {})
                self.assertEqual(r.status_code, 422)
                self.assertEqual(r.json()["field"], "body")
        self.assertEqual(self.ticket.messages.count(), count)

    def test_it_refuses_a_reply_on_a_closed_ticket(self):
        services.ticket_transition(
            ticket=self.ticket, actor_user=self.agent, to_status="closed", close_reason="spam"
        )
        count = self.ticket.messages.count()
        r = self.post(f"{self.base}/replies", {"body": "hello"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("closed", r.json()["detail"])
        self.assertEqual(self.ticket.messages.filter(kind=MessageKind.OUTBOUND).count() + 1, count)

    def test_missing_ticket_is_404(self):
        for path in ("messages", "replies", "notes"):
            with self.subTest(path=path):
                if path == "messages":
                    r = self.get(f"/api/v1/tickets/KZ-999999/{path}")
                else:
                    r = self.post(f"/api/v1/tickets/KZ-999999/{path}", {"body": "x"})
                self.assertEqual(r.status_code, 404)


class ReplyCheckpointApiTests(ApiTestCase):
    def test_a_reply_with_a_checkpoint_moves_the_next_update(self):
        ticket = self.make_ticket()
        # Five hours ahead, or sooner when the policy's longest wait for news (in business
        # hours) ends earlier: a later time would rightly ask for a reason.
        now = timezone.now()
        when = min(now + timedelta(hours=5), services.update_due(ticket, now=now))
        when = when.replace(microsecond=0)
        r = self.post(
            f"/api/v1/tickets/{ticket.id}/replies",
            {"body": "We are reading the server's records.", "checkpoint": when.isoformat()},
        )
        self.assertEqual(r.status_code, 201, r.content)
        ticket.refresh_from_db()
        self.assertEqual(ticket.next_checkpoint, when)

    def test_a_reply_with_a_checkpoint_in_the_past_changes_nothing(self):
        ticket = self.make_ticket()
        before = ticket.next_checkpoint
        r = self.post(
            f"/api/v1/tickets/{ticket.id}/replies",
            {
                "body": "We are reading the server's records.",
                "checkpoint": "2020-01-01T10:00:00+09:00",
            },
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("future", r.json()["detail"])
        ticket.refresh_from_db()
        self.assertEqual(ticket.next_checkpoint, before)
        self.assertEqual(ticket.messages.count(), 2)
