from kizuna.api.tests.base import ApiTestCase


class TicketReadTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ticket = self.make_ticket()

    def test_it_reads_by_reference_and_by_number(self):
        for key in (self.ticket.reference, str(self.ticket.id), self.ticket.reference.lower()):
            with self.subTest(key=key):
                r = self.get(f"/api/v1/tickets/{key}")
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.json()["id"], self.ticket.id)

    def test_it_shows_every_promised_field(self):
        doc = self.get(f"/api/v1/tickets/{self.ticket.id}").json()
        for key in (
            "reference subject status priority channel language organization requester assignee team "
            "next_checkpoint customer_note is_overdue created_at first_response_at resolved_at closed_at "
            "close_reason"
        ).split():
            self.assertIn(key, doc)
        self.assertEqual(doc["requester"]["name"], "山田 太郎")
        self.assertIsNone(doc["first_response_at"])

    def test_it_shows_dates_in_the_agents_time_zone(self):
        token_london = self._token_for_teammate()
        doc = self.get(f"/api/v1/tickets/{self.ticket.id}", token=token_london).json()
        self.assertRegex(doc["created_at"], r"\+0[01]:00$")

    def _token_for_teammate(self):
        from kizuna.api.tests.base import make_token

        return make_token(self.teammate)

    def test_it_marks_an_overdue_ticket(self):
        from datetime import timedelta

        from django.utils import timezone

        type(self.ticket).objects.filter(pk=self.ticket.pk).update(
            next_checkpoint=timezone.now() - timedelta(minutes=5)
        )
        doc = self.get(f"/api/v1/tickets/{self.ticket.id}").json()
        self.assertTrue(doc["is_overdue"])

    def test_it_answers_404_for_a_missing_ticket(self):
        r = self.get("/api/v1/tickets/KZ-999999")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["detail"], "No ticket KZ-999999.")

    def test_it_answers_404_for_a_reference_that_is_not_one(self):
        r = self.get("/api/v1/tickets/hello")
        self.assertEqual(r.status_code, 404)
        self.assertIn("KZ-000123", r.json()["detail"])
