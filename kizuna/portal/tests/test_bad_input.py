"""The portal never fails on what a form or an address may hold, and changes nothing."""

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets.models import Message, Ticket

HUGE = "99999999999999999999999"


class PortalBadInputTestCase(PortalTestCase):
    def answers(self, **overrides):
        return {
            "subject": "プリンターで印刷できない",
            "what_happened": "今朝から印刷が始まりません。",
            "impact": "営業部10名",
            "urgency": "hard",
            **overrides,
        }

    def test_nul_in_a_request_is_refused_at_its_field(self):
        self.sign_in()
        for field in ["subject", "what_happened"]:
            with self.subTest(field=field):
                r = self.client.post("/portal/new/", self.answers(**{field: "印刷\x00できない"}))
                self.assertContains(r, "Null characters are not allowed")
        self.assertFalse(Ticket.objects.exists())

    def test_a_subject_that_shows_nothing_is_refused(self):
        self.sign_in()
        r = self.client.post("/portal/new/", self.answers(subject="\u200b\u2060\ufeff"))
        self.assertContains(r, "needs a subject")
        self.assertFalse(Ticket.objects.exists())

    def test_nul_in_a_reply_is_refused(self):
        ticket = self.make_ticket()
        before = Message.objects.count()
        self.sign_in()
        r = self.client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "確認\x00しました"})
        self.assertContains(r, "Null characters are not allowed")
        self.assertEqual(Message.objects.count(), before)

    def test_huge_or_foreign_ids_in_addresses_are_not_found(self):
        ticket = self.make_ticket()
        self.sign_in()
        for url in [
            f"/portal/tickets/{HUGE}/",
            f"/portal/tickets/{ticket.pk}/files/{HUGE}/",
            "/portal/tickets/%C2%B3/",
            "/portal/tickets/%EF%BC%91/",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
