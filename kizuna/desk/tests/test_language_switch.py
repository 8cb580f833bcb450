from django.urls import reverse

from kizuna.test import BaseTestCase


class LanguageSwitchTests(BaseTestCase):
    def test_each_language_is_offered_in_its_own_name(self):
        html = self.client.get(reverse("desk:login"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        self.assertIn(">English</option>", html)
        self.assertIn(">日本語</option>", html)

    def test_switching_to_japanese_translates_the_desk(self):
        self.client.post(reverse("set_language"), {"language": "ja", "next": "/desk/login/"})
        self.assertContains(self.client.get(reverse("desk:login")), "ログイン")
        self.client.post(reverse("set_language"), {"language": "en", "next": "/desk/login/"})
        self.assertContains(self.client.get(reverse("desk:login")), "Sign in to the desk")
