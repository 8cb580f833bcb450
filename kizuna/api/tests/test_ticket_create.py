from django.core import mail
from django.urls import reverse

from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets.models import Message, MessageKind, Ticket, TicketEvent


class TicketCreateTestCase(ApiTestCase):
    url = "/api/v1/tickets"

    def payload(self, **overrides):
        data = {
            "requester": self.customer.email,
            "subject": "VPN に接続できない",
            "body": "本日朝から VPN に接続できません。",
            "priority": "urgent",
        }
        data.update(overrides)
        return data

    def test_it_opens_and_acknowledges_a_ticket(self):
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(self.url, self.payload())
        self.assertEqual(r.status_code, 201, r.content)
        doc = r.json()
        ticket = Ticket.objects.get()
        self.assertEqual(doc["reference"], ticket.reference)
        self.assertEqual(doc["status"], "new")
        self.assertEqual(doc["channel"], "api")
        self.assertEqual(doc["language"], "ja")
        self.assertEqual(doc["organization"], {"id": self.org.id, "name": self.org.name})
        self.assertEqual(doc["requester"]["email"], self.customer.email)
        self.assertIsNone(doc["assignee"])
        self.assertFalse(doc["is_overdue"])
        # P1: the acknowledgement gives the reference and the time of the next update.
        self.assertIsNotNone(ticket.next_checkpoint)
        self.assertTrue(doc["next_checkpoint"].endswith("+09:00"), doc["next_checkpoint"])
        ack = ticket.messages.get(kind=MessageKind.OUTBOUND, automatic=True)
        self.assertIn(ticket.reference, ack.body)
        self.assertEqual(doc["customer_note"], ack.body)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.customer.email])
        self.assertIn(ticket.reference, mail.outbox[0].subject)
        self.assertEqual(mail.outbox[0].extra_headers["Auto-Submitted"], "auto-generated")
        # The event names the agent who entered it.
        created = TicketEvent.objects.get(ticket=ticket, kind="created")
        self.assertEqual(created.actor_user_id, self.agent.id)

    def test_it_finds_the_requester_by_id(self):
        r = self.post(
            self.url, self.payload(requester=self.outsider.id, language="en", priority="low")
        )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["organization"]["name"], "Northwind Ltd")
        self.assertEqual(r.json()["language"], "en")
        self.assertEqual(r.json()["priority"], "low")

    def test_it_assigns_a_team_when_given(self):
        r = self.post(self.url, self.payload(team=self.team.id))
        self.assertEqual(r.json()["team"], {"id": self.team.id, "name": "Hosting"})

    def test_it_rejects_an_unknown_requester(self):
        r = self.post(self.url, self.payload(requester="nobody@example.com"))
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "requester")
        self.assertIn("nobody@example.com", r.json()["detail"])
        self.assertFalse(Ticket.objects.exists())

    def test_it_rejects_an_unknown_priority(self):
        r = self.post(self.url, self.payload(priority="asap"))
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "priority")
        self.assertIn("asap", r.json()["detail"])
        self.assertFalse(Ticket.objects.exists())

    def test_it_rejects_an_empty_body(self):
        r = self.post(self.url, self.payload(body="   "))
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "body")
        self.assertFalse(Message.objects.exists())

    def test_it_says_which_field_is_missing(self):
        data = self.payload()
        del data["subject"]
        r = self.post(self.url, data)
        self.assertEqual(r.status_code, 422)
        self.assertEqual(
            r.json(), {"detail": "subject: This field is required.", "field": "subject"}
        )
        self.assertFalse(Ticket.objects.exists())

    def test_it_says_which_field_has_the_wrong_type(self):
        r = self.post(self.url, self.payload(subject=["a", "list"]))
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["field"], "subject")
        self.assertIn("string", r.json()["detail"])

    def test_it_rejects_invalid_json(self):
        r = self.post(self.url, raw='{"subject": "broken",')
        self.assertEqual(r.status_code, 400)
        self.assertIn("not valid JSON", r.json()["detail"])
        self.assertFalse(Ticket.objects.exists())

    def test_it_rejects_a_body_that_is_not_an_object(self):
        r = self.post(self.url, raw="[1, 2]")
        self.assertEqual(r.status_code, 422)
        self.assertIn("JSON object", r.json()["detail"])

    def test_it_rejects_a_missing_body(self):
        r = self.post(self.url, raw="")
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"], "The request body must be a JSON object.")
        self.assertEqual(reverse("api:ticket_create"), self.url)
