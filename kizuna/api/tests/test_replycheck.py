from kizuna.api.tests.base import ApiTestCase
from kizuna.standards import services as standard
from kizuna.standards.models import CheckOverride
from kizuna.tickets.models import MessageKind

URL = "/api/v1/replycheck"


class ReplyCheckApiTests(ApiTestCase):
    def test_it_returns_findings_with_character_offsets(self):
        text = "ご不便をおかけしております。これはお客様の操作ミスです。"
        r = self.post(URL, {"text": text})
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(body["lang"], "ja")
        blame = next(f for f in body["findings"] if f["rule"] == "ja.blame.customer-mistake")
        self.assertEqual(text[blame["start"] : blame["end"]], blame["text"])
        self.assertEqual(blame["category"], "blame")
        self.assertEqual(blame["principle"], "P3")
        self.assertEqual(blame["severity"], "error")

    def test_a_ticket_applies_its_organizations_standard(self):
        ticket = self.make_ticket()
        standard.rule_setting_set(
            organization=self.org,
            rule_id="ja.blame.customer-mistake",
            enabled=False,
            severity="error",
            actor_user=self.agent,
        )
        r = self.post(URL, {"text": "これはお客様の操作ミスです。", "ticket": ticket.reference})
        self.assertNotIn("ja.blame.customer-mistake", [f["rule"] for f in r.json()["findings"]])

    def test_bad_options_get_a_clear_error(self):
        r = self.post(URL, {"text": "hello", "purpose": "poem"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("purpose", r.json()["detail"])

    def test_it_needs_a_token(self):
        self.assertEqual(self.post(URL, {"text": "x"}, token="").status_code, 401)


class BlockedReplyApiTests(ApiTestCase):
    def test_a_reply_that_breaks_the_standard_is_refused_with_its_findings(self):
        ticket = self.make_ticket()
        url = f"/api/v1/tickets/{ticket.id}/replies"
        r = self.post(url, {"body": "As I already told you, this is your fault."})
        self.assertEqual(r.status_code, 422)
        body = r.json()
        self.assertIn("standard", body["detail"])
        self.assertTrue(
            {"en.blame.told-you", "en.blame.your-fault"} & {f["rule"] for f in body["findings"]}
        )
        self.assertFalse(
            ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
        )

        r = self.post(
            url, {"body": "As I already told you, this is your fault.", "override_check": True}
        )
        self.assertEqual(r.status_code, 201)
        self.assertEqual(CheckOverride.objects.get().user, self.agent)
