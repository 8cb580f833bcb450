"""Managers write the team's sample letters in the desk: every problem of a template is shown
when it is saved (with its line), a saved letter previews on realistic values with what the
reply checker finds, and agents use it at once."""

from __future__ import annotations

import html

from django.contrib.auth import get_user_model
from django.urls import reverse

from kizuna.letters.models import Letter
from kizuna.letters.services import builtin_letter, builtins_install
from kizuna.test import PASSWORD, BaseTestCase


class LetterPagesTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        builtins_install()
        self.manager = get_user_model().objects.create_user(
            "mori", "mori@kizuna.example", PASSWORD, is_staff=True
        )
        self.client.force_login(self.manager)

    def form(self, **changes):
        data = {
            "name": "メンテナンスのお知らせ",
            "language": "ja",
            "purpose": "update",
            "body": "{{ contact_name }}{{ honorific }}\n\n{{ reference }}について、[[作業内容]]を行います。",
            "is_active": "on",
        }
        data.update(changes)
        return data

    def test_agents_who_are_not_managers_get_nothing(self):
        self.client.force_login(self.agent)
        letter = Letter.objects.first()
        for url in (
            reverse("desk:letters"),
            reverse("desk:letter_new"),
            reverse("desk:letter_edit", args=[letter.id]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        r = self.client.post(reverse("desk:letter_new"), self.form())
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Letter.objects.filter(name="メンテナンスのお知らせ").exists())

    def test_the_list_shows_the_built_in_letters(self):
        page = self.client.get(reverse("desk:letters")).content.decode()
        self.assertIn("解決のご報告", page)
        self.assertIn("Resolution report", page)

    def test_a_new_letter_is_saved_and_previewed(self):
        r = self.client.post(reverse("desk:letter_new"), self.form())
        letter = Letter.objects.get(name="メンテナンスのお知らせ")
        self.assertRedirects(r, reverse("desk:letter_edit", args=[letter.id]))
        page = self.client.get(r.url).content.decode()
        self.assertIn('id="letter-preview"', page)
        self.assertIn("山田 花子様", page)  # the preview's sample contact

    def test_save_time_errors_are_listed_with_their_lines_and_nothing_is_saved(self):
        body = (
            "{{ contact_name }}様\n{{ contact_name.__class__ }}\n{{ ticket_id }}\n{% for x in y %}"
        )
        r = self.client.post(reverse("desk:letter_new"), self.form(body=body))
        self.assertEqual(r.status_code, 400)
        page = html.unescape(r.content.decode())
        self.assertIn('id="letter-problems"', page)
        self.assertIn("syntax error", page)
        r = self.client.post(
            reverse("desk:letter_new"),
            self.form(body="{{ contact_name }}様\n{{ contact_name.__class__ }}\n{{ ticket_id }}"),
        )
        page = html.unescape(r.content.decode())
        self.assertIn("Line 2", page)
        self.assertIn("attribute", page)
        self.assertIn("Line 3", page)
        self.assertIn("ticket_id", page)
        self.assertFalse(Letter.objects.filter(name="メンテナンスのお知らせ").exists())

    def test_a_manager_edits_resets_and_deletes_a_built_in_letter(self):
        letter = Letter.objects.get(builtin="ja.update")
        url = reverse("desk:letter_edit", args=[letter.id])
        self.client.post(
            url, self.form(name=letter.name, body="{{ reference }} 経過", is_default="on")
        )
        letter.refresh_from_db()
        self.assertEqual(letter.body, "{{ reference }} 経過")
        self.assertEqual(letter.updated_by, self.manager)
        self.client.post(url, {"reset": "1"})
        letter.refresh_from_db()
        self.assertEqual(letter.body, builtin_letter("update", "ja").body)
        self.client.post(url, {"delete": "1"})
        self.assertFalse(Letter.objects.filter(pk=letter.pk).exists())
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_huge_or_strange_id_is_a_plain_404(self):
        for letter_id in ("99999999999999999999", "１", "abc"):
            r = self.client.get(f"/desk/letters/{letter_id}/")
            self.assertEqual(r.status_code, 404, letter_id)
