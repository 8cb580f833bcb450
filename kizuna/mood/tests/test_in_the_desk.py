"""Every customer message gets its mood (mail, portal, API); an upset or panicking customer
raises the ticket in the queue until an agent writes to them, and the desk shows why."""

from __future__ import annotations

from django.urls import reverse

from kizuna.api.tests.base import make_token
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.tests.builders import make_mail
from kizuna.mood.models import MessageMood
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Ticket

UPSET = (
    "何度も連絡しているのに、いつになったら直るのでしょうか。大変困っております。"
    "このままでは契約を見直さざるを得ません。"
)
PANIC = "至急！！サーバーが落ちて全く使えません。業務が完全に止まっています！！"


class MoodInTheDeskTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        with self.captureOnCommitCallbacks(execute=True):
            self.calm = self.make_ticket(priority="urgent")  # falls due first
            self.other = self.make_ticket(
                subject="請求書の送付先", body="送付先の変更方法を教えてください。"
            )

    def queue_order(self) -> list[str]:
        page = self.client.get(reverse("desk:queue")).content.decode()
        refs = [t.reference for t in (self.calm, self.other)]
        return sorted(refs, key=page.index)

    def test_an_upset_reply_raises_the_ticket_until_an_agent_answers(self):
        self.assertEqual(self.queue_order(), [self.calm.reference, self.other.reference])
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_customer_reply(ticket=self.other, contact=self.customer, body=UPSET)
        self.other.refresh_from_db()
        self.assertEqual((self.other.customer_mood, self.other.attention), ("upset", 1))
        self.assertEqual(self.queue_order(), [self.other.reference, self.calm.reference])
        page = self.client.get(reverse("desk:queue")).content.decode()
        self.assertIn('data-mood="upset"', page)

        ticket_page = self.client.get(reverse("desk:ticket", args=[self.other.id]))
        self.assertContains(ticket_page, 'data-mood="upset"')
        self.assertContains(ticket_page, "契約を見直さ")  # the words that decided it
        self.assertContains(ticket_page, 'id="mood-suggestion"')
        self.assertContains(ticket_page, 'id="ticket-mood"')

        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_reply(
                ticket=self.other,
                actor_user=self.agent,
                body="ご不便をおかけしており申し訳ございません。本日15時までに状況をご報告いたします。",
            )
        self.other.refresh_from_db()
        self.assertEqual(self.other.attention, 0)
        self.assertEqual(self.queue_order(), [self.calm.reference, self.other.reference])

    def test_mail_and_the_api_get_a_mood_too_and_the_api_shows_its_cues(self):
        with self.captureOnCommitCallbacks(execute=True):
            result = ingest_raw(make_mail(subject="サーバー停止", body=PANIC), source="test")
        ticket = Ticket.objects.get(pk=int(result.ticket.removeprefix("KZ-")))
        self.assertEqual(ticket.customer_mood, "panicking")
        self.assertEqual(ticket.attention, 2)
        token = make_token(self.agent)
        doc = self.client.get(
            f"/api/v1/tickets/{ticket.reference}/messages", HTTP_AUTHORIZATION=f"Bearer {token}"
        ).json()
        request = doc[0]
        self.assertEqual(request["mood"]["mood"], "panicking")
        body = request["body"]
        for cue in request["mood"]["cues"]:
            if cue["text"]:
                self.assertEqual(body[cue["start"] : cue["end"]], cue["text"])
        self.assertIsNone(doc[1]["mood"])  # the acknowledgement
        detail = self.client.get(
            f"/api/v1/tickets/{ticket.reference}", HTTP_AUTHORIZATION=f"Bearer {token}"
        ).json()
        self.assertEqual(detail["customer_mood"], "panicking")

    def test_the_customer_card_shows_the_mood_of_the_last_messages(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_customer_reply(ticket=self.other, contact=self.customer, body=UPSET)
        page = self.client.get(reverse("desk:ticket", args=[self.calm.id])).content.decode()
        start = page.index('id="recent-moods"')
        self.assertIn('data-mood="upset"', page[start : start + 2000])
        self.assertEqual(MessageMood.objects.filter(ticket=self.other).count(), 2)

    def test_repeated_messages_within_an_hour_count(self):
        with self.captureOnCommitCallbacks(execute=True):
            for text in ("まだでしょうか。", "ご確認いただけましたか。", "返事をください。"):
                services.ticket_customer_reply(ticket=self.other, contact=self.customer, body=text)
        last = (
            MessageMood.objects.filter(ticket=self.other).order_by("-message__created_at").first()
        )
        self.assertIn("follow-ups", {c["kind"] for c in last.cues})
