"""Saved queue views: an agent names the current filters and gets them back in one click."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kizuna.desk.models import SavedView
from kizuna.desk.saved_views import MAX_VIEWS
from kizuna.test import BaseTestCase
from kizuna.tickets.models import Ticket


class SavedViewTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)

    def save(self, name, back):
        return self.client.post(reverse("desk:view_save"), {"name": name, "back": back})

    def test_a_saved_view_comes_back_with_its_filters(self):
        response = self.save("  Mine,   due today ", "assignee=me&due=today&page=3&evil=1")
        view = SavedView.objects.get()
        self.assertEqual(view.name, "Mine, due today")
        self.assertEqual(view.query, "assignee=me&due=today")
        self.assertRedirects(
            response,
            reverse("desk:queue") + "?assignee=me&due=today",
            fetch_redirect_response=False,
        )
        page = self.client.get(reverse("desk:queue")).content.decode()
        self.assertIn('href="/desk/?assignee=me&amp;due=today">Mine, due today</a>', page)

    def test_due_today_keeps_what_falls_due_before_the_day_ends(self):
        soon = self.make_ticket(subject="今日中")
        later = self.make_ticket(subject="来週")
        Ticket.objects.filter(pk=later.pk).update(next_due=timezone.now() + timedelta(days=8))
        Ticket.objects.filter(pk=soon.pk).update(next_due=timezone.now() - timedelta(minutes=5))
        page = self.client.get(reverse("desk:queue"), {"due": "today"}).content.decode()
        self.assertIn(soon.reference, page)
        self.assertNotIn(later.reference, page)

    def test_the_same_name_replaces_and_names_are_checked(self):
        self.save("Urgent", "status=new")
        self.save("Urgent", "status=investigating")
        self.assertEqual(SavedView.objects.get().query, "status=investigating")
        for name, text in [
            ("", "Give the view a name"),
            ("x" * 61, "at most 60"),
            ("a\x00b", "NUL"),
        ]:
            response = self.save(name, "")
            self.assertEqual(response.status_code, 400, name)
            self.assertIn(text, response.content.decode())
        self.assertEqual(SavedView.objects.count(), 1)

    def test_at_most_twenty_views(self):
        for i in range(MAX_VIEWS):
            self.save(f"v{i}", "")
        response = self.save("one more", "")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(SavedView.objects.count(), MAX_VIEWS)

    def test_views_are_each_agents_own(self):
        self.save("自分の担当", "assignee=me")
        self.client.get(reverse("desk:queue"))  # shows (and so clears) the "saved" message
        view = SavedView.objects.get()
        self.client.force_login(self.teammate)
        self.assertNotIn("自分の担当", self.client.get(reverse("desk:queue")).content.decode())
        response = self.client.post(reverse("desk:view_delete", args=[view.pk]))
        self.assertEqual(response.status_code, 404)
        self.client.force_login(self.agent)
        self.client.post(reverse("desk:view_delete", args=[view.pk]))
        self.assertFalse(SavedView.objects.exists())

    def test_only_agents_save_views(self):
        self.client.logout()
        self.assertEqual(self.save("x", "").status_code, 302)
        self.assertFalse(SavedView.objects.exists())
