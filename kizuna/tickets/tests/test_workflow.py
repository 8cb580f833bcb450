from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services, workflow
from kizuna.tickets.models import EventKind, MessageKind, Status, TicketEvent
from kizuna.tickets.workflow import TicketError, TransitionError


class OpenTicketTests(BaseTestCase):
    def test_it_acknowledges_at_once_with_the_reference_and_a_response_time(self):
        # Monday 10:00 in Tokyo: within the default calendar's business hours.
        monday = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.make_ticket(priority="urgent", now=monday)
        self.assertEqual(ticket.status, Status.NEW)
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND)
        self.assertTrue(ack.automatic)
        self.assertIn(ticket.reference, ack.body)
        # The customer is Japanese: the acknowledgement is in Japanese, in Tokyo time.
        self.assertIn("までに", ack.body)
        due = ticket.next_checkpoint - ticket.created_at
        self.assertEqual(due, timedelta(minutes=60))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["taro@yamada.example.jp"])
        self.assertIn(f"[{ticket.reference}]", mail.outbox[0].subject)
        self.assertEqual(mail.outbox[0].extra_headers["Auto-Submitted"], "auto-generated")

    def test_it_formats_the_reference_with_six_digits(self):
        ticket = self.make_ticket()
        self.assertRegex(ticket.reference, r"^KZ-\d{6}$")

    def test_it_rejects_an_empty_subject_and_creates_nothing(self):
        with self.assertRaises(TicketError) as cm:
            self.make_ticket(subject="   ")
        self.assertEqual(cm.exception.field, "subject")
        self.assertFalse(TicketEvent.objects.exists())

    def test_it_rejects_an_unknown_priority(self):
        with self.assertRaisesMessage(TicketError, "Unknown priority"):
            self.make_ticket(priority="whenever")


class TransitionTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()

    def move(self, to_status, note="調査を開始しました。", checkpoint=None, **kw):
        return services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status=to_status,
            customer_note=note,
            checkpoint=checkpoint if checkpoint is not None else self.later(),
            **({"resolution": REPORT} if to_status == Status.RESOLVED else {}),
            **kw,
        )

    def test_every_transition_records_who_what_and_the_customer_note(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.move(Status.INVESTIGATING, note="ログを確認しています。")
        event = self.ticket.events.get(kind=EventKind.STATUS)
        self.assertEqual((event.from_status, event.to_status), ("new", "investigating"))
        self.assertEqual(event.actor_user, self.agent)
        self.assertEqual(event.customer_note, "ログを確認しています。")
        self.assertEqual(self.ticket.customer_note, "ログを確認しています。")
        self.assertIsNotNone(self.ticket.first_response_at)
        self.assertTrue(mail.outbox[-1].body.startswith("ログを確認しています。"))
        self.assertIn("次回のご連絡", mail.outbox[-1].body)  # P1: the time of the next update

    def test_it_requires_a_customer_note(self):
        with self.assertRaises(TransitionError) as cm:
            self.move(Status.INVESTIGATING, note="  ")
        self.assertEqual(cm.exception.field, "customer_note")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)

    def test_it_requires_a_checkpoint_in_the_future(self):
        with self.assertRaisesMessage(TransitionError, "must be in the future"):
            self.move(Status.INVESTIGATING, checkpoint=timezone.now() - timedelta(minutes=1))
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)
        self.assertFalse(self.ticket.events.filter(kind=EventKind.STATUS).exists())

    def test_it_rejects_an_unknown_status(self):
        with self.assertRaisesMessage(TransitionError, "Unknown status"):
            self.move("on_hold")

    def test_it_rejects_a_transition_the_cycle_does_not_allow(self):
        self.move(Status.RESOLVED)
        with self.assertRaisesMessage(TransitionError, "cannot go from"):
            self.move(Status.WAITING_CUSTOMER)

    def test_closing_needs_resolution_or_a_recorded_reason(self):
        with self.assertRaises(TransitionError) as cm:
            self.move(Status.CLOSED, note="", checkpoint=None)
        self.assertEqual(cm.exception.field, "close_reason")
        self.move(Status.CLOSED, note="", close_reason="duplicate")
        self.assertEqual(self.ticket.status, Status.CLOSED)
        self.assertIsNone(self.ticket.next_checkpoint)
        self.assertEqual(self.ticket.close_reason, "duplicate")

    def test_a_resolved_ticket_closes_without_a_reason_and_closed_is_final(self):
        self.move(Status.RESOLVED)
        self.move(Status.CLOSED, note="", checkpoint=None)
        self.assertEqual(self.ticket.close_reason, "resolved")
        self.assertEqual(workflow.allowed_next(Status.CLOSED), [])

    def test_a_customer_reply_to_a_resolved_ticket_reopens_it_with_a_new_checkpoint(self):
        self.move(Status.RESOLVED)
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_customer_reply(
                ticket=self.ticket, contact=self.customer, body="まだ送信できません。"
            )
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.INVESTIGATING)
        self.assertIsNone(self.ticket.resolved_at)
        self.assertGreater(self.ticket.next_checkpoint, timezone.now())
        self.assertTrue(self.ticket.events.filter(kind=EventKind.REOPENED).exists())
        self.assertIn(self.ticket.reference, mail.outbox[-1].body)

    def test_a_customer_answer_resumes_a_ticket_waiting_for_them(self):
        self.move(Status.WAITING_CUSTOMER, note="エラー画面の写真をお送りいただけますか。")
        services.ticket_customer_reply(
            ticket=self.ticket, contact=self.customer, body="写真を添付します。"
        )
        self.assertEqual(self.ticket.status, Status.INVESTIGATING)

    def test_a_closed_ticket_takes_no_more_replies(self):
        self.move(Status.CLOSED, note="", checkpoint=None, close_reason="duplicate")
        with self.assertRaisesMessage(TicketError, "closed"):
            services.ticket_customer_reply(
                ticket=self.ticket, contact=self.customer, body="もう一度"
            )

    def test_the_audit_trail_cannot_be_rewritten(self):
        event = self.ticket.events.first()
        event.customer_note = "changed"
        with self.assertRaisesMessage(ValidationError, "append-only"):
            event.save()
        with self.assertRaisesMessage(ValidationError, "append-only"):
            event.delete()


class AttachmentTests(BaseTestCase):
    def test_an_oversized_attachment_is_refused_and_nothing_is_stored(self):
        ticket = self.make_ticket()
        big = services.IncomingFile("log.txt", "text/plain", b"x" * (10 * 1024 * 1024 + 1))
        with self.assertRaisesMessage(TicketError, "at most 10 MB"):
            services.ticket_reply(
                ticket=ticket, actor_user=self.agent, body="ログを添付します", files=[big]
            )
        self.assertEqual(ticket.messages.count(), 2)
