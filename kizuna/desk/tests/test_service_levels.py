"""Managers edit business calendars and SLA policies in the desk, in Japanese and English;
bad input is refused with the reason and changes nothing; every change is recorded."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.urls import reverse

from kizuna.sla.models import BusinessCalendar, SlaChange, SlaPolicy
from kizuna.test import PASSWORD, BaseTestCase

TOKYO = ZoneInfo("Asia/Tokyo")


class ServiceLevelPagesTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.manager = get_user_model().objects.create_user(
            "mori", "mori@kizuna.example", PASSWORD, is_staff=True
        )
        self.client.force_login(self.manager)
        self.office = BusinessCalendar.objects.get(name="Business hours")

    def calendar_form(self, **changes):
        data = {
            "name": "Osaka office",
            "time_zone": "Asia/Tokyo",
            "country": "JP",
            "year_end_closing": "on",
            "hours_0": "09:00-12:00, 13:00-18:00",
            "hours_1": "09:00-12:00, 13:00-18:00",
            "hours_2": "09:00-12:00、13:00-18:00",
            "hours_3": "09:00 - 17:00",
            "hours_4": "09:00〜15:00",
            "closed_days": "2027-08-13\n2027-08-14\n",
            "extra_working_days": "",
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    def test_agents_who_are_not_managers_get_nothing(self):
        self.client.force_login(self.agent)
        for url in (
            reverse("desk:service_levels"),
            reverse("desk:calendar_new"),
            reverse("desk:policy_edit", args=[SlaPolicy.objects.first().id]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(
            self.client.post(reverse("desk:calendar_new"), self.calendar_form()).status_code, 404
        )
        self.assertFalse(BusinessCalendar.objects.filter(name="Osaka office").exists())

    def test_the_overview_shows_policies_and_calendars_in_japanese(self):
        self.client.cookies["django_language"] = "ja"
        r = self.client.get(reverse("desk:service_levels"), HTTP_ACCEPT_LANGUAGE="ja")
        self.assertContains(r, "営業カレンダー")
        self.assertContains(r, "Standard – Urgent")
        self.assertContains(r, "09:00-18:00")

    def test_a_manager_creates_a_calendar_with_lunch_breaks_and_it_is_recorded(self):
        r = self.client.post(reverse("desk:calendar_new"), self.calendar_form())
        self.assertRedirects(r, reverse("desk:service_levels"))
        cal = BusinessCalendar.objects.get(name="Osaka office")
        self.assertEqual(cal.hours["0"], [["09:00", "12:00"], ["13:00", "18:00"]])
        self.assertEqual(cal.hours["2"], [["09:00", "12:00"], ["13:00", "18:00"]])
        self.assertEqual(cal.hours["4"], [["09:00", "15:00"]])
        self.assertNotIn("5", cal.hours)
        self.assertEqual(cal.closed_days, ["2027-08-13", "2027-08-14"])
        change = SlaChange.objects.get(kind="calendar", object_id=cal.id)
        self.assertEqual((change.user, change.before), (self.manager, None))

    def test_bad_calendars_are_refused_with_the_reason_and_nothing_is_saved(self):
        cases = [
            ({"hours_0": "09:00-12:00, 11:00-13:00"}, "overlap"),
            ({"hours_0": "18:00-09:00"}, "ends before it starts"),
            ({"hours_0": "nine to five"}, "09:00-12:00, 13:00-18:00"),
            ({"hours_0": "０９:00-12:00"}, "09:00-12:00, 13:00-18:00"),
            ({f"hours_{d}": "" for d in range(7)}, "no working hours"),
            ({"time_zone": "Asia/Nowhere"}, "is not a time zone"),
            ({"country": "XX"}, "is not a country"),
            ({"closed_days": "13/08/2027"}, "is not a date like"),
            ({"name": "Business hours"}, "already has this name"),
        ]
        for changes, message in cases:
            with self.subTest(message=message):
                r = self.client.post(reverse("desk:calendar_new"), self.calendar_form(**changes))
                self.assertContains(r, message, status_code=400)
        self.assertFalse(BusinessCalendar.objects.filter(name="Osaka office").exists())
        self.assertFalse(SlaChange.objects.exists())

    def test_a_changed_policy_applies_to_new_requests_and_keeps_what_was_promised(self):
        before = self.make_ticket(priority="urgent", now=datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO))
        policy = SlaPolicy.objects.get(contract_tier="", priority="urgent")
        r = self.client.post(
            reverse("desk:policy_edit", args=[policy.id]),
            {
                "name": "Standard – Urgent",
                "contract_tier": "",
                "priority": "urgent",
                "calendar": self.office.id,
                "first_response_minutes": "30",
                "update_interval_minutes": "60",
                "resolution_minutes": "480",
            },
        )
        self.assertRedirects(r, reverse("desk:service_levels"))
        after = self.make_ticket(priority="urgent", now=datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO))
        self.assertEqual(after.next_checkpoint, datetime(2026, 12, 7, 10, 30, tzinfo=TOKYO))
        before.refresh_from_db()
        self.assertEqual(before.next_checkpoint, datetime(2026, 12, 7, 11, 0, tzinfo=TOKYO))
        change = SlaChange.objects.get(kind="policy", object_id=policy.id)
        self.assertEqual(change.before["first_response_minutes"], 60)
        self.assertEqual(change.after["first_response_minutes"], 30)

    def test_bad_policies_are_refused_with_the_reason(self):
        base = {
            "name": "Gold urgent",
            "contract_tier": "gold",
            "priority": "urgent",
            "calendar": self.office.id,
            "first_response_minutes": "30",
            "update_interval_minutes": "60",
            "resolution_minutes": "480",
        }
        cases = [
            ({"first_response_minutes": "0"}, 'name="first_response_minutes"'),
            ({"resolution_minutes": "-5"}, 'name="resolution_minutes"'),
            ({"update_interval_minutes": "①"}, 'name="update_interval_minutes"'),
            ({"contract_tier": "", "priority": "high"}, "already serves this contract tier"),
            ({"calendar": "999999999999"}, 'name="calendar"'),
            ({"priority": "whenever"}, 'name="priority"'),
        ]
        for changes, marker in cases:
            with self.subTest(changes=changes):
                r = self.client.post(reverse("desk:policy_new"), {**base, **changes})
                self.assertEqual(r.status_code, 400)
                self.assertContains(r, marker, status_code=400)
                self.assertContains(r, "errorlist", status_code=400)
        self.assertFalse(SlaPolicy.objects.filter(contract_tier="gold").exists())

    def test_the_warning_share_and_the_holding_update_are_set_per_policy(self):
        policy = SlaPolicy.objects.get(contract_tier="", priority="urgent")
        form = {
            "name": policy.name,
            "contract_tier": "",
            "priority": "urgent",
            "calendar": self.office.id,
            "first_response_minutes": "60",
            "update_interval_minutes": "60",
            "resolution_minutes": "480",
        }
        url = reverse("desk:policy_edit", args=[policy.id])
        for bad in ("0", "100", "x"):
            r = self.client.post(url, {**form, "warn_percent": bad})
            self.assertContains(r, 'name="warn_percent"', status_code=400)
        policy.refresh_from_db()
        self.assertEqual((policy.warn_percent, policy.holding_update), (75, False))
        r = self.client.post(url, {**form, "warn_percent": "90", "holding_update": "on"})
        self.assertRedirects(r, reverse("desk:service_levels"))
        policy.refresh_from_db()
        self.assertEqual((policy.warn_percent, policy.holding_update), (90, True))
        change = SlaChange.objects.filter(kind="policy", object_id=policy.id).latest("id")
        self.assertEqual(change.after["warn_percent"], 90)

    def test_targets_typed_with_a_japanese_input_method_are_read(self):
        r = self.client.post(
            reverse("desk:policy_new"),
            {
                "name": "Gold urgent",
                "contract_tier": "gold",
                "priority": "urgent",
                "calendar": self.office.id,
                "first_response_minutes": "３０",
                "update_interval_minutes": "60",
                "resolution_minutes": "480",
            },
        )
        self.assertRedirects(r, reverse("desk:service_levels"))
        self.assertEqual(SlaPolicy.objects.get(contract_tier="gold").first_response_minutes, 30)

    def test_a_calendar_in_use_cannot_be_deleted_and_says_by_whom(self):
        r = self.client.post(reverse("desk:calendar_edit", args=[self.office.id]), {"delete": "1"})
        self.assertContains(r, "Standard – Urgent", status_code=400)
        self.assertTrue(BusinessCalendar.objects.filter(pk=self.office.pk).exists())

    def test_a_deleted_policy_leaves_promised_times_alone(self):
        ticket = self.make_ticket(priority="low", now=datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO))
        promised = ticket.next_checkpoint
        policy = SlaPolicy.objects.get(contract_tier="", priority="low")
        r = self.client.post(reverse("desk:policy_edit", args=[policy.id]), {"delete": "1"})
        self.assertRedirects(r, reverse("desk:service_levels"))
        self.assertFalse(SlaPolicy.objects.filter(pk=policy.pk).exists())
        ticket.refresh_from_db()
        self.assertEqual(ticket.next_checkpoint, promised)
        self.assertTrue(
            SlaChange.objects.filter(kind="policy", object_id=policy.id, after__isnull=True)
        )

    def test_ids_that_are_no_ids_are_not_found(self):
        for value in ("abc", "99999999999999999999999", "１"):
            self.assertEqual(
                self.client.get(reverse("desk:calendar_edit", args=[value])).status_code, 404
            )
