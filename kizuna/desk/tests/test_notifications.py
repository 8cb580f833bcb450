"""The desk's notifications list: unread count in the menu, each agent sees only their own,
marking read."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kizuna.notifications.models import Notification
from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.sla.timers import timers_run
from kizuna.test import BaseTestCase


class NotificationPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket(team=self.team)
        # The first response falls due in ten minutes: its warning has come.
        now = timezone.now()
        Deadline.objects.filter(ticket=self.ticket, kind=DeadlineKind.FIRST_RESPONSE).update(
            due_at=now + timedelta(minutes=10), warn_at=now - timedelta(minutes=1)
        )
        timers_run(now=now)
        self.client.force_login(self.agent)

    def page(self) -> str:
        return self.client.get(reverse("desk:notifications")).content.decode()

    def test_the_menu_counts_unread_notifications_and_the_list_links_the_ticket(self):
        queue = self.client.get(reverse("desk:queue")).content.decode()
        self.assertIn('title="unread">1</span>', queue)
        html = self.page()
        self.assertIn(self.ticket.reference, html)
        self.assertIn(reverse("desk:ticket", args=[self.ticket.id]), html)
        self.assertIn("あと", html)  # "in N min", in the reader's language

    def test_marking_read_clears_the_count_for_this_agent_only(self):
        mine = Notification.objects.get(recipient=self.agent)
        self.client.post(reverse("desk:notifications_read"), {"id": str(mine.id)})
        mine.refresh_from_db()
        self.assertIsNotNone(mine.read_at)
        queue = self.client.get(reverse("desk:queue")).content.decode()
        self.assertNotIn('title="unread"', queue)
        theirs = Notification.objects.get(recipient=self.teammate)
        self.assertIsNone(theirs.read_at)

    def test_an_agent_cannot_mark_or_see_anothers_notifications(self):
        theirs = Notification.objects.get(recipient=self.teammate)
        response = self.client.post(reverse("desk:notifications_read"), {"id": str(theirs.id)})
        self.assertEqual(response.status_code, 302)
        theirs.refresh_from_db()
        self.assertIsNone(theirs.read_at)
        self.assertEqual(self.page().count("notification-warning"), 1)

    def test_mark_all_and_hostile_ids_change_nothing_they_should_not(self):
        for raw in ("１", "9" * 40, "x", "-1", "1e3"):
            response = self.client.post(reverse("desk:notifications_read"), {"id": raw})
            self.assertEqual(response.status_code, 302)
        self.assertEqual(Notification.objects.filter(read_at__isnull=False).count(), 0)
        self.client.post(reverse("desk:notifications_read"))
        self.assertEqual(Notification.objects.filter(recipient=self.agent, read_at=None).count(), 0)
        self.assertEqual(
            Notification.objects.filter(recipient=self.teammate, read_at=None).count(), 1
        )

    def test_signed_out_visitors_are_sent_to_sign_in(self):
        self.client.logout()
        response = self.client.get(reverse("desk:notifications"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("desk:login"), response["Location"])
