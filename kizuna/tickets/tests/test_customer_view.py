"""The customer's view is never stale (P1): every reply becomes "what we are doing now", the
first reply acknowledges a new request, and the next update is never left in the past."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from kizuna.api.tests.base import ApiTestCase
from kizuna.portal.templatetags.portal import up_to_a_sentence
from kizuna.portal.tests.base import PortalTestCase
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import EventKind, Status

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)
REPLY = "ログを確認しました。メールサーバーの証明書が期限切れでしたので、更新作業を進めています。"


class ReplyUpdatesTheViewTests(BaseTestCase):
    def reply(self, ticket, **kwargs):
        return services.ticket_reply(
            ticket=ticket, actor_user=self.agent, body=REPLY, override_check=True, **kwargs
        )

    def test_the_first_reply_to_a_new_request_acknowledges_it(self):
        ticket = self.make_ticket(now=MONDAY_10)
        self.reply(ticket, now=datetime(2026, 12, 7, 10, 20, tzinfo=TOKYO))
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.ACKNOWLEDGED)
        self.assertEqual(ticket.customer_note, REPLY)
        event = ticket.events.get(kind=EventKind.STATUS)
        self.assertEqual((event.from_status, event.to_status), (Status.NEW, Status.ACKNOWLEDGED))
        self.assertEqual(event.actor_user, self.agent)

    def test_an_agent_may_reply_without_acknowledging(self):
        ticket = self.make_ticket(now=MONDAY_10)
        self.reply(ticket, acknowledge=False, now=datetime(2026, 12, 7, 10, 20, tzinfo=TOKYO))
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.NEW)
        self.assertEqual(ticket.customer_note, REPLY)  # the view still follows the reply
        self.assertFalse(ticket.events.filter(kind=EventKind.STATUS).exists())

    def test_a_later_reply_changes_no_status(self):
        ticket = self.make_ticket(now=MONDAY_10)
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status=Status.INVESTIGATING,
            customer_note="調査を始めました。",
            checkpoint=datetime(2026, 12, 7, 15, 0, tzinfo=TOKYO),
            now=datetime(2026, 12, 7, 10, 10, tzinfo=TOKYO),
            override_check=True,
        )
        self.reply(ticket, now=datetime(2026, 12, 7, 11, 0, tzinfo=TOKYO))
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.INVESTIGATING)
        self.assertEqual(ticket.customer_note, REPLY)
        # The update promised for 15:00 still stands.
        self.assertEqual(ticket.next_checkpoint, datetime(2026, 12, 7, 15, 0, tzinfo=TOKYO))

    def test_a_reply_after_the_promised_time_sets_the_next_one_from_the_policy(self):
        ticket = self.make_ticket(priority="high", now=MONDAY_10)  # promised 14:00
        self.reply(ticket, now=datetime(2026, 12, 7, 16, 30, tzinfo=TOKYO))
        ticket.refresh_from_db()
        # Four business hours (high priority's update interval): 1.5 today, 2.5 tomorrow.
        self.assertEqual(ticket.next_checkpoint, datetime(2026, 12, 8, 11, 30, tzinfo=TOKYO))

    def test_a_checkpoint_given_with_the_reply_wins(self):
        ticket = self.make_ticket(now=MONDAY_10)
        promised = datetime(2026, 12, 9, 10, 0, tzinfo=TOKYO)
        self.reply(ticket, checkpoint=promised, now=datetime(2026, 12, 7, 10, 5, tzinfo=TOKYO))
        ticket.refresh_from_db()
        self.assertEqual(ticket.next_checkpoint, promised)


class DeskAndApiTests(ApiTestCase):
    def test_the_desk_offers_to_leave_a_new_ticket_new(self):
        self.client.force_login(self.agent)
        ticket = self.make_ticket()
        page = self.client.get(reverse("desk:ticket", args=[ticket.id]))
        self.assertContains(page, 'name="keep_new"')
        self.client.post(
            reverse("desk:reply", args=[ticket.id]),
            {"body": REPLY, "keep_new": "on", "override_check": "on"},
        )
        ticket.refresh_from_db()
        self.assertEqual((ticket.status, ticket.customer_note), (Status.NEW, REPLY))

    def test_the_api_acknowledges_unless_told_not_to(self):
        first, second = self.make_ticket(), self.make_ticket()
        for ticket, acknowledge, expected in (
            (first, True, "acknowledged"),
            (second, False, "new"),
        ):
            r = self.post(
                f"/api/v1/tickets/{ticket.reference}/replies",
                {"body": REPLY, "acknowledge": acknowledge, "override_check": True},
            )
            self.assertEqual(r.status_code, 201, r.content)
            ticket.refresh_from_db()
            self.assertEqual(ticket.status, expected)


class PortalCardTests(PortalTestCase):
    def test_a_long_note_is_cut_after_a_sentence_and_keeps_its_line_breaks(self):
        note = (
            "証明書を更新しました。\n送信できることを確認しています。"
            + "詳しい経過は以下の通りです。" * 30
        )
        ticket = self.make_ticket()
        services.ticket_reply(ticket=ticket, actor_user=self.agent, body=note, override_check=True)
        self.sign_in()
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, "証明書を更新しました。<br>送信できることを確認しています。")
        shown = up_to_a_sentence(note)
        self.assertTrue(shown.endswith("。 …"), shown)
        self.assertLessEqual(len(shown), 242)

    def test_short_notes_and_english_sentences(self):
        self.assertEqual(up_to_a_sentence("Short."), "Short.")
        text = "We replaced the disk. " + "The array is rebuilding and takes a while. " * 10
        self.assertTrue(up_to_a_sentence(text, 120).endswith("a while. …"))
        one_long = "word " * 100
        self.assertTrue(up_to_a_sentence(one_long, 50).endswith("word…"))

    def test_a_resolved_request_says_so_instead_of_a_next_update(self):
        ticket = self.make_ticket()
        self.resolve(ticket)
        self.sign_in()
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, "Resolved on")
        self.assertNotContains(r, "Next update by")
