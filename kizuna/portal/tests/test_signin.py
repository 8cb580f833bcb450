import re
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from kizuna.portal.models import PortalLink
from kizuna.portal.services import token_hash
from kizuna.portal.tests.base import PortalTestCase
from kizuna.throttles.services import throttle_hit

SIGNIN = "/portal/signin/"


class LinkHelpers:
    def request_link(self, email, **extra):
        return self.client.post(SIGNIN, {"email": email}, **extra)

    def mailed_path(self, message=None) -> str:
        body = (message or mail.outbox[-1]).body
        url = re.search(r"https?://\S+", body).group(0)
        self.assertTrue(url.startswith(settings.SITE_URL + "/portal/signin/"))
        return url[len(settings.SITE_URL) :]


class SignInTestCase(LinkHelpers, PortalTestCase):
    def test_it_shows_the_form(self):
        r = self.client.get(SIGNIN)
        self.assertContains(r, 'name="email"')

    def test_it_mails_a_link_to_a_known_contact_in_their_language_and_time_zone(self):
        r = self.request_link("Taro@Yamada.example.jp ")
        self.assertRedirects(r, "/portal/signin/sent/")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["taro@yamada.example.jp"])
        link = PortalLink.objects.get(contact=self.customer)
        # The expiry in Japanese date form and Tokyo time.
        expires = timezone.localtime(link.expires_at, timezone=timezone.get_fixed_timezone(9 * 60))
        self.assertIn(f"{expires.year}年{expires.month}月{expires.day}日", mail.outbox[0].body)
        self.assertIn(f"{expires:%H:%M} (JST)", mail.outbox[0].body)
        self.assertAlmostEqual(
            (link.expires_at - link.created_at).total_seconds(),
            settings.KIZUNA_PORTAL_LINK_MINUTES * 60,
        )

    def test_it_writes_to_an_english_contact_in_english_with_their_zone(self):
        self.request_link("nancy@northwind.example")
        body = mail.outbox[0].body
        self.assertIn("Open this link to sign in", body)
        self.assertRegex(body, r"until \w{3} \d+ \w{3} \d{4}, \d\d:\d\d (GMT|BST)")

    def test_it_stores_only_the_hash_of_the_token(self):
        self.request_link(self.customer.email)
        token = self.mailed_path().rstrip("/").rsplit("/", 1)[1]
        link = PortalLink.objects.get()
        self.assertEqual(link.token_hash, token_hash(token))
        self.assertNotIn(token, link.token_hash)

    def test_it_answers_an_unknown_address_exactly_like_a_known_one(self):
        known = self.request_link(self.customer.email)
        unknown = self.request_link("nobody@example.com")
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(known["Location"], unknown["Location"])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(PortalLink.objects.count(), 1)
        page = self.client.get(known["Location"])
        self.assertContains(page, "If this address belongs to")

    def test_it_sends_nothing_to_a_deactivated_contact(self):
        self.customer.is_active = False
        self.customer.save()
        r = self.request_link(self.customer.email)
        self.assertRedirects(r, "/portal/signin/sent/")
        self.assertEqual(mail.outbox, [])

    def test_it_rejects_an_invalid_address_with_a_field_error(self):
        r = self.request_link("not an address")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'class="errorlist')
        self.assertEqual(mail.outbox, [])

    def test_it_throttles_links_per_address(self):
        for _ in range(5):
            self.assertEqual(
                self.request_link(self.customer.email, REMOTE_ADDR=f"10.0.0.{_}").status_code, 302
            )
        r = self.request_link(self.customer.email, REMOTE_ADDR="10.0.0.99")
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "Too many sign-in links", status_code=429)
        self.assertEqual(len(mail.outbox), 5)

    def test_it_throttles_unknown_addresses_the_same_way(self):
        for _ in range(5):
            self.request_link("nobody@example.com", REMOTE_ADDR=f"10.0.0.{_}")
        r = self.request_link("nobody@example.com", REMOTE_ADDR="10.0.0.99")
        self.assertEqual(r.status_code, 429)

    @override_settings(KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR=3)
    def test_it_throttles_links_per_client_address(self):
        for i in range(3):
            self.request_link(f"someone{i}@example.com", REMOTE_ADDR="192.0.2.7")
        r = self.request_link(self.customer.email, REMOTE_ADDR="192.0.2.7")
        self.assertEqual(r.status_code, 429)
        self.assertEqual(mail.outbox, [])
        # Another client is not affected.
        self.assertEqual(
            self.request_link(self.customer.email, REMOTE_ADDR="192.0.2.8").status_code, 302
        )

    @override_settings(KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR=3, KIZUNA_TRUSTED_PROXIES=["10.0.0.2"])
    def test_behind_a_trusted_proxy_each_client_is_counted_apart(self):
        # Twelve people ask for links through the TLS proxy: none is refused.
        for i in range(12):
            r = self.request_link(
                f"person{i}@example.com",
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
            )
            self.assertEqual(r.status_code, 302)
        # One client asking again and again is, whatever it puts in the header itself.
        for i in range(3):
            self.request_link(
                f"probe{i}@example.com",
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.5",
            )
        r = self.request_link(
            self.customer.email,
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="8.8.8.8, 198.51.100.5",
        )
        self.assertEqual(r.status_code, 429)

    @override_settings(KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR=3)
    def test_a_client_not_behind_a_trusted_proxy_cannot_escape_by_sending_the_header(self):
        for i in range(3):
            self.request_link(
                f"x{i}@example.com",
                REMOTE_ADDR="198.51.100.5",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
            )
        r = self.request_link(
            self.customer.email, REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="203.0.113.77"
        )
        self.assertEqual(r.status_code, 429)

    def test_the_counts_are_shared_by_every_web_process(self):
        # Five requests another process counted (rows in the database, no cache involved).
        for _ in range(5):
            throttle_hit("portal-link-email", self.customer.email, window=timedelta(hours=1))
        r = self.request_link(self.customer.email, REMOTE_ADDR="192.0.2.50")
        self.assertEqual(r.status_code, 429)
        self.assertEqual(mail.outbox, [])

    def test_it_stops_mailing_after_five_stored_links_in_an_hour(self):
        # The stored links are a limit that holds across web processes, whatever the cache says.
        for i in range(5):
            PortalLink.objects.create(
                contact=self.customer,
                token_hash=f"{i:064d}",
                expires_at=timezone.now() + timedelta(minutes=5),
            )
        r = self.request_link(self.customer.email)
        self.assertRedirects(r, "/portal/signin/sent/")
        self.assertEqual(mail.outbox, [])


