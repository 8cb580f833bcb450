"""A ticket's deadlines follow every change: opened, answered, waiting, resumed, resolved,
reopened, closed (P1, P12)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.sla.models import Deadline, DeadlineKind, SlaPolicy
from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Status

TOKYO = ZoneInfo("Asia/Tokyo")
K = DeadlineKind


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class ClockTests(BaseTestCase):
    def deadlines(self, ticket, kind):
        return list(Deadline.objects.filter(ticket=ticket, kind=kind).order_by("id"))

    def move(self, ticket, to, at, checkpoint=None, note="状況をご報告します。"):
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status=to,
            customer_note=note if to != Status.CLOSED else "",
            checkpoint=checkpoint,
            close_reason="withdrawn" if to == Status.CLOSED else "",
            now=at,
            override_check=True,
            resolution=REPORT if to == Status.RESOLVED else None,
        )

    def test_an_opened_ticket_has_a_first_response_and_a_resolution_deadline(self):
        ticket = self.make_ticket(priority="high", now=tokyo(2026, 12, 7, 10, 0))
        [first] = self.deadlines(ticket, K.FIRST_RESPONSE)
        self.assertEqual(first.due_at, tokyo(2026, 12, 7, 14, 0))
        self.assertEqual(first.due_at, ticket.next_checkpoint)
        [resolution] = self.deadlines(ticket, K.RESOLUTION)
        # 1,440 business minutes (the default high policy) on a 09:00-18:00 calendar:
        # 8 h on Monday, 9 h on Tuesday, 7 h on Wednesday.
        self.assertEqual(resolution.due_at, tokyo(2026, 12, 9, 16, 0))
        self.assertEqual(
            resolution.policy, SlaPolicy.objects.get(contract_tier="", priority="high")
        )

    def test_an_agents_reply_meets_the_first_response_and_sets_the_next_checkpoint(self):
        ticket = self.make_ticket(now=tokyo(2026, 12, 7, 10, 0))
        promised = tokyo(2026, 12, 8, 12, 0)
        services.ticket_reply(
            ticket=ticket,
            actor_user=self.agent,
            body="確認いたします。",
            checkpoint=promised,
            now=tokyo(2026, 12, 7, 10, 30),
            override_check=True,
        )
        [first] = self.deadlines(ticket, K.FIRST_RESPONSE)
        self.assertEqual(first.met_at, tokyo(2026, 12, 7, 10, 30))
        [checkpoint] = self.deadlines(ticket, K.CHECKPOINT)
        self.assertEqual((checkpoint.due_at, checkpoint.met_at), (promised, None))
        # The next update meets that checkpoint and sets the next one.
        self.move(
            ticket, Status.INVESTIGATING, tokyo(2026, 12, 8, 11, 0), tokyo(2026, 12, 8, 17, 0)
        )
        first_cp, second_cp = self.deadlines(ticket, K.CHECKPOINT)
        self.assertEqual(first_cp.met_at, tokyo(2026, 12, 8, 11, 0))
        self.assertEqual((second_cp.due_at, second_cp.met_at), (tokyo(2026, 12, 8, 17, 0), None))

    def test_waiting_for_the_customer_pauses_the_resolution_clock_until_they_reply(self):
        ticket = self.make_ticket(priority="urgent", now=tokyo(2026, 12, 7, 10, 0))
        [resolution] = self.deadlines(ticket, K.RESOLUTION)
        self.assertEqual(resolution.due_at, tokyo(2026, 12, 7, 18, 0))  # eight business hours
        self.move(
            ticket, Status.WAITING_CUSTOMER, tokyo(2026, 12, 7, 12, 0), tokyo(2026, 12, 8, 12, 0)
        )
        resolution.refresh_from_db()
        self.assertEqual(resolution.paused_at, tokyo(2026, 12, 7, 12, 0))
        self.assertEqual(resolution.minutes_left, 360)
        # Not due while paused: the index of open clocks leaves it out.
        self.assertFalse(
            Deadline.objects.filter(ticket=ticket, paused_at=None, met_at=None, kind=K.RESOLUTION)
        )
        # The customer answers the next morning: six business hours from 09:30.
        services.ticket_customer_reply(
            ticket=ticket,
            contact=self.customer,
            body="ログを送ります。",
            now=tokyo(2026, 12, 8, 9, 30),
        )
        resolution.refresh_from_db()
        self.assertIsNone(resolution.paused_at)
        self.assertEqual(resolution.due_at, tokyo(2026, 12, 8, 15, 30))
        # Kizuna's resume note promised a time: that is now the checkpoint.
        ticket.refresh_from_db()
        open_cp = [d for d in self.deadlines(ticket, K.CHECKPOINT) if d.is_open]
        self.assertEqual([d.due_at for d in open_cp], [ticket.next_checkpoint])

    def test_a_third_party_pauses_only_where_the_policy_says_so(self):
        policy = SlaPolicy.objects.get(contract_tier="", priority="urgent")
        for pauses in (False, True):
            with self.subTest(pauses=pauses):
                policy.pause_for_third_party = pauses
                policy.save()
                ticket = self.make_ticket(priority="urgent", now=tokyo(2026, 12, 7, 10, 0))
                self.move(
                    ticket,
                    Status.WAITING_THIRD_PARTY,
                    tokyo(2026, 12, 7, 11, 0),
                    tokyo(2026, 12, 7, 16, 0),
                )
                [resolution] = self.deadlines(ticket, K.RESOLUTION)
                self.assertEqual(resolution.paused_at is not None, pauses)

    def test_resolved_meets_reopened_starts_again_closed_cancels(self):
        ticket = self.make_ticket(priority="urgent", now=tokyo(2026, 12, 7, 10, 0))
        self.move(
            ticket,
            Status.RESOLVED,
            tokyo(2026, 12, 7, 15, 0),
            tokyo(2026, 12, 9, 10, 0),
            note="証明書を更新し、送信できることを確認しました。原因は期限切れでした。再発防止のため監視を追加しました。ご確認いただけますか。",
        )
        [resolution] = self.deadlines(ticket, K.RESOLUTION)
        self.assertEqual(resolution.met_at, tokyo(2026, 12, 7, 15, 0))
        services.ticket_customer_reply(
            ticket=ticket,
            contact=self.customer,
            body="まだ届きません。",
            now=tokyo(2026, 12, 8, 10, 0),
        )
        first, again = self.deadlines(ticket, K.RESOLUTION)
        self.assertEqual(again.due_at, tokyo(2026, 12, 8, 18, 0))
        self.assertIsNone(again.met_at)
        self.move(ticket, Status.CLOSED, tokyo(2026, 12, 8, 11, 0))
        self.assertFalse([d for d in Deadline.objects.filter(ticket=ticket) if d.is_open])
        again.refresh_from_db()
        self.assertEqual(again.cancelled_at, tokyo(2026, 12, 8, 11, 0))

    def test_a_deleted_policy_leaves_the_due_times(self):
        ticket = self.make_ticket(priority="low", now=tokyo(2026, 12, 7, 10, 0))
        [resolution] = self.deadlines(ticket, K.RESOLUTION)
        SlaPolicy.objects.filter(contract_tier="", priority="low").delete()
        resolution.refresh_from_db()
        self.assertIsNone(resolution.policy)
        promised = tokyo(2027, 1, 5, 17, 0)  # 9,600 business minutes, the year-end skipped
        self.assertEqual(resolution.due_at, promised)

    def test_what_falls_due_soon_is_read_through_the_index_of_open_clocks(self):
        self.make_ticket(priority="urgent", now=tokyo(2026, 12, 7, 10, 0))
        with CaptureQueriesContext(connection) as ctx:
            soon = list(
                Deadline.objects.filter(
                    met_at=None,
                    cancelled_at=None,
                    paused_at=None,
                    due_at__lte=tokyo(2026, 12, 7, 11, 0) + timedelta(minutes=15),
                )
            )
        self.assertEqual([d.kind for d in soon], [K.FIRST_RESPONSE])
        plan = _explain(ctx.captured_queries[0]["sql"])
        self.assertIn("deadline_open_due", plan)


def _explain(sql: str) -> str:
    """The plan of `sql`; on PostgreSQL with sequential scans ruled out, since a table of a
    few rows is read whole anyway (the question is whether the index can serve the query)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        return " ".join(str(row) for row in cursor.fetchall())
