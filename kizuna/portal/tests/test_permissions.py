"""Who may open which portal URL. The URLs are read from the URLconf, so a new portal page
cannot be added without saying here who may see it."""

import secrets
from datetime import timedelta

from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from kizuna.closing import links
from kizuna.portal import urls as portal_urls
from kizuna.portal.models import PortalLink
from kizuna.portal.services import token_hash
from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets.models import Attachment, Message
from kizuna.tickets.services import IncomingFile

# Pages anyone may open: signing in must work before one is signed in.
PUBLIC = {"signin", "signin_sent", "signin_link", "feedback"}

# How each URL is exercised: method and form data. POST-only views get a valid POST.
REQUESTS = {
    "home": ("get", {}),
    "signin": ("get", {}),
    "signin_sent": ("get", {}),
    "signin_link": ("get", {}),
    # The signed link of a resolution: it needs no sign-in, and opens only its own request.
    "feedback": ("get", {}),
    "signout": ("post", {}),
    "new": (
        "post",
        {"subject": "権限テスト", "what_happened": "確認", "impact": "1名", "urgency": "question"},
    ),
    "ticket": ("get", {}),
    "reply": ("post", {"body": "権限テストの返信"}),
    "attachment": ("get", {}),
}


class PermissionMatrixTestCase(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket(
            files=[IncomingFile(name="ログ.txt", content_type="text/plain", data=b"log")]
        )
        self.attachment = Attachment.objects.get()
        self.patterns = [p for p in portal_urls.urlpatterns if isinstance(p, URLPattern)]

    def url_for(self, pattern: URLPattern) -> str:
        kwargs = {}
        for name in pattern.pattern.converters:
            if name == "ticket_id":
                kwargs[name] = self.ticket.pk
            elif name == "attachment_id":
                kwargs[name] = self.attachment.pk
            elif name == "token" and pattern.name == "feedback":
                resolved = self.resolve(self.make_ticket(subject="解決済み"))
                kwargs[name] = links.make_token(resolved.pk, 1)
            elif name == "token":
                token = secrets.token_urlsafe(32)
                PortalLink.objects.create(
                    contact=self.customer,
                    token_hash=token_hash(token),
                    expires_at=timezone.now() + timedelta(minutes=5),
                )
                kwargs[name] = token
            else:
                self.fail(f"Tell the permission matrix how to fill <{name}> in {pattern.pattern}")
        return reverse(f"portal:{pattern.name}", kwargs=kwargs)

    def call(self, client: Client, pattern: URLPattern, **extra):
        method, data = REQUESTS[pattern.name]
        return getattr(client, method)(self.url_for(pattern), data, **extra)

    def assertSignedInPage(self, response, pattern):
        """A 200 that is really the page, not the sign-in form reached by a redirect."""
        final = response.request["PATH_INFO"]
        if pattern.name == "signout":
            self.assertEqual(final, reverse("portal:signin"))
        elif pattern.name not in PUBLIC:
            self.assertFalse(final.startswith("/portal/signin/"), final)

    def test_every_portal_url_is_in_the_matrix(self):
        names = [p.name for p in self.patterns]
        self.assertTrue(all(names), "every portal URL needs a name")
        self.assertEqual(len(self.patterns), len(portal_urls.urlpatterns), "no nested includes")
        self.assertEqual(set(names), set(REQUESTS))

    def test_anonymous_visitors_are_sent_to_sign_in_except_on_the_sign_in_pages(self):
        for pattern in self.patterns:
            with self.subTest(url=pattern.name):
                if pattern.name in PUBLIC:
                    self.assertEqual(self.call(self.client, pattern).status_code, 200)
                    continue
                for method in ("get", "post"):
                    r = getattr(self.client, method)(
                        self.url_for(pattern), REQUESTS[pattern.name][1]
                    )
                    self.assertEqual(r.status_code, 302, method)
                    self.assertTrue(r["Location"].startswith("/portal/signin/"), r["Location"])
        self.assertEqual(Message.objects.filter(body="権限テストの返信").count(), 0)

    def test_a_contact_of_another_organization_gets_not_found_for_ticket_urls(self):
        self.sign_in(self.outsider)
        for pattern in self.patterns:
            with self.subTest(url=pattern.name):
                r = self.call(self.client, pattern, follow=True)
                if {"ticket_id", "attachment_id"} & set(pattern.pattern.converters):
                    self.assertEqual(r.status_code, 404)
                else:
                    self.assertEqual(r.status_code, 200)
                    self.assertNotContains(r, self.ticket.reference)
                    self.assertSignedInPage(r, pattern)
                if pattern.name == "signout":
                    self.sign_in(self.outsider)
        self.assertEqual(Message.objects.filter(body="権限テストの返信").count(), 0)

    def test_a_contact_of_the_right_organization_may_open_every_url(self):
        for pattern in self.patterns:
            with self.subTest(url=pattern.name):
                self.sign_in()
                r = self.call(self.client, pattern, follow=True)
                self.assertEqual(r.status_code, 200)
                self.assertSignedInPage(r, pattern)
        self.assertEqual(Message.objects.filter(body="権限テストの返信").count(), 1)


class CsrfTestCase(PortalTestCase):
    def test_a_post_without_a_csrf_token_is_rejected(self):
        ticket = self.make_ticket()
        client = Client(enforce_csrf_checks=True)
        self.sign_in(client=client)
        before = ticket.messages.count()
        r = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "CSRFなし"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(ticket.messages.count(), before)
        r = client.post("/portal/signin/", {"email": self.customer.email})
        self.assertEqual(r.status_code, 403)

    def test_a_post_with_the_token_from_the_page_is_accepted(self):
        ticket = self.make_ticket()
        client = Client(enforce_csrf_checks=True)
        self.sign_in(client=client)
        page = client.get(f"/portal/tickets/{ticket.pk}/")
        token = page.context["csrf_token"]
        r = client.post(
            f"/portal/tickets/{ticket.pk}/reply/",
            {"body": "CSRFあり", "csrfmiddlewaretoken": token},
        )
        self.assertEqual(r.status_code, 302)
        self.assertTrue(ticket.messages.filter(body="CSRFあり").exists())
