import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from kizuna.api.auth import forget_tokens
from kizuna.api.models import ApiToken
from kizuna.api.tests.base import ApiTestCase, make_token
from kizuna.portal.auth import SESSION_KEY
from kizuna.test import PASSWORD


class TokenAuthTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ticket = self.make_ticket()
        ref = self.ticket.reference
        org, contact = self.org.id, self.customer.id
        # Every API URL but the OpenAPI document, with the method that uses it.
        self.urls = [
            ("get", reverse("api:ticket_list")),
            ("post", reverse("api:ticket_list")),
            ("get", reverse("api:ticket_detail", args=[ref])),
            ("post", reverse("api:ticket_transition", args=[ref])),
            ("post", reverse("api:ticket_assign", args=[ref])),
            ("get", reverse("api:message_list", args=[ref])),
            ("post", reverse("api:message_reply", args=[ref])),
            ("post", reverse("api:message_note", args=[ref])),
            ("get", reverse("api:organization_list")),
            ("post", reverse("api:organization_list")),
            ("get", reverse("api:organization_detail", args=[org])),
            ("get", reverse("api:contact_list")),
            ("post", reverse("api:contact_list")),
            ("get", reverse("api:contact_detail", args=[contact])),
            ("patch", reverse("api:contact_detail", args=[contact])),
            ("post", reverse("api:replycheck")),
            ("get", reverse("api:attachment_download", args=[1])),
            ("get", reverse("api:report_service_levels")),
            ("get", reverse("api:report_satisfaction")),
            ("get", reverse("api:search")),
        ]

    def test_the_list_covers_every_operation_of_the_openapi_document(self):
        paths = self.client.get("/api/v1/openapi.json").json()["paths"]
        documented = {(m, p) for p, ops in paths.items() for m in ops}
        listed = {(m, re.sub(r"/(KZ-\d+|\d+)(?=/|$)", "/{x}", u)) for m, u in self.urls}
        normalised = {(m, re.sub(r"\{[^}]+\}", "{x}", p)) for m, p in documented}
        self.assertEqual(normalised, listed)

    def _call(self, method, url, **headers):
        if method == "get":
            return self.client.get(url, **headers)
        return getattr(self.client, method)(url, "{}", content_type="application/json", **headers)

    def test_it_works_with_a_token(self):
        r = self.get(reverse("api:ticket_detail", args=[self.ticket.reference]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["reference"], self.ticket.reference)

    def test_every_url_requires_a_token(self):
        for method, url in self.urls:
            with self.subTest(method=method, url=url):
                r = self._call(method, url)
                self.assertEqual(r.status_code, 401)
                self.assertIn("Authorization: Bearer", r.json()["detail"])
                self.assertEqual(r["WWW-Authenticate"], "Bearer")

    def test_every_url_rejects_a_bad_token(self):
        for method, url in self.urls:
            with self.subTest(method=method, url=url):
                r = self._call(method, url, HTTP_AUTHORIZATION="Bearer not-a-token")
                self.assertEqual(r.status_code, 401)
                self.assertIn("not valid", r.json()["detail"])

    def test_every_url_rejects_another_scheme(self):
        for method, url in self.urls:
            with self.subTest(method=method, url=url):
                r = self._call(method, url, HTTP_AUTHORIZATION=f"Token {self.token}")
                self.assertEqual(r.status_code, 401)

    def test_a_session_cookie_does_not_authenticate(self):
        self.client.force_login(self.agent)
        r = self.client.post(
            reverse("api:message_note", args=[self.ticket.reference]),
            '{"body": "via cookie"}',
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 401)
        self.assertFalse(self.ticket.messages.filter(body="via cookie").exists())

    def test_a_signed_in_portal_contact_gets_nothing_from_any_url(self):
        # Contacts of the right organization and of another one alike: the API is for agents.
        for contact in (self.customer, self.outsider):
            session = self.client.session
            session[SESSION_KEY] = contact.pk
            session.save()
            for method, url in self.urls:
                with self.subTest(contact=contact.email, method=method, url=url):
                    r = self._call(method, url)
                    self.assertEqual(r.status_code, 401)
                    self.assertNotIn(self.ticket.subject, r.content.decode())

    def test_a_token_of_a_user_who_is_no_longer_an_agent_is_refused(self):
        self.agent.is_active = False
        self.agent.save(update_fields=["is_active"])
        r = self.get(reverse("api:ticket_list"))
        self.assertEqual(r.status_code, 401)

    def test_a_token_stored_for_a_non_agent_is_refused(self):
        plain = get_user_model().objects.create_user("guest", "guest@example.com", PASSWORD)
        token = make_token(plain)
        r = self.get(reverse("api:ticket_list"), token=token)
        self.assertEqual(r.status_code, 401)

    def test_it_records_last_use_at_most_once_a_minute(self):
        url = reverse("api:ticket_list")
        self.get(url)
        row = ApiToken.objects.get(user=self.agent)
        first = row.last_used_at
        self.assertIsNotNone(first)
        self.get(url)
        row.refresh_from_db()
        self.assertEqual(row.last_used_at, first)

        ApiToken.objects.filter(pk=row.pk).update(
            last_used_at=timezone.now() - timedelta(minutes=2)
        )
        forget_tokens()  # as if the process's memory of the token had run out
        self.get(url)
        row.refresh_from_db()
        self.assertGreater(row.last_used_at, first)

    def test_only_the_hash_is_stored(self):
        row = ApiToken.objects.get(user=self.agent)
        self.assertNotEqual(row.token_hash, self.token)
        self.assertEqual(row.token_hash, ApiToken.hash(self.token))


class TokenCacheTests(ApiTestCase):
    def test_a_deleted_token_is_refused_at_once(self):
        self.assertEqual(self.get("/api/v1/tickets").status_code, 200)
        ApiToken.objects.all().delete()
        self.assertEqual(self.get("/api/v1/tickets").status_code, 401)

    def test_a_deactivated_agent_is_refused_at_once(self):
        self.assertEqual(self.get("/api/v1/tickets").status_code, 200)
        self.agent.is_active = False
        self.agent.save()
        self.assertEqual(self.get("/api/v1/tickets").status_code, 401)