class LinkTestCase(LinkHelpers, PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.request_link(self.customer.email)
        self.path = self.mailed_path()

    def test_opening_the_link_asks_for_a_click_and_does_not_use_it(self):
        for _ in range(2):  # a mail scanner, then the person
            r = self.client.get(self.path)
            self.assertContains(r, "山田 太郎")
            self.assertContains(r, '<form method="post">')
        self.assertIsNone(PortalLink.objects.get().used_at)
        self.assertNotIn("portal_contact_id", self.client.session)

    def test_it_signs_in_with_a_new_session(self):
        self.client.get(SIGNIN)
        self.client.session.save()
        before = self.client.session.session_key
        r = self.client.post(self.path)
        self.assertRedirects(r, "/portal/")
        session = self.client.session
        self.assertNotEqual(session.session_key, before)
        self.assertEqual(session["portal_contact_id"], self.customer.pk)
        self.assertEqual(session["portal_tz"], "Asia/Tokyo")
        self.assertEqual(r.cookies[settings.LANGUAGE_COOKIE_NAME].value, "ja")
        self.assertIsNotNone(PortalLink.objects.get().used_at)
        home = self.client.get("/portal/")
        self.assertContains(home, self.ticket.reference)
        self.assertContains(home, '<html lang="ja">')

    def test_the_language_switch_still_works_after_sign_in(self):
        self.client.post(self.path)
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
        self.assertContains(self.client.get("/portal/"), '<html lang="en">')

    def test_a_link_works_only_once(self):
        self.client.post(self.path)
        other = self.client_class()
        r = other.post(self.path)
        self.assertContains(r, "This link is no longer valid", status_code=410)
        self.assertContains(r, 'href="/portal/signin/"', status_code=410)
        self.assertNotIn("portal_contact_id", other.session)
        self.assertContains(other.get(self.path), "no longer valid", status_code=410)

    def test_an_expired_link_is_refused(self):
        PortalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assertContains(self.client.get(self.path), "no longer valid", status_code=410)
        r = self.client.post(self.path)
        self.assertContains(r, "no longer valid", status_code=410)
        self.assertNotIn("portal_contact_id", self.client.session)
        self.assertIsNone(PortalLink.objects.get().used_at)

    def test_an_unknown_link_is_refused(self):
        r = self.client.post("/portal/signin/" + "x" * 43 + "/")
        self.assertContains(r, "no longer valid", status_code=410)

    def test_a_deactivated_contact_cannot_sign_in(self):
        self.customer.is_active = False
        self.customer.save()
        r = self.client.post(self.path)
        self.assertEqual(r.status_code, 410)
        self.assertNotIn("portal_contact_id", self.client.session)

    def test_it_returns_to_the_page_that_asked_for_sign_in(self):
        page = f"/portal/tickets/{self.ticket.pk}/"
        r = self.client.get(page)
        self.assertRedirects(r, f"/portal/signin/?next=%2Fportal%2Ftickets%2F{self.ticket.pk}%2F")
        mail.outbox.clear()
        self.client.post(SIGNIN, {"email": self.customer.email, "next": page})
        path = self.mailed_path()
        self.assertContains(self.client.get(path), f'value="{page}"')
        r = self.client.post(path, {"next": page})
        self.assertRedirects(r, page)

    def test_it_ignores_a_next_address_on_another_site(self):
        r = self.client.post(self.path, {"next": "https://evil.example/"})
        self.assertRedirects(r, "/portal/")

    def test_a_deactivated_contact_loses_the_session(self):
        self.client.post(self.path)
        self.customer.is_active = False
        self.customer.save()
        self.assertRedirects(self.client.get("/portal/"), "/portal/signin/?next=%2Fportal%2F")

    def test_sign_out_ends_the_session(self):
        self.client.post(self.path)
        r = self.client.post("/portal/signout/")
        self.assertRedirects(r, "/portal/signin/")
        self.assertNotIn("portal_contact_id", self.client.session)
        self.assertEqual(self.client.get("/portal/").status_code, 302)

    def test_sign_out_needs_a_post(self):
        self.client.post(self.path)
        self.assertEqual(self.client.get("/portal/signout/").status_code, 405)
        self.assertEqual(self.client.session["portal_contact_id"], self.customer.pk)


@override_settings(KIZUNA_PORTAL_LINK_MINUTES=5)
class LinkLifetimeTestCase(PortalTestCase):
    def test_the_lifetime_comes_from_the_setting(self):
        self.client.post(SIGNIN, {"email": self.customer.email})
        link = PortalLink.objects.get()
        self.assertEqual(link.expires_at - link.created_at, timedelta(minutes=5))
