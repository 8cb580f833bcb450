"""The ticket page shows each promised time: target, business time left, paused, met or
missed, with a promise's own words (P12, P13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.sla.selectors import ticket_clocks
from kizuna.sla.timers import timers_run
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Status

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class TicketClockTests(BaseTestCase):
    def test_time_left_is_counted_in_business_time(self):
        # Friday 17:00: four business hours to the first response, Monday 12:00.
        ticket = self.make_ticket(now=tokyo(2026, 12, 4, 17, 0))
        clocks = {
            c.kind: c for c in ticket_clocks(ticket_id=ticket.id, now=tokyo(2026, 12, 4, 17, 30))
        }
        first = clocks[DeadlineKind.FIRST_RESPONSE]
        self.assertEqual(first.state, "running")
        self.assertEqual(first.minutes_left, 210)  # 30 min on Friday, 3 h on Monday
        self.assertEqual(first.due_at, tokyo(2026, 12, 7, 12, 0))

    def test_paused_missed_and_met_clocks(self):
        ticket = self.make_ticket(now=tokyo(2026, 12, 7, 10, 0))
        timers_run(now=tokyo(2026, 12, 7, 14, 5))  # the first response is missed
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status=Status.WAITING_CUSTOMER,
            customer_note="ログをお送りいただけますでしょうか。",
            checkpoint=tokyo(2026, 12, 9, 12, 0),
            now=tokyo(2026, 12, 7, 15, 0),
            override_check=True,
        )
        clocks = {
            c.kind: c for c in ticket_clocks(ticket_id=ticket.id, now=tokyo(2026, 12, 7, 16, 0))
        }
        self.assertEqual(clocks[DeadlineKind.FIRST_RESPONSE].state, "missed")
        resolution = clocks[DeadlineKind.RESOLUTION]
        self.assertEqual(resolution.state, "paused")
        self.assertGreater(resolution.minutes_left, 0)
        self.assertEqual(clocks[DeadlineKind.CHECKPOINT].state, "running")

    def test_the_page_shows_the_clocks_and_a_promise_in_its_own_words(self):
        ticket = self.make_ticket()
        Deadline.objects.create(
            ticket=ticket,
            kind=DeadlineKind.PROMISE,
            due_at=timezone.now() + timezone.timedelta(hours=3),
            text="本日17時までにご報告します",
        )
        self.client.force_login(self.agent)
        html = self.client.get(reverse("desk:ticket", args=[ticket.id])).content.decode()
        clocks = html[html.index('id="clocks"') :]
        clocks = clocks[: clocks.index("</div>")]
        self.assertIn("First response", clocks)
        self.assertIn("Resolution", clocks)
        self.assertIn("“本日17時までにご報告します”", clocks)
        self.assertIn("left", clocks)
