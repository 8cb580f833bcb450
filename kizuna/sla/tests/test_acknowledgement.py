"""The acknowledgement promises a time from the matching SLA policy, in its calendar's
business time, shown in the contact's language and time zone (P1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import override_settings

from kizuna.sla.models import BusinessCalendar, SlaPolicy
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Contact, MessageKind, Status

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class AcknowledgementTests(BaseTestCase):
    def ack(self, ticket) -> str:
        return ticket.messages.get(kind=MessageKind.OUTBOUND).body

    def test_friday_evening_before_a_monday_holiday_is_promised_for_tuesday_morning(self):
        # 2027-03-22 is a substitute holiday; urgent: one business hour.
        ticket = self.make_ticket(priority="urgent", now=tokyo(2027, 3, 19, 19, 0))
        self.assertEqual(ticket.next_checkpoint, tokyo(2027, 3, 23, 10, 0))
        self.assertIn("2027年3月23日(火) 10:00", self.ack(ticket))

    def test_an_english_contact_abroad_reads_it_in_english_in_their_own_time(self):
        london = Contact.objects.create(
            organization=self.org,
            name="Emma Hill",
            email="emma@yamada.example.jp",
            language="en",
            timezone="Europe/London",
        )
        ticket = self.make_ticket(
            requester=london, priority="urgent", now=tokyo(2027, 3, 19, 19, 0)
        )
        self.assertIn("Tue 23 Mar 2027, 01:00 GMT", self.ack(ticket))

    def test_a_saturday_evening_request_is_not_promised_for_sunday_night(self):
        ticket = self.make_ticket(priority="normal", now=tokyo(2026, 12, 5, 16, 54))
        # One business day (eight hours) from Monday 09:00.
        self.assertEqual(ticket.next_checkpoint, tokyo(2026, 12, 7, 17, 0))

    def test_a_contract_with_a_round_the_clock_policy_gets_its_hour_on_a_saturday(self):
        self.org.contract_tier = "premium"
        self.org.save()
        SlaPolicy.objects.create(
            name="Premium urgent",
            contract_tier="premium",
            priority="urgent",
            calendar=BusinessCalendar.objects.get(always_open=True),
            first_response_minutes=30,
            update_interval_minutes=60,
            resolution_minutes=240,
        )
        saturday = tokyo(2026, 12, 5, 16, 54)
        ticket = self.make_ticket(priority="urgent", now=saturday)
        self.assertEqual(ticket.next_checkpoint, saturday + timedelta(minutes=30))
        # Other priorities of that organization fall back to the default policies.
        other = self.make_ticket(priority="low", now=saturday)
        self.assertEqual(other.next_checkpoint.astimezone(TOKYO).date().isoformat(), "2026-12-09")

    def test_the_most_specific_policy_wins(self):
        office = BusinessCalendar.objects.get(always_open=False)
        SlaPolicy.objects.create(
            name="Gold, any priority",
            contract_tier="gold",
            calendar=office,
            first_response_minutes=120,
            update_interval_minutes=120,
            resolution_minutes=960,
        )
        self.org.contract_tier = "gold"
        self.org.save()
        ticket = self.make_ticket(priority="low", now=tokyo(2026, 12, 7, 9, 0))
        self.assertEqual(ticket.next_checkpoint, tokyo(2026, 12, 7, 11, 0))

    @override_settings(
        KIZUNA_RESPONSE_MINUTES={"urgent": 60, "high": 240, "normal": 480, "low": 1440}
    )
    def test_without_any_policy_the_configured_clock_time_is_promised(self):
        SlaPolicy.objects.all().delete()
        saturday = tokyo(2026, 12, 5, 16, 54)
        ticket = self.make_ticket(priority="high", now=saturday)
        self.assertEqual(ticket.next_checkpoint, saturday + timedelta(hours=4))

    def test_a_customer_reply_to_a_waiting_ticket_is_answered_in_business_time(self):
        ticket = self.make_ticket(priority="urgent", now=tokyo(2026, 12, 4, 10, 0))
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status=Status.WAITING_CUSTOMER,
            customer_note="ログを送っていただけますか。",
            checkpoint=tokyo(2026, 12, 4, 17, 0),
            now=tokyo(2026, 12, 4, 11, 0),
        )
        services.ticket_customer_reply(
            ticket=ticket,
            contact=self.customer,
            body="ログを添付します。",
            now=tokyo(2026, 12, 4, 17, 45),
        )
        ticket.refresh_from_db()
        # Fifteen minutes on Friday, forty-five on Monday.
        self.assertEqual(ticket.next_checkpoint, tokyo(2026, 12, 7, 9, 45))
