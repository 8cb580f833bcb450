"""The desk's queue puts first the ticket where something falls due first: the next update or
a service-level deadline before it; marks what is due within the hour and what is overdue."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Status


class NextDueTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)

    def table(self, params=None) -> str:
        html = self.client.get(reverse("desk:queue"), params or {}).content.decode()
        return html[html.index("<table>") : html.index("</table>")] if "<table>" in html else ""

    def test_a_deadline_before_the_next_update_brings_the_ticket_up(self):
        now = timezone.now()
        calm = self.make_ticket(subject="Calm", priority="urgent")
        pressing = self.make_ticket(subject="Pressing", priority="low")
        # The low ticket's next update is days away, but its resolution falls due in 20 minutes.
        Deadline.objects.filter(ticket=pressing, kind=DeadlineKind.RESOLUTION).update(
            due_at=now + timedelta(minutes=20)
        )
        services.ticket_transition(
            ticket=pressing,
            actor_user=self.agent,
            to_status=Status.INVESTIGATING,
            customer_note="本日中に対応します。",
            checkpoint=now + timedelta(days=2),
            override_check=True,
        )
        pressing.refresh_from_db()
        self.assertEqual(pressing.next_due, now + timedelta(minutes=20))
        rows = self.table()
        self.assertLess(rows.index(pressing.reference), rows.index(calm.reference))
        self.assertIn('class="badge due-soon"', rows)

    def test_the_next_hour_filter_keeps_what_is_due_or_overdue(self):
        soon = self.make_ticket(subject="Soon", priority="urgent")
        later = self.make_ticket(subject="Later", priority="low")
        type(soon).objects.filter(pk=soon.pk).update(
            next_due=timezone.now() + timedelta(minutes=30)
        )
        type(later).objects.filter(pk=later.pk).update(next_due=timezone.now() + timedelta(days=3))
        rows = self.table({"due": "1h"})
        self.assertIn(soon.reference, rows)
        self.assertNotIn(later.reference, rows)
        # An unknown value is no filter at all.
        self.assertIn(later.reference, self.table({"due": "soonish"}))

    def test_waiting_for_the_customer_takes_the_paused_clock_out_and_closing_clears_it(self):
        ticket = self.make_ticket(priority="urgent")
        checkpoint = timezone.now() + timedelta(days=3)
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status=Status.WAITING_CUSTOMER,
            customer_note="ログを送っていただけますか。",
            checkpoint=checkpoint,
            override_check=True,
        )
        ticket.refresh_from_db()
        self.assertEqual(ticket.next_due, checkpoint)  # the paused resolution does not count
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status=Status.CLOSED,
            close_reason="withdrawn",
        )
        ticket.refresh_from_db()
        self.assertIsNone(ticket.next_due)
