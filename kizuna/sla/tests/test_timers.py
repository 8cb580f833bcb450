"""Warnings before promised times, breaches when they pass, escalation to the team's lead and
the holding update (P12): each recorded and notified once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core import mail

from kizuna.notifications.models import Notification
from kizuna.sla.models import Deadline, DeadlineKind, SlaPolicy
from kizuna.sla.timers import timers_run
from kizuna.test import PASSWORD, BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import EventKind, Message, Status, TicketEvent

TOKYO = ZoneInfo("Asia/Tokyo")
K = DeadlineKind


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class TimerTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.lead = get_user_model().objects.create_user(
            "kimura", "kimura@kizuna.example", PASSWORD, first_name="木村"
        )
        self.team.lead = self.lead
        self.team.save()
        # Monday 10:00; the default high-priority policy promises an answer by 14:00.
        self.ticket = self.make_ticket(team=self.team, now=tokyo(2026, 12, 7, 10, 0))
        mail.outbox.clear()

    def first_response(self):
        return Deadline.objects.get(ticket=self.ticket, kind=K.FIRST_RESPONSE)

    def test_the_warning_comes_at_the_policys_share_of_business_time(self):
        first = self.first_response()
        self.assertEqual(first.due_at, tokyo(2026, 12, 7, 14, 0))
        self.assertEqual(first.warn_at, tokyo(2026, 12, 7, 13, 0))  # 75 % of four hours
        # Friday 17:00, four business hours: due Monday 12:00, warned Monday 11:00 (not over
        # the weekend at the wall clock's three quarters).
        friday = self.make_ticket(now=tokyo(2026, 12, 4, 17, 0))
        first = Deadline.objects.get(ticket=friday, kind=K.FIRST_RESPONSE)
        self.assertEqual(first.due_at, tokyo(2026, 12, 7, 12, 0))
        self.assertEqual(first.warn_at, tokyo(2026, 12, 7, 11, 0))

    def test_a_warning_reaches_the_team_once_in_each_readers_language(self):
        self.assertEqual(timers_run(now=tokyo(2026, 12, 7, 12, 59))["warnings"], 0)
        self.assertEqual(timers_run(now=tokyo(2026, 12, 7, 13, 5))["warnings"], 1)
        self.assertEqual(timers_run(now=tokyo(2026, 12, 7, 13, 10))["warnings"], 0)
        notes = {n.recipient.username: n for n in Notification.objects.all()}
        self.assertEqual(set(notes), {"sato", "alice"})
        self.assertIn("KZ-", notes["sato"].text)
        self.assertIn("初回応答", notes["sato"].text)
        self.assertIn("first response", notes["alice"].text)
        # Alice reads in London time: 14:00 in Tokyo is 05:00 GMT.
        self.assertIn("05:00", notes["alice"].text)
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            sorted(["sato@kizuna.example", "alice@kizuna.example"]),
        )
        self.assertTrue(all(n.mailed_at for n in notes.values()))
        self.assertIn(f"/desk/tickets/{self.ticket.pk}/", mail.outbox[0].body)

    def test_a_missed_first_response_is_recorded_and_escalated_to_the_lead_once(self):
        counts = timers_run(now=tokyo(2026, 12, 7, 14, 1))
        self.assertEqual(counts, {"breaches": 1, "warnings": 0})  # past due: no late warning
        self.assertEqual(timers_run(now=tokyo(2026, 12, 7, 14, 30))["breaches"], 0)
        [event] = TicketEvent.objects.filter(ticket=self.ticket, kind=EventKind.BREACH)
        self.assertEqual(event.data["kind"], "first_response")
        self.assertEqual(event.data["escalated_to"], [self.lead.pk])
        self.assertEqual(self.first_response().breached_at, tokyo(2026, 12, 7, 14, 1))
        kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
        self.assertEqual(kinds, [("alice", "breach"), ("kimura", "escalation"), ("sato", "breach")])
        # Still owed: the ticket stays at the top of the queue until someone answers.
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.next_due, tokyo(2026, 12, 7, 14, 0))
        services.ticket_reply(
            ticket=self.ticket,
            actor_user=self.agent,
            body="お待たせして申し訳ございません。現在調査しております。",
            checkpoint=tokyo(2026, 12, 7, 17, 0),
            now=tokyo(2026, 12, 7, 14, 40),
            override_check=True,
        )
        first = self.first_response()
        self.assertEqual(first.met_at, tokyo(2026, 12, 7, 14, 40))
        self.assertIsNotNone(first.breached_at)  # answered late stays missed

    def test_without_a_lead_the_managers_hear_of_the_breach(self):
        self.team.lead = None
        self.team.save()
        manager = get_user_model().objects.create_user("boss", "boss@kizuna.example", is_staff=True)
        timers_run(now=tokyo(2026, 12, 7, 14, 1))
        escalations = Notification.objects.filter(kind="escalation")
        self.assertEqual([n.recipient for n in escalations], [manager])

    def test_an_answered_request_is_neither_warned_nor_breached(self):
        services.ticket_reply(
            ticket=self.ticket,
            actor_user=self.agent,
            body="確認いたします。",
            checkpoint=tokyo(2026, 12, 8, 12, 0),
            now=tokyo(2026, 12, 7, 11, 0),
            override_check=True,
        )
        counts = timers_run(now=tokyo(2026, 12, 7, 15, 0))
        self.assertEqual(counts, {"breaches": 0, "warnings": 0})
        self.assertFalse(Notification.objects.exists())

    def test_a_paused_resolution_clock_does_not_fall_due(self):
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status=Status.WAITING_CUSTOMER,
            customer_note="ログを送っていただけますでしょうか。",
            checkpoint=tokyo(2026, 12, 21, 12, 0),
            now=tokyo(2026, 12, 7, 11, 0),
            override_check=True,
        )
        timers_run(now=tokyo(2026, 12, 18, 12, 0))  # long after the resolution target
        resolution = Deadline.objects.get(ticket=self.ticket, kind=K.RESOLUTION)
        self.assertIsNone(resolution.breached_at)
        self.assertFalse(TicketEvent.objects.filter(kind=EventKind.BREACH).exists())

    def test_a_missed_checkpoint_sends_a_holding_update_when_the_policy_asks(self):
        SlaPolicy.objects.filter(contract_tier="", priority="high").update(holding_update=True)
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status=Status.INVESTIGATING,
            customer_note="ログを確認しています。",
            checkpoint=tokyo(2026, 12, 7, 16, 0),
            now=tokyo(2026, 12, 7, 11, 0),
            override_check=True,
        )
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            timers_run(now=tokyo(2026, 12, 7, 16, 1))
        checkpoints = list(
            Deadline.objects.filter(ticket=self.ticket, kind=K.CHECKPOINT).order_by("id")
        )
        missed, new = checkpoints
        self.assertIsNotNone(missed.breached_at)  # the holding update does not excuse it
        self.assertIsNone(new.met_at)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.next_checkpoint, new.due_at)
        self.assertGreater(new.due_at, tokyo(2026, 12, 7, 16, 1))
        holding = Message.objects.filter(ticket=self.ticket).latest("id")
        self.assertTrue(holding.automatic)
        self.assertIn(self.ticket.reference, holding.body)
        self.assertIn("次回は", holding.body)
        self.assertEqual(self.ticket.customer_note, holding.body)
        self.assertIn("taro@yamada.example.jp", [m.to[0] for m in mail.outbox])

    def test_without_the_switch_no_holding_update_is_sent(self):
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status=Status.INVESTIGATING,
            customer_note="ログを確認しています。",
            checkpoint=tokyo(2026, 12, 7, 16, 0),
            now=tokyo(2026, 12, 7, 11, 0),
            override_check=True,
        )
        before = Message.objects.filter(ticket=self.ticket).count()
        timers_run(now=tokyo(2026, 12, 7, 16, 1))
        self.assertEqual(Message.objects.filter(ticket=self.ticket).count(), before)

    def test_a_promise_is_kept_by_a_later_update_before_its_time(self):
        promise = Deadline.objects.create(
            ticket=self.ticket,
            kind=K.PROMISE,
            started_at=tokyo(2026, 12, 7, 10, 30),
            due_at=tokyo(2026, 12, 7, 15, 0),
            text="本日15時までにご連絡します",
        )
        services.ticket_reply(
            ticket=self.ticket,
            actor_user=self.agent,
            body="原因が分かりました。",
            checkpoint=tokyo(2026, 12, 8, 12, 0),
            now=tokyo(2026, 12, 7, 14, 0),
            override_check=True,
        )
        promise.refresh_from_db()
        self.assertEqual(promise.met_at, tokyo(2026, 12, 7, 14, 0))

    def test_a_promise_not_kept_is_recorded_as_broken(self):
        promise = Deadline.objects.create(
            ticket=self.ticket,
            kind=K.PROMISE,
            started_at=tokyo(2026, 12, 7, 10, 30),
            due_at=tokyo(2026, 12, 7, 11, 0),
            text="11時までにご連絡します",
        )
        timers_run(now=tokyo(2026, 12, 7, 11, 1))
        promise.refresh_from_db()
        self.assertEqual(promise.breached_at, tokyo(2026, 12, 7, 11, 1))
        [event] = TicketEvent.objects.filter(ticket=self.ticket, kind=EventKind.BREACH)
        self.assertEqual(event.data["text"], "11時までにご連絡します")
        texts = Notification.objects.filter(recipient=self.agent).values_list("text", flat=True)
        self.assertTrue(any("11時までにご連絡します" in t for t in texts))
