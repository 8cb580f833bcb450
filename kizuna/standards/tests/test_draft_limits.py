"""Drafts too long to be a message are refused with a clear error, everywhere an agent can
send or check one; and the checker never runs while the ticket is locked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from kizuna.api.tests.base import ApiTestCase
from kizuna.standards import services as standard
from kizuna.test import REPORT, REPORT_JSON, BaseTestCase, Personas
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Status

LIMIT = 2_000
TOO_LONG = "We restarted the mail server and mail flows again. " * 60  # ~3,000 characters


@override_settings(KIZUNA_MAX_DRAFT_CHARS=LIMIT)
class ApiDraftLimitTests(ApiTestCase):
    def test_a_reply_over_the_limit_is_refused_naming_the_field_and_nothing_is_sent(self):
        ticket = self.make_ticket()
        r = self.post(f"/api/v1/tickets/{ticket.id}/replies", {"body": TOO_LONG})
        self.assertEqual(r.status_code, 400, r.content)
        self.assertEqual(r.json()["field"], "body")
        self.assertIn("2,000", r.json()["detail"])
        self.assertFalse(ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False))

    def test_a_status_note_over_the_limit_is_refused_and_the_status_stays(self):
        ticket = self.make_ticket()
        r = self.post(
            f"/api/v1/tickets/{ticket.id}/transitions",
            {
                "to_status": "resolved",
                "resolution": REPORT_JSON,
                "customer_note": TOO_LONG,
                "checkpoint": self.later(days=2).isoformat(),
            },
        )
        self.assertEqual(r.status_code, 400, r.content)
        self.assertEqual(r.json()["field"], "customer_note")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.NEW)

    def test_the_checker_endpoint_refuses_text_over_the_limit(self):
        r = self.post("/api/v1/replycheck", {"text": TOO_LONG})
        self.assertEqual(r.status_code, 400, r.content)
        self.assertEqual(r.json()["field"], "text")

    def test_text_at_the_limit_is_checked(self):
        r = self.post("/api/v1/replycheck", {"text": TOO_LONG[:LIMIT]})
        self.assertEqual(r.status_code, 200, r.content)


class DefaultDraftLimitTests(ApiTestCase):
    def test_a_hundred_thousand_characters_get_a_clear_4xx_not_a_crash(self):
        r = self.post("/api/v1/replycheck", {"text": "QUJD" * 25_000})
        self.assertEqual(r.status_code, 400, r.content)
        self.assertIn("50,000", r.json()["detail"])


@override_settings(KIZUNA_MAX_DRAFT_CHARS=LIMIT)
class DeskDraftLimitTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()

    def test_the_reply_form_says_the_draft_is_too_long_and_sends_nothing(self):
        r = self.client.post(reverse("desk:reply", args=[self.ticket.id]), {"body": TOO_LONG})
        self.assertContains(r, "attachments", status_code=400)
        self.assertFalse(self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False))

    def test_the_live_check_says_the_draft_is_too_long(self):
        r = self.client.post(reverse("desk:check", args=[self.ticket.id]), {"body": TOO_LONG})
        self.assertContains(r, "2,000")
        self.assertNotContains(r, "finding-list")


class CheckOutsideTransactionTests(Personas, TransactionTestCase):
    """On SQLite a transaction holds the database's write lock: while a long draft is checked,
    no other request could write. The check must come before the ticket is locked."""

    def setUp(self):
        super().setUp()
        self.make_personas()
        self.ticket = self.make_ticket()
        self.seen = []
        original = standard.draft_check

        def watching(**kwargs):
            self.seen.append(connection.in_atomic_block)
            return original(**kwargs)

        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(standard, "draft_check", watching)

    def tearDown(self):
        self.patch.undo()
        super().tearDown()

    def test_a_reply_is_checked_before_any_transaction_opens(self):
        services.ticket_reply(ticket=self.ticket, actor_user=self.agent, body="Mail flows again.")
        self.assertEqual(self.seen, [False])
        self.assertTrue(self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False))

    def test_a_status_note_is_checked_before_any_transaction_opens(self):
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status=Status.RESOLVED,
            resolution=REPORT,
            customer_note="We replaced the certificate; mail is signed again since 10:00.",
            checkpoint=self.later(days=2),
        )
        self.assertEqual(self.seen, [False])
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.RESOLVED)
