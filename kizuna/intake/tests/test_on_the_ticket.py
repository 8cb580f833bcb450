"""Each new request is read for P9's facts; the ticket page shows what it gives and what is
missing, and offers a first reply that asks only for the missing ones, in the customer's
language. Answers of the portal's form count."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from kizuna.intake import question
from kizuna.intake.models import IntakeFacts
from kizuna.portal.tests.base import PortalTestCase
from kizuna.test import BaseTestCase
from kizuna.tickets.models import Ticket


class IntakeOnTheTicketTests(BaseTestCase):
    def test_the_page_shows_given_and_missing_facts_and_asks_only_for_the_missing(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket()  # says since when, who is affected and what happens
        facts = IntakeFacts.objects.get(ticket=ticket)
        self.assertIn("since", facts.given)
        self.assertIn("environment", facts.missing)
        self.client.force_login(self.agent)
        page = self.client.get(reverse("desk:ticket", args=[ticket.id])).content.decode()
        self.assertIn('data-fact="since" data-given="yes"', page)
        self.assertIn('data-fact="environment" data-given="no"', page)

        r = self.client.post(reverse("desk:reply", args=[ticket.id]), {"use_letter": "intake"})
        body = html.unescape(
            re.search(
                r'<textarea name="body"[^>]*>(.*?)</textarea>', r.content.decode(), re.S
            ).group(1)
        )
        self.assertTrue(body.startswith("山田商事株式会社\n山田 太郎様"))
        for fact in facts.missing:
            self.assertIn(question(fact, "ja"), body)
        for fact in facts.given:
            self.assertNotIn(question(fact, "ja"), body)
        self.assertFalse(ticket.messages.filter(kind="outbound", automatic=False).exists())

    def test_an_english_request_gets_english_questions(self):
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket(
                requester=self.outsider, subject="VPN", body="The VPN is down.", language="en"
            )
        self.client.force_login(self.agent)
        r = self.client.post(reverse("desk:reply", args=[ticket.id]), {"use_letter": "intake"})
        self.assertIn(html.escape(question("since", "en")), r.content.decode())


class PortalFormAnswersTests(PortalTestCase):
    def test_the_forms_answered_questions_count_as_given(self):
        self.sign_in()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("portal:new"),
                {
                    "subject": "共有フォルダに入れない",
                    "what_happened": "共有フォルダを開くとエラーになります。",
                    "impact": "経理部の3名",
                    "urgency": "stopped",
                    "tried": "再起動しました",
                },
            )
        facts = IntakeFacts.objects.get(ticket=Ticket.objects.get(subject="共有フォルダに入れない"))
        self.assertEqual(facts.answered, ["impact", "urgency", "symptom", "tried"])
        for fact in facts.answered:
            self.assertNotIn(fact, facts.missing)
