"""An unanswered resolved request gets a reminder after N business days and is closed after
M (per team; defaults 3 and 7), each with its letter and an event, counted in the business
calendar: weekends and holidays do not count. Each happens once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import mail

from kizuna.closing import services as closing
from kizuna.closing.models import ClosingSchedule
from kizuna.closing.timers import closing_pending, closing_run
from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import EventKind, Status

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class AutoCloseTests(BaseTestCase):
    def resolve(self, ticket, at):
        closing.ticket_resolve(
            ticket=ticket,
            actor_user=self.agent,
            answers=REPORT,
            checkpoint=at + timedelta(days=2),
            now=at,
        )

    def test_reminder_and_close_skip_the_weekend_and_the_holiday(self):
        # Friday 20 November 2026, 15:00; Monday the 23rd is a national holiday.
        ticket = self.make_ticket(now=tokyo(2026, 11, 20, 9, 0))
        self.resolve(ticket, tokyo(2026, 11, 20, 15, 0))
        schedule = ClosingSchedule.objects.get(ticket=ticket)
        self.assertEqual(schedule.remind_at, tokyo(2026, 11, 26, 15, 0))  # Tue, Wed, Thu
        self.assertEqual(schedule.close_at, tokyo(2026, 12, 2, 15, 0))  # Fri, Mon, Tue, Wed
        mail.outbox.clear()

        self.assertFalse(closing_pending(now=tokyo(2026, 11, 26, 14, 59)))
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(
                closing_run(now=tokyo(2026, 11, 26, 15, 0)), {"reminders": 1, "closed": 0}
            )
        reminder = mail.outbox[-1].body
        self.assertIn("2026年12月2日(水) 15:00", reminder)  # when it will be closed
        self.assertIn("/portal/feedback/", reminder)
        self.assertEqual(ticket.events.filter(kind=EventKind.REMINDER).count(), 1)
        # Run again, or by a second worker: nothing more.
        self.assertEqual(closing_run(now=tokyo(2026, 11, 27, 9, 0)), {"reminders": 0, "closed": 0})

        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(
                closing_run(now=tokyo(2026, 12, 2, 15, 0)), {"reminders": 0, "closed": 1}
            )
        ticket.refresh_from_db()
        self.assertEqual((ticket.status, ticket.close_reason), (Status.CLOSED, "resolved"))
        closed = ticket.events.get(to_status=Status.CLOSED)
        self.assertTrue(closed.data["auto_close"])
        self.assertIn("お返事をいただいていないため", mail.outbox[-1].body)
        self.assertEqual(closing_run(now=tokyo(2026, 12, 3, 15, 0)), {"reminders": 0, "closed": 0})

    def test_a_customer_answer_stops_the_schedule(self):
        ticket = self.make_ticket(now=tokyo(2026, 12, 7, 9, 0))
        self.resolve(ticket, tokyo(2026, 12, 7, 10, 0))
        services.ticket_customer_reply(
            ticket=ticket,
            contact=self.customer,
            body="まだ直っていません",
            now=tokyo(2026, 12, 8, 10, 0),
        )
        self.assertFalse(ClosingSchedule.objects.filter(ticket=ticket).exists())
        self.assertEqual(closing_run(now=tokyo(2026, 12, 31, 10, 0)), {"reminders": 0, "closed": 0})
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, Status.INVESTIGATING)

    def test_each_team_sets_its_own_days_and_zero_turns_a_step_off(self):
        self.team.reminder_days, self.team.auto_close_days = 1, 2
        self.team.save()
        ticket = self.make_ticket(team=self.team, now=tokyo(2026, 12, 7, 9, 0))
        self.resolve(ticket, tokyo(2026, 12, 7, 10, 0))  # Monday
        schedule = ClosingSchedule.objects.get(ticket=ticket)
        self.assertEqual(
            (schedule.remind_at, schedule.close_at),
            (tokyo(2026, 12, 8, 10, 0), tokyo(2026, 12, 9, 10, 0)),
        )
        self.team.reminder_days, self.team.auto_close_days = 0, 0
        self.team.save()
        other = self.make_ticket(team=self.team, now=tokyo(2026, 12, 7, 9, 0))
        self.resolve(other, tokyo(2026, 12, 7, 10, 0))
        schedule = ClosingSchedule.objects.get(ticket=other)
        self.assertEqual((schedule.remind_at, schedule.close_at), (None, None))

    def test_year_end_closing_days_do_not_count(self):
        # Resolved on Monday 28 December 2026: the office is closed 29 December to 3 January.
        ticket = self.make_ticket(now=tokyo(2026, 12, 28, 9, 0))
        self.resolve(ticket, tokyo(2026, 12, 28, 11, 0))
        schedule = ClosingSchedule.objects.get(ticket=ticket)
        self.assertEqual(schedule.remind_at, tokyo(2027, 1, 6, 11, 0))  # Mon 4, Tue 5, Wed 6
