from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kizuna.test import BaseTestCase
from kizuna.tickets import services


class QueueTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)

    def table(self, params=None) -> str:
        """The queue's rows only: the search box's example reference and the echoed query
        must not count as a ticket shown."""
        html = self.client.get(reverse("desk:queue"), params or {}).content.decode()
        if "<table>" not in html:
            return ""
        return html[html.index("<table>") : html.index("</table>")]

    def test_it_requires_sign_in(self):
        self.client.logout()
        response = self.client.get(reverse("desk:queue"))
        self.assertRedirects(
            response, reverse("desk:login") + "?next=/desk/", fetch_redirect_response=False
        )

    def test_a_customer_user_without_agent_profile_is_not_let_in(self):
        from django.contrib.auth import get_user_model

        plain = get_user_model().objects.create_user("plain", password="x")
        self.client.force_login(plain)
        self.assertEqual(self.client.get(reverse("desk:queue")).status_code, 404)

    def test_the_ticket_due_first_is_on_top_and_overdue_ones_are_marked(self):
        later = self.make_ticket(subject="Later", priority="low")
        sooner = self.make_ticket(subject="Sooner", priority="urgent")
        overdue = self.make_ticket(subject="Overdue")
        services.ticket_transition(
            ticket=overdue,
            actor_user=self.agent,
            to_status="investigating",
            customer_note="調査中です。",
            checkpoint=timezone.now() + timedelta(seconds=1),
            now=timezone.now() - timedelta(seconds=5),
        )
        # An hour later: the promised time has passed.
        past = timezone.now() - timedelta(hours=1)
        type(overdue).objects.filter(pk=overdue.pk).update(next_checkpoint=past, next_due=past)
        html = self.table()
        order = [html.index(t.reference) for t in (overdue, sooner, later)]
        self.assertEqual(order, sorted(order))
        self.assertIn('class="overdue"', html)
        self.assertEqual(html.count('class="badge overdue"'), 1)

    def test_closed_tickets_are_not_in_the_queue_unless_asked_for(self):
        closed = self.make_ticket(subject="Spam")
        services.ticket_transition(
            ticket=closed, actor_user=self.agent, to_status="closed", close_reason="spam"
        )
        self.assertNotIn(closed.reference, self.table())
        self.assertIn(closed.reference, self.table({"status": "closed"}))

    def test_it_filters_by_status_assignee_and_organization(self):
        mine = self.make_ticket(subject="Mine")
        services.ticket_assign(ticket=mine, actor_user=self.agent, assignee=self.agent)
        other = self.make_ticket(subject="Other org", requester=self.outsider)
        rows = self.table({"assignee": "me"})
        self.assertIn(mine.reference, rows)
        self.assertNotIn(other.reference, rows)
        rows = self.table({"organization": self.other_org.id})
        self.assertIn(other.reference, rows)
        self.assertNotIn(mine.reference, rows)
        self.assertNotIn(mine.reference, self.table({"status": "investigating"}))

    def test_an_htmx_filter_returns_only_the_table(self):
        self.make_ticket()
        r = self.client.get(
            reverse("desk:queue"),
            {"status": "new"},
            headers={"HX-Request": "true", "HX-Target": "queue-table"},
        )
        html = r.content.decode()
        self.assertTrue(html.startswith('<div id="queue-table">'))
        self.assertNotIn("<html", html)

    def test_the_number_of_queries_does_not_grow_with_the_tickets_shown(self):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(reverse("desk:queue")).status_code, 200)
            return len(ctx.captured_queries)

        self.make_ticket()
        few = count()
        for i in range(20):
            t = self.make_ticket(
                subject=f"t{i}", requester=self.outsider if i % 2 else self.customer
            )
            services.ticket_assign(ticket=t, actor_user=self.agent, assignee=self.teammate)
        self.assertEqual(count(), few)

    def test_search_finds_a_ticket_by_reference_even_when_closed_and_by_subject_words(self):
        vpn = self.make_ticket(subject="VPN が切断される")
        spam = self.make_ticket(subject="Spam")
        services.ticket_transition(
            ticket=spam, actor_user=self.agent, to_status="closed", close_reason="spam"
        )
        rows = self.table({"q": spam.reference})
        self.assertIn(spam.reference, rows)
        self.assertNotIn(vpn.reference, rows)
        rows = self.table({"q": "VPN"})
        self.assertIn(vpn.reference, rows)
        self.assertNotIn(spam.reference, rows)


class FullNameTests(BaseTestCase):
    """Agents are shown by their full names, never by sign-in names."""

    def setUp(self):
        super().setUp()
        self.agent.first_name, self.agent.last_name = "健", "佐藤"
        self.agent.save()
        self.teammate.last_name = "Morgan"
        self.teammate.save()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()
        services.ticket_assign(ticket=self.ticket, actor_user=self.agent, assignee=self.teammate)

    def test_the_assignee_selector_offers_full_names(self):
        page = self.client.get(reverse("desk:ticket", args=[self.ticket.id])).content.decode()
        select = page[page.index('name="assignee"') :]
        select = select[: select.index("</select>")]
        self.assertIn(">Alice Morgan</option>", select)
        self.assertIn(">佐藤 健</option>", select)
        self.assertNotIn(">alice</option>", select)
        self.assertNotIn(">sato</option>", select)

    def test_the_queue_shows_the_assignees_full_name(self):
        html = self.client.get(reverse("desk:queue")).content.decode()
        table = html[html.index("<table>") : html.index("</table>")]
        self.assertIn("Alice Morgan", table)
        self.assertNotIn("<td>alice</td>", table)
