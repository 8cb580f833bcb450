"""Each agent edits their own signature, per language; bad input changes nothing."""

from __future__ import annotations

from django.urls import reverse

from kizuna.test import BaseTestCase


class SignaturePageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.url = reverse("desk:signature")

    def profile(self):
        self.agent.agent_profile.refresh_from_db()
        return self.agent.agent_profile

    def test_the_agent_saves_a_signature_in_each_language(self):
        page = self.client.get(reverse("desk:queue")).content.decode()
        self.assertIn(f'href="{self.url}"', page)  # reached from the agent's own name
        r = self.client.post(
            self.url, {"signature_ja": "  佐藤 健\nホスティング窓口  ", "signature_en": "Ken Sato"}
        )
        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        self.assertEqual(self.profile().signature_ja, "佐藤 健\nホスティング窓口")
        self.assertEqual(self.profile().signature_en, "Ken Sato")
        self.assertContains(self.client.get(self.url), "Ken Sato")

    def test_bad_signatures_are_refused_with_a_reason_and_change_nothing(self):
        self.client.post(self.url, {"signature_ja": "佐藤", "signature_en": "Sato"})
        cases = [
            ({"signature_ja": "佐藤\x00", "signature_en": ""}, "Null characters"),
            ({"signature_ja": "\n".join(["行"] * 11), "signature_en": ""}, "at most 10 lines"),
            ({"signature_ja": "あ" * 1001, "signature_en": ""}, "1000"),
            ({"signature_ja": "", "signature_en": "Sato \x07"}, "control character U+0007"),
        ]
        for data, reason in cases:
            r = self.client.post(self.url, data)
            self.assertEqual(r.status_code, 400, reason)
            self.assertIn(reason, r.content.decode())
            self.assertEqual(self.profile().signature_ja, "佐藤")
            self.assertEqual(self.profile().signature_en, "Sato")

    def test_customers_and_strangers_cannot_open_it(self):
        self.client.logout()
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/desk/login/", r["Location"])
