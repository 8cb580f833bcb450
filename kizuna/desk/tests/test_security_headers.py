"""Content-Security-Policy and Cache-Control on desk, portal, API and download responses
(docs/configuration.md, "HTTP headers")."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from kizuna.api.tests.base import make_token
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import InboundMail
from kizuna.mail.tests.builders import make_mail
from kizuna.portal.tests.base import PortalTestCase
from kizuna.test import PASSWORD
from kizuna.tickets.models import Attachment
from kizuna.tickets.services import IncomingFile


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


class SecurityHeadersTests(PortalTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.ticket = self.make_ticket(
            files=[
                # A type a browser would render: it must come as an inert file all the same.
                IncomingFile(
                    name="report.html",
                    content_type="text/html",
                    data=b"<script>document.title='x'</script>",
                )
            ]
        )
        self.attachment = Attachment.objects.get()

    # --- what every kind of response must carry ---------------------------------------------

    def assert_no_store(self, response):
        self.assertIn("no-store", response.get("Cache-Control", ""), response.get("Content-Type"))

    def assert_page(self, response, status=200):
        self.assertEqual(response.status_code, status, response.content[:200])
        policy = directives(response)
        scripts = policy.get("script-src", policy.get("default-src"))
        self.assertIsNotNone(scripts)
        self.assertNotIn("'unsafe-inline'", scripts)
        self.assertNotIn("'unsafe-eval'", scripts)
        self.assertNotIn("*", scripts)
        self.assertNotIn("'unsafe-inline'", policy.get("style-src", policy.get("default-src")))
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        self.assertEqual(policy["base-uri"], ["'none'"])
        self.assertEqual(policy["form-action"], ["'self'"])
        self.assertEqual(policy["object-src"], ["'none'"])
        self.assert_no_store(response)

    def assert_inert(self, response):
        """A file or data: sandboxed, allowed to load nothing, never cached."""
        policy = directives(response)
        self.assertIn("sandbox", policy)
        self.assertEqual(policy["sandbox"], [])  # no allow-scripts, no allow-same-origin
        self.assertEqual(policy["default-src"], ["'none'"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assert_no_store(response)

    # --- desk -----------------------------------------------------------------------------

    def test_desk_pages(self):
        self.assert_page(self.client.get(reverse("desk:login")))
        self.agent.is_staff = True  # the standard's page is for managers
        self.agent.save()
        self.client.force_login(self.agent)
        for url in (
            reverse("desk:queue"),
            reverse("desk:ticket", args=[self.ticket.pk]),
            reverse("desk:standard"),
        ):
            with self.subTest(url=url):
                self.assert_page(self.client.get(url))

    def test_desk_htmx_fragments_and_redirects(self):
        self.client.force_login(self.agent)
        fragment = self.client.post(
            reverse("desk:check", args=[self.ticket.pk]),
            {"body": "確認します。"},
            HTTP_HX_REQUEST="true",
        )
        self.assert_page(fragment)
        self.assert_page(self.client.get("/desk"), 301)  # the slash is added by a redirect

    def test_a_failed_sign_in_and_a_csrf_failure_are_covered_too(self):
        failed = self.client.post(reverse("desk:login"), {"username": "sato", "password": "wrong"})
        self.assert_page(failed)  # the form again, with its error
        strict = self.client_class(enforce_csrf_checks=True)
        refused = strict.post(reverse("desk:login"), {"username": "sato", "password": PASSWORD})
        self.assertEqual(refused.status_code, 403)
        self.assertIn("frame-ancestors", refused["Content-Security-Policy"])
        self.assert_no_store(refused)

    def test_rendered_pages_carry_no_inline_script(self):
        self.client.force_login(self.agent)
        html = self.client.get(reverse("desk:ticket", args=[self.ticket.pk])).content.decode()
        for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
            self.assertIn("src=", attrs)
            self.assertEqual(body.strip(), "")
        self.assertIn('name="htmx-config"', html)
        self.assertIn("includeIndicatorStyles", html)
        self.assertNotRegex(html, r"\son[a-z]+=")

    # --- portal ---------------------------------------------------------------------------

    def test_portal_pages(self):
        self.assert_page(self.client.get(reverse("portal:signin")))
        self.sign_in()
        for url in (
            reverse("portal:home"),
            reverse("portal:new"),
            reverse("portal:ticket", args=[self.ticket.pk]),
        ):
            with self.subTest(url=url):
                self.assert_page(self.client.get(url))

    # --- API ------------------------------------------------------------------------------

    def test_api_responses(self):
        token = make_token(self.agent)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for url in ("/api/v1/tickets", "/api/v1/openapi.json", f"/api/v1/tickets/{self.ticket.pk}"):
            with self.subTest(url=url):
                response = self.client.get(url, **auth)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response["Content-Type"].startswith("application/json"))
                self.assert_inert(response)
        refused = self.client.get("/api/v1/tickets")
        self.assertEqual(refused.status_code, 401)
        self.assert_inert(refused)

    # --- downloads ------------------------------------------------------------------------

    def test_desk_download(self):
        self.client.force_login(self.agent)
        response = self.client.get(reverse("desk:attachment", args=[self.attachment.pk]))
        self.assertEqual(response.status_code, 200)
        self.assert_inert(response)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))

    def test_portal_download(self):
        self.sign_in()
        response = self.client.get(
            reverse("portal:attachment", args=[self.ticket.pk, self.attachment.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assert_inert(response)

    def test_api_download(self):
        token = make_token(self.agent)
        response = self.client.get(
            f"/api/v1/attachments/{self.attachment.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assert_inert(response)

    def test_original_mail_download(self):
        admin = get_user_model().objects.create_user(
            "admin", "admin@kizuna.example", PASSWORD, is_staff=True
        )
        ingest_raw(make_mail(sender="new@unknown.example"), source="test")
        inbound = InboundMail.objects.get(from_address="new@unknown.example")
        self.client.force_login(admin)
        self.assert_page(self.client.get(reverse("mail:inbound_detail", args=[inbound.pk])))
        response = self.client.get(reverse("mail:inbound_raw", args=[inbound.pk]))
        self.assertEqual(response.status_code, 200)
        self.assert_inert(response)

    # --- elsewhere ------------------------------------------------------------------------

    def test_admin_and_health_and_not_found(self):
        self.assert_page(self.client.get("/admin/login/"))
        self.assert_page(self.client.get("/admin/"), 302)
        self.assert_inert(self.client.get("/healthz"))
        missing = self.client.get("/desk/no-such-page/")
        self.assertEqual(missing.status_code, 404)
        self.assertIn("frame-ancestors 'none'", missing["Content-Security-Policy"])
        self.assert_no_store(missing)

    def test_static_files_keep_their_caching(self):
        response = self.client.get("/static/kizuna/kizuna.css")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("no-store", response.get("Cache-Control", ""))
        script = self.client.get("/static/kizuna/kizuna.js")
        self.assertEqual(script.status_code, 200)
