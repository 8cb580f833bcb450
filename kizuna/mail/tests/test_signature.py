"""Mail an agent writes carries their own signature in the customer's language, then the
request's status and its address in the portal (a sign-in link flow: no credential in it)."""

from __future__ import annotations

import re
from html import unescape

from django.core import mail
from django.test import override_settings

from kizuna.mail.tests.test_outbound import parsed
from kizuna.test import BaseTestCase
from kizuna.tickets import services

SIGNATURE_JA = "━━━━━━━━\n株式会社キズナ ホスティング窓口\n佐藤 健（さとう けん）"
SIGNATURE_EN = "Ken Sato\nKizuna Hosting Support"


@override_settings(SITE_URL="https://help.example.jp")
class SignatureTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        profile = self.agent.agent_profile
        profile.signature_ja, profile.signature_en = SIGNATURE_JA, SIGNATURE_EN
        profile.save()

    def send(self, ticket, body):
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_reply(ticket=ticket, actor_user=self.agent, body=body)
        return parsed(mail.outbox[-1]).get_content()

    def test_a_japanese_customer_gets_the_japanese_signature_and_the_portal_address(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket()
        acknowledgement = parsed(mail.outbox[-1]).get_content()
        self.assertNotIn("佐藤 健", acknowledgement)  # automatic mail: no one signed it
        text = self.send(ticket, "ログを確認しております。本日17時までにご連絡いたします。")
        body_end = text.index("本日17時までにご連絡いたします。")
        self.assertLess(body_end, text.index(SIGNATURE_JA))
        self.assertLess(text.index(SIGNATURE_JA), text.index("----"))
        self.assertNotIn(SIGNATURE_EN, text)
        self.assertIn(f"https://help.example.jp/portal/tickets/{ticket.id}/", text)

    def test_an_english_customer_gets_the_english_signature(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket(requester=self.outsider, subject="Mail", body="Mail is down.")
        text = self.send(ticket, "We are checking the logs and will write again by 17:00 today.")
        self.assertIn(SIGNATURE_EN, text)
        self.assertNotIn("佐藤 健", text)
        self.assertIn(f"Online: https://help.example.jp/portal/tickets/{ticket.id}/", text)

    def test_an_agent_without_a_signature_sends_none(self):
        profile = self.agent.agent_profile
        profile.signature_ja = ""
        profile.save()
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket()
        text = self.send(ticket, "ログを確認しております。本日17時までにご連絡いたします。")
        self.assertIn("本日17時までにご連絡いたします。\n\n----", text)


@override_settings(SITE_URL="https://help.example.jp", KIZUNA_MAIL_HTML=True)
class HtmlAlternativeTests(BaseTestCase):
    """With KIZUNA_MAIL_HTML, a UTF-8 mail also has an HTML version saying the same."""

    def send(self, ticket, body):
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_reply(ticket=ticket, actor_user=self.agent, body=body)
        return parsed(mail.outbox[-1])

    def test_the_html_version_renders_the_same_text(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket(requester=self.outsider, subject="Mail", body="Mail is down.")
        msg = self.send(
            ticket,
            "We changed the <mail> filter & restarted it.\n\nDetails: https://status.example.com/a?b=1&c=2\nWe will write again by 17:00 today.",
        )
        plain = msg.get_body(preferencelist=("plain",)).get_content()
        html_part = msg.get_body(preferencelist=("html",))
        self.assertEqual(html_part.get_content_charset(), "utf-8")
        page = html_part.get_content()
        self.assertIn("&lt;mail&gt; filter &amp; restarted", page)
        self.assertNotIn("<mail>", page)
        self.assertIn(
            '<a href="https://status.example.com/a?b=1&amp;c=2">https://status.example.com/a?b=1&amp;c=2</a>',
            page,
        )
        self.assertIn(f'<a href="https://help.example.jp/portal/tickets/{ticket.id}/">', page)
        # Same words: the HTML without its tags is the plain text.
        words = re.sub(r"<[^>]+>", " ", page.split("<body", 1)[1].split(">", 1)[1])
        self.assertEqual(" ".join(unescape(words).split()), " ".join(plain.split()))

    def test_iso_2022_jp_mail_stays_plain_text(self):
        self.customer.mail_charset = "iso-2022-jp"
        self.customer.save()
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket()
        msg = self.send(ticket, "ログを確認しております。本日17時までにご連絡いたします。")
        self.assertIsNone(msg.get_body(preferencelist=("html",)))
        self.assertEqual(msg.get_content_type(), "text/plain")
