from django.utils import timezone

from kizuna.api.auth import forget_tokens
from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets import services


class TicketListTestCase(ApiTestCase):
    url = "/api/v1/tickets"

    def test_it_lists_open_tickets_by_next_checkpoint(self):
        urgent = self.make_ticket(priority="urgent", subject="Server down")
        low = self.make_ticket(priority="low", subject="Question about invoices")
        doc = self.get(self.url).json()
        self.assertEqual(doc["count"], 2)
        self.assertEqual([t["id"] for t in doc["results"]], [urgent.id, low.id])
        self.assertIsNone(doc["next"])

    def test_it_filters_by_status(self):
        t = self.make_ticket()
        self.make_ticket()
        services.ticket_transition(
            ticket=t,
            actor_user=self.agent,
            to_status="investigating",
            customer_note="調査中です。",
            checkpoint=self.later(),
        )
        doc = self.get(self.url, {"status": "investigating"}).json()
        self.assertEqual([r["id"] for r in doc["results"]], [t.id])

    def test_it_lists_closed_tickets_only_when_asked(self):
        t = self.make_ticket()
        services.ticket_transition(
            ticket=t, actor_user=self.agent, to_status="closed", close_reason="spam"
        )
        self.assertEqual(self.get(self.url).json()["count"], 0)
        doc = self.get(self.url, {"status": "closed"}).json()
        self.assertEqual(doc["results"][0]["close_reason"], "spam")

    def test_it_rejects_an_unknown_status(self):
        r = self.get(self.url, {"status": "done"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "status")
        self.assertIn("done", r.json()["detail"])

    def test_it_filters_by_assignee_and_unassigned(self):
        mine = self.make_ticket()
        theirs = self.make_ticket()
        nobody = self.make_ticket()
        services.ticket_assign(ticket=mine, actor_user=self.agent, assignee=self.agent)
        services.ticket_assign(ticket=theirs, actor_user=self.agent, assignee=self.teammate)

        def ids(params):
            return [r["id"] for r in self.get(self.url, params).json()["results"]]

        self.assertEqual(ids({"assignee": "me"}), [mine.id])
        self.assertEqual(ids({"assignee": "alice"}), [theirs.id])
        self.assertEqual(ids({"assignee": str(self.teammate.id)}), [theirs.id])
        self.assertEqual(ids({"unassigned": "true"}), [nobody.id])
        r = self.get(self.url, {"assignee": "nobody"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "assignee")

    def test_it_filters_by_organization_and_subject(self):
        ours = self.make_ticket(subject="プリンターが動かない")
        theirs = self.make_ticket(requester=self.outsider, subject="Printer offline", language="en")
        doc = self.get(self.url, {"organization": self.other_org.id}).json()
        self.assertEqual([r["id"] for r in doc["results"]], [theirs.id])
        doc = self.get(self.url, {"q": "プリンター"}).json()
        self.assertEqual([r["id"] for r in doc["results"]], [ours.id])
        doc = self.get(self.url, {"q": "printer"}).json()
        self.assertEqual([r["id"] for r in doc["results"]], [theirs.id])
        doc = self.get(self.url, {"q": ours.reference}).json()
        self.assertEqual([r["id"] for r in doc["results"]], [ours.id])

    def test_it_pages_with_links(self):
        tickets = [self.make_ticket(subject=f"Request {i}") for i in range(5)]
        doc = self.get(self.url, {"limit": 2}).json()
        self.assertEqual(doc["count"], 5)
        self.assertEqual([r["id"] for r in doc["results"]], [t.id for t in tickets[:2]])
        self.assertIsNone(doc["previous"])
        doc2 = self.get(doc["next"]).json()
        self.assertEqual([r["id"] for r in doc2["results"]], [t.id for t in tickets[2:4]])
        doc3 = self.get(doc2["next"]).json()
        self.assertEqual([r["id"] for r in doc3["results"]], [tickets[4].id])
        self.assertIsNone(doc3["next"])
        self.assertIn("offset=2", doc3["previous"])

    def test_it_rejects_a_limit_out_of_range(self):
        r = self.get(self.url, {"limit": 1000})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["field"], "limit")
        self.assertIn("200", r.json()["detail"])
        r = self.get(self.url, {"offset": "first"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["field"], "offset")

    def _query_count(self, params=None):
        self.get(self.url)  # the first use of a token records it; later ones do not write
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            r = self.get(self.url, params or {})
        self.assertEqual(r.status_code, 200)
        return len(ctx.captured_queries)

    def test_the_query_count_does_not_grow_with_the_tickets(self):
        self.make_ticket()
        few = self._query_count()
        for i in range(12):
            t = self.make_ticket(requester=self.outsider if i % 2 else self.customer, language="en")
            services.ticket_assign(
                ticket=t, actor_user=self.agent, assignee=self.teammate, team=self.team
            )
        self.assertEqual(self._query_count(), few)
        # token, count, page of tickets with their organization, requester, assignee and team,
        # and the page's resolution reports
        forget_tokens()  # count the token lookup too: the cold path
        with self.assertNumQueries(4):
            doc = self.get(self.url).json()
        self.assertEqual(doc["count"], 13)
        self.assertEqual(doc["results"][-1]["team"]["name"], "Hosting")

    def test_overdue_tickets_are_flagged_in_the_list(self):
        t = self.make_ticket()
        type(t).objects.filter(pk=t.pk).update(
            next_checkpoint=timezone.now() - timezone.timedelta(hours=1)
        )
        doc = self.get(self.url).json()
        self.assertTrue(doc["results"][0]["is_overdue"])
