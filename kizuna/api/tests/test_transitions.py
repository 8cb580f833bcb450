from datetime import timedelta

from django.core import mail
from django.utils import timezone

from kizuna.api.tests.transitions_base import TransitionTestCase
from kizuna.test import REPORT, REPORT_JSON
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Ticket, TicketEvent


class TransitionTests(TransitionTestCase):
    def test_it_changes_the_status_with_a_note_and_checkpoint(self):
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(
                self.url,
                {
                    "to_status": "investigating",
                    "customer_note": "ログを確認しています。",
                    "checkpoint": "2099-01-05T15:00:00+09:00",
                    "checkpoint_reason": "ベンダーの回答待ちのため",
                },
            )
        self.assertEqual(r.status_code, 200, r.content)
        doc = r.json()
        self.assertEqual(doc["status"], "investigating")
        self.assertEqual(doc["customer_note"], "ログを確認しています。")
        self.assertEqual(doc["next_checkpoint"], "2099-01-05T15:00:00+09:00")
        self.assertIsNotNone(doc["first_response_at"])
        t = Ticket.objects.get(pk=self.ticket.pk)
        self.assertEqual(t.status, "investigating")
        event = TicketEvent.objects.filter(ticket=t, kind="status").get()
        self.assertEqual(
            (event.from_status, event.to_status, event.actor_user_id),
            ("new", "investigating", self.agent.id),
        )
        self.assertTrue(
            t.messages.filter(
                kind=MessageKind.OUTBOUND, body__startswith="ログを確認しています。"
            ).exists()
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertTrue(mail.outbox[0].body.startswith("ログを確認しています。"))

    def test_it_accepts_utc_with_z(self):
        r = self.post(
            self.url,
            {
                "to_status": "acknowledged",
                "customer_note": "OK",
                "checkpoint": "2099-01-05T06:00:00Z",
                "checkpoint_reason": "The customer asked us to check in January.",
            },
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["next_checkpoint"], "2099-01-05T15:00:00+09:00")

    def test_a_checkpoint_beyond_the_policys_wait_for_news_needs_a_reason_which_is_kept(self):
        far = "2099-01-05T15:00:00+09:00"
        change = {"to_status": "investigating", "customer_note": "調査中です。", "checkpoint": far}
        self.assert_refused(change, field="checkpoint_reason", says="longest wait for news")
        self.assertEqual(Ticket.objects.get(pk=self.ticket.pk).status, "new")
        r = self.post(self.url, {**change, "checkpoint_reason": "  データセンターの作業待ち  "})
        self.assertEqual(r.status_code, 200, r.content)
        event = TicketEvent.objects.get(ticket=self.ticket, kind="status")
        self.assertEqual(event.data["checkpoint_reason"], "データセンターの作業待ち")

    def test_waiting_for_the_customer_needs_no_reason_for_a_later_checkpoint(self):
        r = self.post(
            self.url,
            {
                "to_status": "waiting_customer",
                "customer_note": "ログをお送りいただけますでしょうか。",
                "checkpoint": "2099-01-05T15:00:00+09:00",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_rejects_an_unknown_status(self):
        self.assert_refused(
            {"to_status": "done", "customer_note": "x", "checkpoint": "2099-01-05T15:00:00+09:00"},
            field="status",
            says="Unknown status “done”",
        )

    def test_it_rejects_a_checkpoint_in_the_past(self):
        past = (timezone.now() - timedelta(hours=1)).isoformat()
        self.assert_refused(
            {"to_status": "investigating", "customer_note": "調査中", "checkpoint": past},
            field="checkpoint",
            says="must be in the future",
        )

    def test_it_rejects_a_missing_note(self):
        self.assert_refused(
            {
                "to_status": "investigating",
                "customer_note": "  ",
                "checkpoint": "2099-01-05T15:00:00+09:00",
            },
            field="customer_note",
            says="customer note",
        )

    def test_it_rejects_a_missing_checkpoint(self):
        self.assert_refused(
            {"to_status": "investigating", "customer_note": "調査中"},
            field="checkpoint",
            says="checkpoint",
        )

    def test_it_rejects_a_checkpoint_without_offset(self):
        self.assert_refused(
            {
                "to_status": "investigating",
                "customer_note": "調査中",
                "checkpoint": "2099-01-05T15:00:00",
            },
            field="checkpoint",
            says="time zone",
        )

    def test_it_rejects_a_checkpoint_that_is_not_a_date(self):
        self.assert_refused(
            {
                "to_status": "investigating",
                "customer_note": "調査中",
                "checkpoint": "tomorrow at three",
            },
            field="checkpoint",
            says="ISO 8601",
        )

    def test_it_rejects_a_missing_to_status(self):
        self.assert_refused({"customer_note": "x"}, status=422, field="to_status", says="required")

    def test_it_rejects_invalid_json(self):
        before = self.snapshot()
        r = self.post(self.url, raw='{"to_status": "resolved"')
        self.assertEqual(r.status_code, 400)
        self.assertIn("not valid JSON", r.json()["detail"])
        self.assertEqual(self.snapshot(), before)

    def test_it_refuses_a_transition_the_cycle_does_not_allow(self):
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status="resolved",
            resolution=REPORT,
            customer_note="原因と対処は以下の通りです。",
            checkpoint=self.later(),
        )
        self.assert_refused(
            {
                "to_status": "waiting_customer",
                "customer_note": "x",
                "checkpoint": "2099-01-05T15:00:00+09:00",
            },
            field="status",
            says="cannot go from",
        )

    def test_it_refuses_to_close_an_unresolved_ticket_without_a_reason(self):
        self.assert_refused({"to_status": "closed"}, field="close_reason", says="give a reason")

    def test_it_closes_with_a_reason(self):
        r = self.post(self.url, {"to_status": "closed", "close_reason": "duplicate"})
        self.assertEqual(r.status_code, 200)
        doc = r.json()
        self.assertEqual((doc["status"], doc["close_reason"]), ("closed", "duplicate"))
        self.assertIsNone(doc["next_checkpoint"])
        self.assertIsNotNone(doc["closed_at"])

    def test_it_resolves_then_closes(self):
        r = self.post(
            self.url,
            {
                "to_status": "resolved",
                "resolution": REPORT_JSON,
                "customer_note": "原因は設定の誤りでした。",
                "checkpoint": "2099-01-05T15:00:00+09:00",
            },
        )
        self.assertIsNotNone(r.json()["resolved_at"])
        r = self.post(self.url, {"to_status": "closed"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["close_reason"], "resolved")

    def test_a_closed_ticket_cannot_move(self):
        services.ticket_transition(
            ticket=self.ticket, actor_user=self.agent, to_status="closed", close_reason="spam"
        )
        self.assert_refused(
            {
                "to_status": "investigating",
                "customer_note": "x",
                "checkpoint": "2099-01-05T15:00:00+09:00",
            },
            field="status",
            says="closed",
        )

    def test_it_answers_404_for_a_missing_ticket(self):
        r = self.post(
            "/api/v1/tickets/KZ-999999/transitions", {"to_status": "closed", "close_reason": "spam"}
        )
        self.assertEqual(r.status_code, 404)
