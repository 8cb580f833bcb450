"""The customer sees P2's answers on their request once it is resolved, and after closing."""

from django.urls import reverse

from kizuna.portal.tests.base import PortalTestCase
from kizuna.test import REPORT
from kizuna.tickets import services


class ReportInThePortalTests(PortalTestCase):
    def test_the_report_appears_when_resolved_and_stays_after_closing(self):
        ticket = self.make_ticket()
        self.sign_in()
        url = reverse("portal:ticket", args=[ticket.id])
        self.assertNotContains(self.client.get(url), "How it was resolved")
        self.resolve(ticket)
        page = self.client.get(url)
        self.assertContains(page, "How it was resolved")
        for answer in (REPORT.cause, REPORT.done, REPORT.recurrence):
            self.assertContains(page, answer)
        self.assertContains(page, "Yes, fully")
        services.ticket_transition(ticket=ticket, actor_user=self.agent, to_status="closed")
        self.assertContains(self.client.get(url), REPORT.cause)

    def test_another_organizations_contact_never_sees_it(self):
        ticket = self.resolve(self.make_ticket())
        self.sign_in(self.outsider)
        r = self.client.get(reverse("portal:ticket", args=[ticket.id]))
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(r, REPORT.cause, status_code=404)
