"""The desk's search page: found tickets with their snippets, filters, references, bad input."""

from django.urls import reverse

from kizuna.test import BaseTestCase
from kizuna.tickets import services

URL = reverse("desk:search")


class SearchPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket(body="請求書の宛名を<株式会社>に直してください。")

    def page(self, params, **headers) -> str:
        response = self.client.get(URL, params, **headers)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_a_word_in_a_message_finds_the_ticket_with_the_word_marked(self):
        html = self.page({"q": "請求書"})
        self.assertIn(self.ticket.reference, html)
        self.assertIn("<mark>請求書</mark>", html)
        # The customer's text is escaped, never markup.
        self.assertIn("&lt;株式会社&gt;", html)

    def test_typing_asks_for_the_results_only(self):
        html = self.page({"q": "宛名"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results")
        self.assertTrue(html.startswith('<section id="search-results"'))
        self.assertIn(self.ticket.reference, html)

    def test_nothing_found_says_so(self):
        html = self.page({"q": "解約"})
        self.assertIn("No ticket holds all of these words", html)

    def test_a_reference_opens_the_ticket(self):
        response = self.client.get(URL, {"q": self.ticket.reference.lower()})
        self.assertRedirects(response, reverse("desk:ticket", args=[self.ticket.pk]))
        response = self.client.get(URL, {"q": str(self.ticket.pk)})
        self.assertRedirects(response, reverse("desk:ticket", args=[self.ticket.pk]))

    def test_filters_narrow_the_results(self):
        self.assertNotIn(self.ticket.reference, self.page({"q": "請求書", "status": "closed"}))
        self.assertNotIn(
            self.ticket.reference, self.page({"q": "請求書", "organization": self.other_org.pk})
        )
        self.assertNotIn(self.ticket.reference, self.page({"q": "請求書", "assignee": "me"}))
        services.ticket_assign(ticket=self.ticket, actor_user=self.agent, assignee=self.agent)
        self.assertIn(self.ticket.reference, self.page({"q": "請求書", "assignee": "me"}))

    def test_bad_filters_get_a_clear_message(self):
        html = self.page({"q": "請求書", "opened_from": "2026-02-30"})
        self.assertIn("errorlist", html)
        html = self.page({"q": "請求書", "opened_from": "2026-12-02", "opened_to": "2026-12-01"})
        self.assertIn("before its start", html)
        for params in ({"q": "x\x00"}, {"q": "請求書", "organization": "9" * 50}):
            self.assertEqual(self.client.get(URL, params).status_code, 200, params)
        # Bytes that are no UTF-8 at all (a lone surrogate, encoded as a browser would).
        self.assertEqual(self.client.get(URL + "?q=%ED%A0%80%FF").status_code, 200)

    def test_customers_and_strangers_cannot_search(self):
        self.client.logout()
        self.assertEqual(self.client.get(URL, {"q": "請求書"}).status_code, 302)
