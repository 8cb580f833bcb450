"""The composer's sample letters and resolution report: a letter fills the reply for this
customer, the agent says what the message is and the check follows, and resolving asks P2's
answers, writes them into the resolution letter, and shows it before it goes out."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kizuna.letters.models import Letter
from kizuna.letters.services import builtins_install
from kizuna.test import BaseTestCase
from kizuna.tickets.models import MessageKind, ResolutionReport, Status


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


class ComposerLetterTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        builtins_install()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()
        self.reply_url = reverse("desk:reply", args=[self.ticket.id])
        self.check_url = reverse("desk:check", args=[self.ticket.id])

    def sent(self):
        return self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False)

    def test_the_composer_offers_the_letters_in_the_customers_language(self):
        page = self.client.get(reverse("desk:ticket", args=[self.ticket.id])).content.decode()
        self.assertIn("残念なお知らせ", page)
        self.assertNotIn(">Bad news: Bad news<", page)  # English letters: not for this contact

    def test_using_a_letter_fills_the_reply_for_this_customer_and_sends_nothing(self):
        letter = Letter.objects.get(builtin="ja.bad_news")
        r = self.client.post(
            self.reply_url, {"letter": letter.id, "use_letter": "1", "body": "先に書いた下書き"}
        )
        self.assertEqual(r.status_code, 200)
        page = r.content.decode()
        body = textarea(page, "body")
        self.assertTrue(body.startswith("山田 太郎様"), body)
        self.assertIn(self.ticket.reference, body)
        self.assertIn("先に書いた下書き", body)  # the draft is kept below the letter
        self.assertRegex(page, r'<option value="bad-news" selected>')
        self.assertFalse(self.sent().exists())

    def test_a_letters_blank_must_be_filled_before_it_is_sent(self):
        r = self.client.post(
            self.reply_url, {"body": "経過です。[[次の作業]]", "purpose": "update"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("[[次の作業]]", html.unescape(r.content.decode()))
        self.assertFalse(self.sent().exists())

    def test_an_unknown_letter_is_refused_clearly(self):
        r = self.client.post(self.reply_url, {"letter": "99999999999999", "use_letter": "1"})
        self.assertIn("Select a valid choice", html.unescape(r.content.decode()))
        r = self.client.post(self.reply_url, {"letter": "", "use_letter": "1"})
        self.assertIn("Choose a letter", r.content.decode())
        self.assertFalse(self.sent().exists())

    def test_the_live_check_reads_the_message_as_what_the_agent_says_it_is(self):
        news = "バックアップからの復元はできませんでした。"
        plain = self.client.post(self.check_url, {"body": news, "purpose": "any"}).content
        bad_news = self.client.post(self.check_url, {"body": news, "purpose": "bad-news"}).content
        self.assertNotIn(b"ja.bad-news.no-empathy", plain)
        self.assertIn(b"ja.bad-news.no-empathy", bad_news)

    def test_a_reply_sent_as_bad_news_is_checked_as_bad_news(self):
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(
                self.reply_url,
                {
                    "body": "大変申し訳ございません。データは復元できませんでした。",
                    "purpose": "bad-news",
                },
            )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.sent().count(), 1)
        r = self.client.post(self.reply_url, {"body": "x", "purpose": "poem"})
        self.assertEqual(r.status_code, 400)


class ResolveInTheDeskTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        builtins_install()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()
        self.url = reverse("desk:status", args=[self.ticket.id])
        when = timezone.localtime(timezone.now() + timedelta(days=3))
        self.answers = {
            "to_status": "resolved",
            "checkpoint": f"{when:%Y-%m-%dT%H:%M}",
            "cause": "送信サーバーの証明書の有効期限が切れていました。",
            "done": "証明書を更新いたしました。残っている作業はございません。",
            "fully_resolved": "yes",
            "recurrence": "期限の30日前に通知が届くよう監視を追加いたしました。",
        }

    def test_missing_answers_are_named_and_nothing_changes(self):
        r = self.client.post(self.url, {**self.answers, "cause": "", "done": ""})
        page = html.unescape(r.content.decode())
        self.assertIn("what caused it", page)
        self.assertIn("what was done and what remains", page)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)

    def test_the_answers_become_the_letter_shown_before_it_is_sent(self):
        mail.outbox.clear()
        r = self.client.post(self.url, self.answers)
        self.assertEqual(r.status_code, 200)
        page = r.content.decode()
        self.assertIn('id="resolution-written"', page)
        note = textarea(page, "customer_note")
        for answer in ("証明書の有効期限", "証明書を更新", "完全に解決", "監視を追加"):
            self.assertIn(answer, note)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)
        self.assertEqual(mail.outbox, [])

        # The agent adds a line and sends: resolved, the report kept and shown.
        edited = note + "\n\n佐藤より一言添えます。"
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(self.url, {**self.answers, "customer_note": edited})
        self.assertEqual(r.status_code, 302, r.content.decode()[:2000])
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)
        report = ResolutionReport.objects.get(ticket=self.ticket)
        self.assertEqual(report.fully_resolved, "yes")
        self.assertIn("佐藤より一言添えます。", report.message.body)
        self.assertIn("証明書を更新", mail.outbox[-1].body)
        page = self.client.get(reverse("desk:ticket", args=[self.ticket.id])).content.decode()
        self.assertIn('id="resolution-report"', page)
        self.assertIn("期限の30日前に通知", page)
