"""Every answer under /api/v1/ is JSON, and only an exact number or reference names a ticket."""

from kizuna.api.tests.base import ApiTestCase


class NotFoundTestCase(ApiTestCase):
    def assert_json_error(self, r, status):
        self.assertEqual(r.status_code, status, r.content)
        self.assertTrue(r["Content-Type"].startswith("application/json"), r["Content-Type"])
        self.assertTrue(r.json()["detail"])
        return r.json()

    def test_unknown_addresses_answer_json_404(self):
        for url in [
            "/api/v1/",
            "/api/v1/nothing",
            "/api/v1/tickets/1/nothing",
            "/api/v1/contacts/abc",
            "/api/v1/organizations/-1",
            "/api/v1/attachments/１",
            "/api/v1/tickets/",
            "/api/v1/contacts/5%0A",  # a line break after the id
            "/api/v1/nothing%0A",
        ]:
            with self.subTest(url=url):
                body = self.assert_json_error(self.get(url), 404)
                self.assertIn("openapi.json", body["detail"])
        # Without a token too, and for a write: never an HTML page or a CSRF refusal.
        self.assert_json_error(self.client.get("/api/v1/nothing"), 404)
        self.assert_json_error(self.post("/api/v1/nothing", {"a": 1}, token=""), 404)

    def test_a_method_a_route_does_not_offer_answers_json_405(self):
        r = self.client.delete("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {self.token}")
        body = self.assert_json_error(r, 405)
        self.assertIn("DELETE", body["detail"])
        self.assertEqual(set(r["Allow"].split(", ")), {"GET", "POST"})
        self.assert_json_error(self.patch("/api/v1/tickets/1", {}), 405)

    def test_only_an_exact_number_or_reference_names_a_ticket(self):
        first = self.make_ticket()
        for _ in range(11):
            self.make_ticket()
        self.assertEqual(self.get(f"/api/v1/tickets/{first.id}").json()["id"], first.id)
        for text in [
            "%20%201",  # spaces around the number
            "1%20",
            "%EF%BC%91",  # full-width 1
            "%EF%BC%91%EF%BC%92",  # full-width 12
            "%C2%B3",  # superscript three
            "%E2%91%A0",  # circled one
            "+1",
            "-1",
            "0",
            "1.0",
            "KZ-%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%91",  # KZ- in full-width
            "see%20KZ-000001",
            "KZ-000001x",
        ]:
            with self.subTest(text=text):
                for suffix in ["", "/messages"]:
                    body = self.assert_json_error(self.get(f"/api/v1/tickets/{text}{suffix}"), 404)
                    self.assertIn("No ticket", body["detail"])
