import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Ticket


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
        self.assertTrue(html.startswith('<div id="queue-table" '))
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


class RefreshTests(BaseTestCase):
    """The queue refreshes itself and marks what was opened or changed since the agent
    opened the page."""

    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.old = self.make_ticket(subject="Old request")
        self.quiet = self.make_ticket(subject="Quiet request")

    def refresh(self, since) -> str:
        return self.client.get(
            reverse("desk:queue"),
            {"status": "", "since": since},
            headers={"HX-Request": "true", "HX-Target": "queue-table"},
        ).content.decode()

    def row(self, html: str, ticket) -> str:
        start = html.index(f'data-ticket="{ticket.reference}"')
        return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]

    def test_the_page_polls_its_table_with_the_moment_it_was_opened(self):
        html = self.client.get(reverse("desk:queue"), {"status": "new"}).content.decode()
        self.assertIn('hx-trigger="every 30s"', html)
        since = re.search(r'hx-get="\?([^"]*)"', html).group(1)
        self.assertIn("status=new", since)
        self.assertRegex(since, r"since=\d{10}")
        self.assertNotIn("data-change", html)  # a fresh page marks nothing

    def test_new_and_changed_tickets_are_marked_and_the_others_are_not(self):
        opened = int(timezone.now().timestamp()) - 1
        Ticket.objects.filter(pk__in=[self.old.pk, self.quiet.pk]).update(
            created_at=timezone.now() - timedelta(hours=2),
            updated_at=timezone.now() - timedelta(hours=2),
        )
        services.ticket_reply(ticket=self.old, actor_user=self.agent, body="確認しております。")
        new = self.make_ticket(subject="Brand new request")
        html = self.refresh(str(opened))
        self.assertIn('data-change="new"', self.row(html, new))
        self.assertIn('data-change="updated"', self.row(html, self.old))
        self.assertNotIn("data-change", self.row(html, self.quiet))
        self.assertNotIn("<html", html)  # only the table is sent
        # The next refresh keeps the same moment, so the marks stay until the page is reloaded.
        self.assertIn(f"since={opened}", html)

    def test_a_bad_or_stale_moment_marks_nothing(self):
        for since in ("abc", "１７００", "99999999999999999999", "999999999999", "1", "-5"):
            html = self.refresh(since)
            self.assertNotIn("data-change", html, since)
