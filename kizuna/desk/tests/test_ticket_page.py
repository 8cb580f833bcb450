from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Status


class TicketPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()
        self.url = reverse("desk:ticket", args=[self.ticket.id])

    def test_it_shows_the_conversation_with_notes_distinct_and_the_customer_card(self):
        services.ticket_note(
            ticket=self.ticket, actor_user=self.agent, body="DNSのTTLを確認すること"
        )
        html = self.client.get(self.url).content.decode()
        self.assertIn('data-kind="note"', html)
        self.assertIn("DNSのTTLを確認すること", html)
        self.assertIn('data-kind="inbound"', html)
        self.assertIn("総務部", html)  # role on the customer card
        self.assertIn("taro@yamada.example.jp", html)

    def test_an_unknown_ticket_is_404(self):
        self.assertEqual(self.client.get(reverse("desk:ticket", args=[99999])).status_code, 404)

    def test_a_status_change_by_htmx_returns_the_updated_ticket(self):
        checkpoint = timezone.localtime(
            timezone.now() + timedelta(hours=3), timezone=timezone.get_fixed_timezone(540)
        )
        r = self.client.post(
            reverse("desk:status", args=[self.ticket.id]),
            {
                "to_status": "investigating",
                "customer_note": "送信サーバーのログを確認しています。",
                "checkpoint": checkpoint.strftime("%Y-%m-%dT%H:%M"),
            },
            headers={"HX-Request": "true"},
        )
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertTrue(html.startswith('<div id="ticket-main">'))
        self.assertIn('data-status="investigating"', html)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.INVESTIGATING)
        # The picker is read in the agent's time zone (Tokyo).
        self.assertEqual(
            timezone.localtime(self.ticket.next_checkpoint, checkpoint.tzinfo).strftime("%H:%M"),
            checkpoint.strftime("%H:%M"),
        )

    def test_a_status_change_without_a_note_shows_the_error_and_changes_nothing(self):
        r = self.client.post(
            reverse("desk:status", args=[self.ticket.id]),
            {"to_status": "investigating", "customer_note": "", "checkpoint": "2099-01-01T10:00"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(r, "needs a customer note")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)

    def test_a_checkpoint_in_the_past_is_refused(self):
        r = self.client.post(
            reverse("desk:status", args=[self.ticket.id]),
            {
                "to_status": "investigating",
                "customer_note": "確認中です。",
                "checkpoint": "2020-01-01T10:00",
            },
        )
        self.assertContains(r, "must be in the future", status_code=400)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)

    def test_a_reply_is_sent_with_its_attachment(self):
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(
                reverse("desk:reply", args=[self.ticket.id]),
                {
                    "body": "設定手順を添付いたします。",
                    "attachments": [SimpleUploadedFile("手順.txt", b"step 1")],
                },
            )
        self.assertRedirects(r, self.url)
        reply = self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).get()
        self.assertEqual(reply.attachments.get().filename, "手順.txt")
        download = self.client.get(reverse("desk:attachment", args=[reply.attachments.get().id]))
        self.assertEqual(b"".join(download.streaming_content), b"step 1")
        self.assertIn("attachment", download["Content-Disposition"])

    def test_an_internal_note_is_not_mailed(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("desk:note", args=[self.ticket.id]), {"body": "顧客には未連絡"}
            )
        from django.core import mail

        self.assertFalse(any("顧客には未連絡" in m.body for m in mail.outbox))

    def test_assignment_and_priority_are_recorded(self):
        self.client.post(
            reverse("desk:assign", args=[self.ticket.id]),
            {"assignee": self.teammate.id, "team": self.team.id, "priority": "urgent"},
        )
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.assignee, self.teammate)
        self.assertEqual(self.ticket.priority, "urgent")
        event = self.ticket.events.get(kind="assigned")
        self.assertEqual(event.data["before"]["priority"], "high")
        self.assertEqual(event.data["after"]["priority"], "urgent")

    def test_an_unknown_priority_is_refused_and_nothing_changes(self):
        r = self.client.post(
            reverse("desk:assign", args=[self.ticket.id]), {"priority": "whenever"}
        )
        self.assertEqual(r.status_code, 400)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.priority, "high")
        self.assertFalse(self.ticket.events.filter(kind="assigned").exists())


