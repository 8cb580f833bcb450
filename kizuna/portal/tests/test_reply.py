from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets.models import Attachment, Message, Ticket


class ReplyTestCase(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/portal/tickets/{self.ticket.pk}/reply/"
        self.page = f"/portal/tickets/{self.ticket.pk}/"
        self.sign_in()

    def test_it_adds_the_message_with_attachments(self):
        files = [
            SimpleUploadedFile("エラー画面.png", b"\x89PNG fake", content_type="image/png"),
            SimpleUploadedFile("log.txt", b"550 relay denied", content_type="text/plain"),
        ]
        r = self.client.post(self.url, {"body": "エラー画面を添付します。", "attachments": files})
        self.assertRedirects(r, self.page + "#latest", fetch_redirect_response=False)
        msg = Message.objects.filter(ticket=self.ticket, kind="inbound").latest("id")
        self.assertEqual(msg.body, "エラー画面を添付します。")
        self.assertEqual(msg.author_contact_id, self.customer.pk)
        self.assertEqual(
            sorted(a.filename for a in msg.attachments.all()), ["log.txt", "エラー画面.png"]
        )
        page = self.client.get(self.page)
        self.assertContains(page, "エラー画面を添付します。")
        self.assertContains(page, "エラー画面.png")
        self.assertContains(page, "Your message has been sent")

    def test_with_htmx_it_returns_the_updated_ticket_in_place(self):
        r = self.client.post(self.url, {"body": "追加の情報です。"}, HTTP_HX_REQUEST="true")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<div id="ticket-main">')
        self.assertNotContains(r, "<html")
        self.assertContains(r, "追加の情報です。")
        self.assertContains(r, "Your message has been sent")

    @override_settings(KIZUNA_MAX_ATTACHMENT_BYTES=1024)
    def test_it_refuses_an_oversized_attachment_and_saves_nothing(self):
        before = Message.objects.count()
        big = SimpleUploadedFile("巨大なログ.txt", b"x" * 2048, content_type="text/plain")
        r = self.client.post(self.url, {"body": "ログです。", "attachments": [big]})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "巨大なログ.txt")
        self.assertContains(r, "attachments may be at most")
        self.assertContains(r, "ログです。")  # what they wrote is kept
        self.assertEqual(Message.objects.count(), before)
        self.assertEqual(Attachment.objects.count(), 0)

    @override_settings(KIZUNA_MAX_ATTACHMENT_BYTES=1024)
    def test_with_htmx_an_oversized_attachment_is_refused_in_place(self):
        big = SimpleUploadedFile("big.bin", b"x" * 2048)
        r = self.client.post(
            self.url, {"body": "ログです。", "attachments": [big]}, HTTP_HX_REQUEST="true"
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "attachments may be at most")
        self.assertEqual(Attachment.objects.count(), 0)

    def test_an_empty_message_is_refused(self):
        before = Message.objects.count()
        r = self.client.post(self.url, {"body": "  "})
        self.assertContains(r, "Please write a message.")
        self.assertEqual(Message.objects.count(), before)

    def test_a_reply_to_a_resolved_ticket_reopens_it(self):
        self.resolve(self.ticket)
        self.client.post(self.url, {"body": "まだ送信できません。"})
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, "investigating")
        page = self.client.get(self.page)
        self.assertContains(page, "status-investigating")
        self.assertContains(page, "the request has been reopened")
        self.assertContains(page, self.ticket.customer_note)

    def test_a_reply_to_a_closed_ticket_is_refused_and_nothing_is_saved(self):
        self.close(self.ticket, days_ago=30)  # long past the reopen window
        before = Message.objects.count()
        r = self.client.post(self.url, {"body": "もう一度お願いします。"})
        self.assertContains(r, "This request is closed")
        self.assertEqual(Message.objects.count(), before)
        self.assertEqual(Ticket.objects.get(pk=self.ticket.pk).status, "closed")

    def test_another_organization_cannot_reply(self):
        self.sign_in(self.outsider)
        before = Message.objects.count()
        self.assertEqual(self.client.post(self.url, {"body": "hello"}).status_code, 404)
        self.assertEqual(Message.objects.count(), before)


class ReopenFromThePortalTestCase(PortalTestCase):
    def test_a_reply_soon_after_closing_reopens_the_request(self):
        ticket = self.close(self.make_ticket(), days_ago=1)
        self.sign_in()
        page = self.client.get(reverse("portal:ticket", args=[ticket.pk]))
        self.assertContains(page, f'action="/portal/tickets/{ticket.pk}/reply/"')
        r = self.client.post(reverse("portal:reply", args=[ticket.pk]), {"body": "再発しました。"})
        self.assertEqual(r.status_code, 302)
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, "investigating")
