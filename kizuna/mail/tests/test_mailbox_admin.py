"""Administrators set up IMAP mailboxes in the admin; the password never goes back to a browser."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from kizuna.mail.models import Mailbox
from kizuna.test import PASSWORD, BaseTestCase


class MailboxAdminTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        admin = get_user_model().objects.create_superuser("root", "root@kizuna.example", PASSWORD)
        self.client.force_login(admin)
        self.mailbox = Mailbox.objects.create(
            name="support", address="support@kizuna.example", host="imap.kizuna.example",
            username="support", password="s3cret-imap-pass", team=self.team,
        )  # fmt: skip
        self.url = reverse("admin:mail_mailbox_change", args=[self.mailbox.pk])

    def form_data(self, **changes):
        data = {
            "name": "support", "address": "support@kizuna.example", "team": self.team.pk,
            "host": "imap.kizuna.example", "port": 993, "security": "tls",
            "username": "support", "password": "", "folder": "INBOX",
            "processed_folder": "Kizuna/Processed", "active": "on",
        }  # fmt: skip
        data.update(changes)
        return data

    def test_the_change_page_never_shows_the_password(self):
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "s3cret-imap-pass")

    def test_saving_without_a_password_keeps_the_current_one(self):
        response = self.client.post(self.url, self.form_data(folder="Support"))
        self.assertEqual(response.status_code, 302)
        self.mailbox.refresh_from_db()
        self.assertEqual(self.mailbox.folder, "Support")
        self.assertEqual(self.mailbox.imap_password(), "s3cret-imap-pass")

    def test_a_new_password_replaces_the_old_one_and_is_stored_sealed(self):
        self.client.post(self.url, self.form_data(password="n3w-pass"))
        self.mailbox.refresh_from_db()
        self.assertNotIn("n3w-pass", self.mailbox.password)
        self.assertEqual(self.mailbox.imap_password(), "n3w-pass")
        # Saved again without a password: the sealed one stays.
        self.client.post(self.url, self.form_data(folder="Support"))
        self.mailbox.refresh_from_db()
        self.assertEqual(self.mailbox.imap_password(), "n3w-pass")