class LoginTests(BaseTestCase):
    def test_repeated_wrong_passwords_lock_the_account_for_a_while(self):
        from kizuna.test import PASSWORD

        for _ in range(5):
            self.client.post(reverse("desk:login"), {"username": "sato", "password": "wrong"})
        r = self.client.post(reverse("desk:login"), {"username": "sato", "password": PASSWORD})
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "Too many failed sign-ins", status_code=429)

    def fail(self, username, address, forwarded=None):
        extra = {"REMOTE_ADDR": address}
        if forwarded:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return self.client.post(
            reverse("desk:login"), {"username": username, "password": "wrong"}, **extra
        )

    @override_settings(KIZUNA_LOGIN_FAILURES_PER_ADDRESS=6)
    def test_one_address_guessing_across_accounts_is_paused(self):
        from kizuna.test import PASSWORD

        for name in ("a", "b", "c", "d", "e", "f"):
            self.fail(name, "198.51.100.9")
        r = self.client.post(
            reverse("desk:login"),
            {"username": "sato", "password": PASSWORD},
            REMOTE_ADDR="198.51.100.9",
        )
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "Too many failed sign-ins", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # The agent signs in from elsewhere.
        r = self.client.post(
            reverse("desk:login"),
            {"username": "sato", "password": PASSWORD},
            REMOTE_ADDR="198.51.100.10",
        )
        self.assertEqual(r.status_code, 302)

    @override_settings(KIZUNA_LOGIN_FAILURES_PER_ACCOUNT=6)
    def test_many_addresses_guessing_one_account_are_paused(self):
        from kizuna.test import PASSWORD

        for i in range(6):
            self.fail("Sato ", f"203.0.113.{i}")  # case and spaces do not make another account
        r = self.client.post(
            reverse("desk:login"),
            {"username": "sato", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.99",
        )
        self.assertEqual(r.status_code, 429)
        # Other accounts are not affected.
        r = self.client.post(
            reverse("desk:login"),
            {"username": "alice", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.99",
        )
        self.assertEqual(r.status_code, 302)

    @override_settings(KIZUNA_TRUSTED_PROXIES=["10.0.0.2"])
    def test_behind_a_trusted_proxy_one_client_locked_out_does_not_lock_out_the_others(self):
        from kizuna.test import PASSWORD

        for _ in range(5):
            self.fail("sato", "10.0.0.2", forwarded="198.51.100.66")
        r = self.client.post(
            reverse("desk:login"),
            {"username": "sato", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
        self.assertEqual(r.status_code, 429)
        # The agent at the office, through the same proxy, signs in.
        r = self.client.post(
            reverse("desk:login"),
            {"username": "sato", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.20",
        )
        self.assertEqual(r.status_code, 302)

    def test_the_right_password_signs_in(self):
        from kizuna.test import PASSWORD

        r = self.client.post(reverse("desk:login"), {"username": "sato", "password": PASSWORD})
        self.assertRedirects(r, reverse("desk:queue"), fetch_redirect_response=False)


class ReplyWithCheckpointTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()

    def test_a_reply_can_promise_the_next_update_and_moves_the_checkpoint(self):
        when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=15, minute=0)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("desk:reply", args=[self.ticket.id]),
                {
                    "body": "メールサーバーの記録を確認しております。",
                    "checkpoint": when.strftime("%Y-%m-%dT%H:%M"),
                    "checkpoint_reason": "ログの取得に一晩かかるため",
                },
            )
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.next_checkpoint, when.replace(second=0, microsecond=0))
        reply = self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).get()
        self.assertIn("15:00", reply.body)
        self.assertIn("次回のご連絡", reply.body)
        event = self.ticket.events.get(kind="reply")
        self.assertEqual(event.checkpoint, self.ticket.next_checkpoint)

    def test_a_later_checkpoint_than_the_policy_allows_asks_for_a_reason(self):
        far = timezone.localtime(timezone.now() + timedelta(days=9)).replace(hour=15, minute=0)
        r = self.client.post(
            reverse("desk:reply", args=[self.ticket.id]),
            {"body": "確認しております。", "checkpoint": far.strftime("%Y-%m-%dT%H:%M")},
        )
        self.assertContains(r, "longest wait for news", status_code=400)
        self.assertFalse(
            self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
        )

    def test_a_past_checkpoint_on_a_reply_is_refused_and_nothing_is_sent(self):
        r = self.client.post(
            reverse("desk:reply", args=[self.ticket.id]),
            {"body": "確認しております。", "checkpoint": "2020-01-01T10:00"},
        )
        self.assertContains(r, "must be in the future", status_code=400)
        self.assertFalse(
            self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
        )
