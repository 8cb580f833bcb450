"""Roles at the desk and the portal's two kinds of customers (docs/access.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from kizuna.portal.tests.base import PortalTestCase
from kizuna.search.query import search
from kizuna.tickets import access, services
from kizuna.tickets.models import AgentProfile, Contact, Role, Team


class DeskRoles(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.network = Team.objects.create(name="Network")
        User = get_user_model()
        self.kato = User.objects.create_user("kato", "kato@kizuna.example", "x")
        AgentProfile.objects.create(user=self.kato)
        self.network.members.add(self.kato)
        self.boss = User.objects.create_user("boss", "boss@kizuna.example", "x")
        AgentProfile.objects.create(user=self.boss, role=Role.MANAGER)
        self.hosting_ticket = self.make_ticket(team=self.team, body="ホスティングのパスワード")
        self.inbox_ticket = self.make_ticket(body="まだチームのないパスワードの件")

    def visible(self, user):
        return set(access.tickets_for_agent(user).values_list("pk", flat=True))

    def test_an_agent_sees_their_teams_the_shared_inbox_and_what_is_assigned_to_them(self):
        self.assertEqual(self.visible(self.kato), {self.inbox_ticket.pk})
        services.ticket_assign(
            ticket=self.hosting_ticket, actor_user=self.agent, assignee=self.kato, team=self.team
        )
        self.assertEqual(self.visible(self.kato), {self.inbox_ticket.pk, self.hosting_ticket.pk})

    def test_a_manager_and_a_member_see_the_teams_tickets(self):
        both = {self.inbox_ticket.pk, self.hosting_ticket.pk}
        self.assertEqual(self.visible(self.boss), both)
        self.assertEqual(self.visible(self.agent), both)  # sato is in Hosting

    def test_a_team_lead_sees_the_team_they_lead(self):
        lead = get_user_model().objects.create_user("lead", "lead@kizuna.example", "x")
        AgentProfile.objects.create(user=lead, role=Role.LEAD)
        Team.objects.filter(pk=self.team.pk).update(lead=lead)
        self.assertIn(self.hosting_ticket.pk, self.visible(lead))
        self.assertTrue(access.may_read_reports(lead))
        self.assertFalse(access.may_manage(lead))

    def test_the_queue_search_and_api_follow_the_role(self):
        self.client.force_login(self.kato)
        queue = self.client.get(reverse("desk:queue")).content.decode()
        self.assertIn(self.inbox_ticket.reference, queue)
        self.assertNotIn(self.hosting_ticket.reference, queue)
        hits = search("パスワード", tickets=access.tickets_for_agent(self.kato)).hits
        self.assertEqual([h.ticket.pk for h in hits], [self.inbox_ticket.pk])
        page = self.client.get(reverse("desk:ticket", args=[self.hosting_ticket.pk]))
        self.assertEqual(page.status_code, 404)

    def test_the_menu_follows_the_role(self):
        self.client.force_login(self.kato)
        menu = self.client.get(reverse("desk:queue")).content.decode()
        self.assertNotIn(reverse("desk:sla_report"), menu)
        self.assertNotIn(reverse("desk:standard"), menu)
        self.client.force_login(self.boss)
        menu = self.client.get(reverse("desk:queue")).content.decode()
        self.assertIn(reverse("desk:sla_report"), menu)
        self.assertIn(reverse("desk:standard"), menu)
        self.assertNotIn(reverse("mail:inbound_list"), menu)


class PortalScope(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.colleague = Contact.objects.create(
            organization=self.org, name="山田 花子", email="hanako@yamada.example.jp"
        )
        self.mine = self.make_ticket(subject="自分の問い合わせ")
        self.theirs = self.make_ticket(requester=self.colleague, subject="請求書の件")

    def test_a_contact_sees_only_their_own_requests(self):
        self.sign_in(self.colleague)
        page = self.client.get(reverse("portal:home")).content.decode()
        self.assertIn("請求書の件", page)
        self.assertNotIn("自分の問い合わせ", page)
        self.assertEqual(
            self.client.get(reverse("portal:ticket", args=[self.mine.pk])).status_code, 404
        )

    def test_a_request_they_wrote_in_is_theirs_too(self):
        services.ticket_customer_reply(
            ticket=self.mine, contact=self.colleague, body="私も同じです"
        )
        self.sign_in(self.colleague)
        self.assertEqual(
            self.client.get(reverse("portal:ticket", args=[self.mine.pk])).status_code, 200
        )

    def test_an_office_manager_has_mine_and_all(self):
        self.client.force_login(self.agent)
        self.client.post(
            reverse("desk:contact_scope", args=[self.mine.pk]), {"sees_organization": "1"}
        )
        self.customer.refresh_from_db()
        self.assertTrue(self.customer.sees_organization)
        self.client.logout()
        self.sign_in(self.customer)
        everything = self.client.get(reverse("portal:home")).content.decode()
        self.assertIn("請求書の件", everything)
        self.assertIn("?show=mine", everything)
        mine = self.client.get(reverse("portal:home"), {"show": "mine"}).content.decode()
        self.assertNotIn("請求書の件", mine)
        self.assertIn("自分の問い合わせ", mine)
        self.assertEqual(
            self.client.get(reverse("portal:ticket", args=[self.theirs.pk])).status_code, 200
        )
        # Never another organization's.
        other = self.make_ticket(requester=self.outsider, subject="Northwind matter")
        self.assertEqual(
            self.client.get(reverse("portal:ticket", args=[other.pk])).status_code, 404
        )
