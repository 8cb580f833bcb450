"""Next-update times offered to agents fall inside business hours (P1)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import translation

from kizuna.sla.services import checkpoint_suggestions
from kizuna.test import BaseTestCase

TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")


class SuggestionTests(BaseTestCase):
    def suggest(self, now, shown_in=TOKYO, priority="normal"):
        with translation.override("en"):
            return checkpoint_suggestions(
                organization_id=self.org.id, priority=priority, now=now, shown_in=shown_in
            )

    def test_friday_afternoon_offers_business_hours_only(self):
        found = self.suggest(datetime(2026, 12, 4, 16, 30, tzinfo=TOKYO))
        times = [s.when.astimezone(TOKYO) for s in found]
        self.assertEqual(
            [f"{t:%a %H:%M}" for t in times],
            ["Fri 17:00", "Fri 17:30", "Mon 09:30", "Mon 10:00", "Mon 15:30", "Mon 17:00"],
        )
        labels = [s.label for s in found]
        self.assertEqual(labels[0], "today 17:00")
        self.assertEqual(labels[1], "today 17:30 (1 business hour)")
        self.assertEqual(labels[2], "Monday 09:30 (2 business hours)")
        self.assertIn("(update interval)", labels[4])

    def test_a_holiday_monday_is_skipped(self):
        found = self.suggest(datetime(2027, 3, 19, 19, 0, tzinfo=TOKYO))  # 22 March: holiday
        self.assertTrue(all(s.when.astimezone(TOKYO).date().day == 23 for s in found))
        self.assertIn("Tuesday 10:00 (1 business hour)", [s.label for s in found])

    def test_labels_are_in_the_agents_zone(self):
        found = self.suggest(datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO), shown_in=LONDON)
        # 17:00 in Tokyo is 08:00 in London, the same Monday.
        self.assertIn("today 08:00", [s.label for s in found])

    def test_the_ticket_page_offers_them_and_the_status_form_starts_inside_business_hours(self):
        self.client.force_login(self.agent)
        ticket = self.make_ticket()
        r = self.client.get(reverse("desk:ticket", args=[ticket.id]))
        self.assertContains(r, 'data-fill="reply_checkpoint"')
        self.assertContains(r, 'data-fill="status_checkpoint"')
