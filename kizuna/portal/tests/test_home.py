import zoneinfo
from datetime import timedelta

from django.utils import timezone

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Ticket

HOME = "/portal/"


class HomeTestCase(PortalTestCase):
    def test_it_requires_sign_in(self):
        self.assertRedirects(self.client.get(HOME), "/portal/signin/?next=%2Fportal%2F")

    def test_the_site_root_leads_to_the_portal(self):
        self.sign_in()
        self.assertRedirects(self.client.get("/"), HOME)

    def test_it_lists_the_contacts_own_tickets_or_when_allowed_the_organizations(self):
        ours = self.make_ticket(subject="請求書のPDFが開けない")
        colleague = services.contact_create(
            organization=self.org, name="山田 花子", email="hanako@yamada.example.jp"
        )
        theirs_colleague = self.make_ticket(requester=colleague, subject="VPNに接続できない")
        other = self.make_ticket(
            requester=self.outsider, subject="Backup job failed", language="en"
        )
        self.sign_in()
        r = self.client.get(HOME)
        self.assertContains(r, ours.reference)
        self.assertContains(r, "請求書のPDFが開けない")
        # A colleague's request is theirs, unless this contact may see the organization's.
        self.assertNotContains(r, theirs_colleague.reference)
        self.assertNotContains(r, other.reference)
        services.contact_update(contact=self.customer, sees_organization=True)
        r = self.client.get(HOME)
        self.assertContains(r, theirs_colleague.reference)
        self.assertNotContains(r, other.reference)
        self.assertNotContains(r, "Backup job failed")

    def test_it_shows_what_we_are_doing_now_and_the_next_update_in_the_contacts_zone(self):
        ticket = self.make_ticket(
            requester=self.outsider, subject="Backup job failed", language="en"
        )
        checkpoint = timezone.now() + timedelta(days=1)
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status="investigating",
            customer_note="We are checking the backup server's disk space.",
            checkpoint=checkpoint,
        )
        self.sign_in(self.outsider)
        r = self.client.get(HOME)
        self.assertContains(r, "Being worked on")  # the status in the customer's words
        self.assertContains(r, "We are checking the backup server&#x27;s disk space.")
        london = checkpoint.astimezone(zoneinfo.ZoneInfo("Europe/London"))
        self.assertContains(r, f"Next update by {london:%a} {london.day} {london:%b %Y, %H:%M %Z}")

    def test_it_says_honestly_when_an_update_is_overdue(self):
        ticket = self.make_ticket()
        Ticket.objects.filter(pk=ticket.pk).update(
            next_checkpoint=timezone.now() - timedelta(minutes=5)
        )
        self.sign_in()
        r = self.client.get(HOME)
        self.assertContains(r, "this update is overdue")
        self.assertContains(r, "is-overdue")

    def test_it_lists_open_requests_before_recently_closed_ones(self):
        closed = self.close(self.make_ticket(subject="古い問い合わせ"))
        open_ = self.make_ticket(subject="新しい問い合わせ")
        self.sign_in()
        html = self.client.get(HOME).content.decode()
        self.assertLess(html.index(open_.reference), html.index("Recently closed"))
        self.assertLess(html.index("Recently closed"), html.index(closed.reference))

    def test_it_says_so_when_nothing_is_open(self):
        self.sign_in()
        self.assertContains(self.client.get(HOME), "No open requests")

    def test_its_query_count_does_not_grow_with_the_tickets(self):
        for i in range(3):
            self.make_ticket(subject=f"問い合わせ {i}")
        self.close(self.make_ticket(subject="終わった件"))
        self.sign_in()
        # Session, contact, open tickets, closed tickets.
        with self.assertNumQueries(4):
            self.client.get(HOME)
        for i in range(5):
            self.make_ticket(subject=f"追加 {i}")
        with self.assertNumQueries(4):
            self.client.get(HOME)
