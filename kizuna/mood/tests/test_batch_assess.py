"""A batch's messages are read in a few statements for all (`messages_assess`): every mood,
cue, follow-up count and ticket mood must be what reading them one by one gives."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kizuna.mood.models import MessageMood
from kizuna.mood.services import message_assess, messages_assess
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Message, MessageKind, Ticket


class BatchAssessTests(BaseTestCase):
    def customer_message(self, ticket: Ticket, body: str, minutes_ago: int) -> Message:
        message = services.ticket_customer_reply(ticket=ticket, contact=self.customer, body=body)
        Message.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        return message

    def read(self) -> tuple[dict, dict]:
        moods = {m.message_id: (m.mood, m.cues) for m in MessageMood.objects.all()}
        tickets = dict(
            (pk, (mood, attention))
            for pk, mood, attention in Ticket.objects.values_list(
                "pk", "customer_mood", "attention"
            )
        )
        return moods, tickets

    def test_reading_a_batch_gives_what_reading_one_by_one_gives(self):
        first = self.make_ticket(body="メールが送信できません。確認をお願いします。")
        Message.objects.filter(ticket=first, kind=MessageKind.INBOUND).update(
            created_at=timezone.now() - timedelta(minutes=50)
        )
        # Follow-ups within the hour, growing more urgent.
        self.customer_message(first, "まだでしょうか？急いでいます。", 30)
        self.customer_message(
            first, "業務が完全に止まっています！！至急対応してください！！今すぐです！", 5
        )
        second = self.make_ticket(subject="VPNに接続できない", body="VPN が切れます。")
        Message.objects.filter(ticket=second, kind=MessageKind.INBOUND).update(
            created_at=timezone.now() - timedelta(minutes=55)
        )
        # On the second ticket the newest message is calm; an older, angry one is read too.
        self.customer_message(second, "何度も連絡しているのに、いい加減にしてください！！", 40)
        self.customer_message(second, "解決しました。ありがとうございました。", 1)
        ids = list(
            Message.objects.filter(kind=MessageKind.INBOUND)
            .order_by("?")
            .values_list("pk", flat=True)
        )
        # One mood recorded before: it is rewritten, not doubled.
        message_assess(Message.objects.get(pk=ids[0]))
        Ticket.objects.update(customer_mood="", attention=0)

        self.assertEqual(messages_assess(ids), 6)
        batched = self.read()

        MessageMood.objects.all().delete()
        Ticket.objects.update(customer_mood="", attention=0)
        for message in Message.objects.filter(pk__in=ids).order_by("created_at", "pk"):
            message_assess(message)
        self.assertEqual(batched, self.read())
        moods, tickets = batched
        self.assertEqual(len(moods), 6)
        self.assertNotEqual(tickets[first.pk][0], "calm")  # the newest, urgent one counts
        newest = max(ids)
        self.assertEqual(tickets[second.pk][0], moods[newest][0])
        # An older message read again (arriving late) does not change its ticket's mood.
        angry = Message.objects.get(body__startswith="何度も連絡")
        self.assertNotEqual(moods[angry.pk][0], moods[newest][0])
        messages_assess([angry.pk])
        self.assertEqual(self.read()[1][second.pk], tickets[second.pk])

    def test_messages_gone_or_not_the_customers_are_left_out(self):
        ticket = self.make_ticket()
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        request = ticket.messages.get(kind=MessageKind.INBOUND)
        self.assertEqual(messages_assess([ack.pk, request.pk, 10**12]), 1)
        self.assertEqual(
            list(MessageMood.objects.values_list("message_id", flat=True)), [request.pk]
        )
