from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from kizuna.api.models import ApiToken
from kizuna.test import PASSWORD, BaseTestCase


class ApiTokenCommandTestCase(BaseTestCase):
    def run_command(self, *args):
        out, err = StringIO(), StringIO()
        call_command("apitoken", *args, stdout=out, stderr=err)
        return out.getvalue().strip(), err.getvalue()

    def test_it_prints_a_working_token_once_and_stores_its_hash(self):
        token, note = self.run_command("sato", "--name", "monitoring")
        self.assertGreaterEqual(len(token), 40)
        self.assertIn("only this once", note)
        row = ApiToken.objects.get(user=self.agent)
        self.assertEqual(row.name, "monitoring")
        self.assertEqual(row.token_hash, ApiToken.hash(token))
        self.assertNotIn(token, row.token_hash)

        r = self.client.get(reverse("api:ticket_list"), HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(r.status_code, 200)

    def test_each_call_makes_a_new_token(self):
        a, _ = self.run_command("sato")
        b, _ = self.run_command("sato")
        self.assertNotEqual(a, b)
        self.assertEqual(ApiToken.objects.filter(user=self.agent).count(), 2)

    def test_it_rejects_an_unknown_user(self):
        with self.assertRaisesMessage(CommandError, "No user named 'nobody'"):
            self.run_command("nobody")
        self.assertEqual(ApiToken.objects.count(), 0)

    def test_it_rejects_a_user_who_is_not_an_agent(self):
        get_user_model().objects.create_user("guest", "guest@example.com", PASSWORD)
        with self.assertRaisesMessage(CommandError, "not an active agent"):
            self.run_command("guest")
        self.assertEqual(ApiToken.objects.count(), 0)
