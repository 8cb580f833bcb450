from django.contrib.auth import get_user_model

from kizuna.api.tests.base import ApiTestCase
from kizuna.test import PASSWORD
from kizuna.tickets.models import Team, Ticket, TicketEvent


class AssignmentTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/api/v1/tickets/{self.ticket.id}/assignment"

    def test_it_assigns_by_username_and_team(self):
        r = self.post(self.url, {"assignee": "alice", "team": self.team.id})
        self.assertEqual(r.status_code, 200, r.content)
        doc = r.json()
        self.assertEqual(
            doc["assignee"], {"id": self.teammate.id, "username": "alice", "name": "Alice"}
        )
        self.assertEqual(doc["team"], {"id": self.team.id, "name": "Hosting"})
        self.assertTrue(TicketEvent.objects.filter(ticket=self.ticket, kind="assigned").exists())

    def test_it_assigns_by_id_and_keeps_the_team_when_left_out(self):
        self.post(self.url, {"team": self.team.id})
        r = self.post(self.url, {"assignee": self.agent.id})
        self.assertEqual(r.json()["assignee"]["username"], "sato")
        self.assertEqual(r.json()["team"]["id"], self.team.id)

    def test_null_clears(self):
        self.post(self.url, {"assignee": "alice", "team": self.team.id})
        r = self.post(self.url, {"assignee": None})
        self.assertIsNone(r.json()["assignee"])
        self.assertEqual(r.json()["team"]["id"], self.team.id)

    def test_it_refuses_a_non_agent(self):
        get_user_model().objects.create_user("guest", "guest@example.com", PASSWORD)
        r = self.post(self.url, {"assignee": "guest"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "assignee")
        self.assertIn("not an agent", r.json()["detail"])
        self.assertIsNone(Ticket.objects.get(pk=self.ticket.pk).assignee_id)

    def test_it_refuses_an_unknown_agent_or_team(self):
        r = self.post(self.url, {"assignee": "nobody"})
        self.assertEqual((r.status_code, r.json()["field"]), (400, "assignee"))
        missing = Team.objects.order_by("-id").first().id + 1
        r = self.post(self.url, {"team": missing})
        self.assertEqual((r.status_code, r.json()["field"]), (400, "team"))
        self.assertFalse(TicketEvent.objects.filter(ticket=self.ticket, kind="assigned").exists())


class PriorityApiTests(ApiTestCase):
    def test_the_priority_can_be_changed_and_a_bad_one_changes_nothing(self):
        ticket = self.make_ticket()
        url = f"/api/v1/tickets/{ticket.id}/assignment"
        r = self.post(url, {"priority": "urgent"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["priority"], "urgent")
        r = self.post(url, {"priority": "whenever"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("Unknown priority", r.json()["detail"])
        ticket.refresh_from_db()
        self.assertEqual(ticket.priority, "urgent")
