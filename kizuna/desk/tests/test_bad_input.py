"""The desk never fails on what an address or a form may hold: ids in other scripts' digits
or beyond 64 bits, NUL in a search, checkpoints at the ends of the calendar."""

from datetime import UTC, datetime

from django.urls import reverse

from kizuna.test import BaseTestCase
from kizuna.tickets.models import Status, Ticket

HUGE = "99999999999999999999999"


class DeskBadInputTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()

    def snapshot(self):
        t = Ticket.objects.get(pk=self.ticket.pk)
        return (t.status, t.next_checkpoint, t.messages.count(), t.events.count())

    def test_queue_filters_that_are_not_ids_are_left_out(self):
        for params in [
            {"assignee": HUGE},
            {"organization": HUGE},
            {"assignee": "³"},
            {"organization": "①"},
            {"organization": "１"},  # full-width: not organization 1
            {"page": HUGE},
            {"page": "²"},
            {"q": "\x00"},
            {"q": f"KZ-{HUGE}"},
        ]:
            with self.subTest(params=params):
                r = self.client.get(reverse("desk:queue"), params)
                self.assertEqual(r.status_code, 200)

    def test_a_reference_with_foreign_digits_finds_nothing(self):
        other = self.make_ticket(subject="Another request")
        r = self.client.get(reverse("desk:queue"), {"q": "KZ-" + "０" * 5 + str(other.id)})
        self.assertNotContains(r, other.reference)

    def test_ticket_addresses_with_huge_ids_are_not_found(self):
        for name in ["desk:ticket", "desk:attachment"]:
            with self.subTest(name=name):
                url = reverse(name, args=[1]).replace("/1/", f"/{HUGE}/")
                self.assertEqual(self.client.get(url).status_code, 404)
        url = reverse("desk:reply", args=[1]).replace("/1/", f"/{HUGE}/")
        self.assertEqual(self.client.post(url, {"body": "x"}).status_code, 404)

    def test_checkpoints_at_the_ends_of_the_calendar_are_refused_in_the_forms(self):
        before = self.snapshot()
        for value in ["9999-12-31T23:59", "0001-01-01T00:00", "3000-01-02T00:00"]:
            with self.subTest(value=value):
                r = self.client.post(
                    reverse("desk:status", args=[self.ticket.id]),
                    {
                        "to_status": "investigating",
                        "customer_note": "ログを確認しています。",
                        "checkpoint": value,
                    },
                )
                self.assertContains(r, "between 1900 and 2999", status_code=400)
                r = self.client.post(
                    reverse("desk:reply", args=[self.ticket.id]),
                    {"body": "確認しています。", "checkpoint": value},
                )
                self.assertContains(r, "between 1900 and 2999", status_code=400)
        self.assertEqual(self.snapshot(), before)

    def test_a_stored_checkpoint_at_the_end_of_the_calendar_still_shows(self):
        # Written before checkpoints were bounded: moving it to Tokyo time would pass 9999.
        Ticket.objects.filter(pk=self.ticket.pk).update(
            status=Status.INVESTIGATING, next_checkpoint=datetime(9999, 12, 31, 23, tzinfo=UTC)
        )
        self.assertContains(self.client.get(reverse("desk:queue")), self.ticket.reference)
        self.assertContains(
            self.client.get(reverse("desk:ticket", args=[self.ticket.id])), "9999-12-31"
        )

    def test_assignment_takes_ids_in_ascii_digits_only(self):
        before = (self.ticket.assignee_id, self.ticket.team_id)
        for data in [
            {"team": "１"},  # full-width: not team 1
            {"team": HUGE},
            {"assignee": "٣"},
            {"assignee": HUGE},
        ]:
            with self.subTest(data=data):
                r = self.client.post(reverse("desk:assign", args=[self.ticket.id]), data)
                self.assertEqual(r.status_code, 400)
                self.ticket.refresh_from_db()
                self.assertEqual((self.ticket.assignee_id, self.ticket.team_id), before)
        r = self.client.post(reverse("desk:assign", args=[self.ticket.id]), {"team": self.team.id})
        self.assertEqual(r.status_code, 302)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.team_id, self.team.id)
