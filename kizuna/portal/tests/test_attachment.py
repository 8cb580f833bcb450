from django.core.files.uploadedfile import SimpleUploadedFile

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets.models import Attachment, Message, MessageKind
from kizuna.tickets.services import IncomingFile


class AttachmentTestCase(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket(
            files=[
                IncomingFile(
                    name="見積書 2026.pdf", content_type="application/pdf", data=b"%PDF-1.7 test"
                )
            ]
        )
        self.att = Attachment.objects.get()
        self.url = f"/portal/tickets/{self.ticket.pk}/files/{self.att.pk}/"

    def test_it_downloads_with_the_original_japanese_name(self):
        self.sign_in()
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(b"".join(r.streaming_content), b"%PDF-1.7 test")
        disposition = r["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment;"))
        self.assertIn("filename*=utf-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8%202026.pdf", disposition)

    def test_another_organization_gets_not_found(self):
        self.sign_in(self.outsider)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_an_attachment_must_belong_to_the_ticket_in_the_address(self):
        other = self.make_ticket(subject="別件")
        self.sign_in()
        self.assertEqual(
            self.client.get(f"/portal/tickets/{other.pk}/files/{self.att.pk}/").status_code, 404
        )

    def test_an_attachment_of_an_internal_note_is_never_served(self):
        note = Message.objects.create(
            ticket=self.ticket, kind=MessageKind.NOTE, author_user=self.agent, body="社内"
        )
        hidden = Attachment.objects.create(
            message=note,
            filename="internal.txt",
            size=3,
            sha256="0" * 64,
            file=SimpleUploadedFile("x", b"abc"),
        )
        self.sign_in()
        self.assertEqual(
            self.client.get(f"/portal/tickets/{self.ticket.pk}/files/{hidden.pk}/").status_code, 404
        )
