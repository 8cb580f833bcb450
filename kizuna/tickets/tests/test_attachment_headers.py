"""A file's name and type go into mail and download headers, where a line break ends the
header: every file is cleaned on the way in, and rows stored before that still send and
download."""

from __future__ import annotations

from email import message_from_bytes, policy

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kizuna.api.tests.base import make_token
from kizuna.lib.files import clean_content_type, clean_filename
from kizuna.portal.tests.base import PortalTestCase
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import Attachment, MessageKind
from kizuna.tickets.services import IncomingFile


class CleaningTests(BaseTestCase):
    def test_names_lose_control_characters_and_fall_back_when_nothing_is_left(self):
        self.assertEqual(clean_filename("log\r\nX-Evil: yes.txt"), "logX-Evil: yes.txt")
        self.assertEqual(clean_filename("送信\x00記録\u2028.txt"), "送信記録.txt")
        self.assertEqual(clean_filename("..\\..\\etc/passwd"), ".._.._etc_passwd")
        self.assertEqual(clean_filename("\r\n\t "), "attachment")
        self.assertEqual(clean_filename(""), "attachment")
        long = clean_filename("あ" * 300 + ".pdf")
        self.assertEqual((len(long), long[-4:]), (255, ".pdf"))

    def test_types_must_be_type_slash_subtype_else_octet_stream(self):
        self.assertEqual(clean_content_type("Text/Plain"), "text/plain")
        self.assertEqual(clean_content_type("application/vnd.ms-excel"), "application/vnd.ms-excel")
        for bad in [
            "text/plain\r\nX-Evil: yes",
            "text/plain; charset=utf-8",
            "text",
            "te xt/plain",
            "a/" + "b" * 400,
            "multipart/mixed",
            "",
            None,
        ]:
            with self.subTest(bad=bad):
                self.assertEqual(clean_content_type(bad), "application/octet-stream")

    def test_every_way_in_stores_a_clean_name_and_type(self):
        ticket = self.make_ticket(
            files=[
                IncomingFile("log\r\n.txt", "text/plain\r\nX-Evil: yes", b"550"),
                IncomingFile("\x00", "x/" + "y" * 400, b"?"),
            ]
        )
        rows = sorted(
            Attachment.objects.filter(message__ticket=ticket).values_list(
                "filename", "content_type"
            )
        )
        self.assertEqual(
            rows,
            [("attachment", "application/octet-stream"), ("log.txt", "application/octet-stream")],
        )


def _damage(attachment: Attachment) -> None:
    # As rows were stored before names and types were checked on the way in.
    Attachment.objects.filter(pk=attachment.pk).update(
        filename="送信記録\r\nX-Evil: yes.txt", content_type="text/plain\r\nX-Evil: yes"
    )


class StoredRowTests(BaseTestCase):
    def test_a_reply_whose_stored_file_has_a_line_break_in_its_name_is_still_mailed(self):
        ticket = self.make_ticket()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            msg = services.ticket_reply(
                ticket=ticket,
                actor_user=self.agent,
                body="送信サーバーの記録を添付いたします。",
                files=[IncomingFile("送信記録.txt", "text/plain", "エラー 550\n".encode())],
                override_check=True,
            )
        _damage(msg.attachments.get())
        mail.outbox.clear()
        for callback in callbacks:
            callback()
        msg.refresh_from_db()
        self.assertIsNotNone(msg.mailed_at, msg.mail_error)
        self.assertEqual(msg.mail_error, "")
        [sent] = mail.outbox
        parsed = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
        [part] = list(parsed.iter_attachments())
        self.assertEqual(part.get_filename(), "送信記録X-Evil: yes.txt")
        self.assertEqual(part.get_content_type(), "application/octet-stream")
        self.assertIsNone(parsed["X-Evil"])

    def test_the_desk_and_the_api_download_a_damaged_row(self):
        ticket = self.make_ticket(files=[IncomingFile("a.txt", "text/plain", b"hello")])
        att = Attachment.objects.get(message__ticket=ticket)
        _damage(att)
        self.client.force_login(self.agent)
        desk = self.client.get(reverse("desk:attachment", args=[att.pk]))
        token = make_token(self.agent)
        api = self.client.get(f"/api/v1/attachments/{att.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
        for r in (desk, api):
            self.assertEqual(r.status_code, 200)
            self.assertEqual(b"".join(r.streaming_content), b"hello")
            self.assertEqual(r["Content-Type"], "application/octet-stream")
            self.assertNotIn("\n", r["Content-Disposition"])
            self.assertTrue(r["Content-Disposition"].startswith("attachment;"))


class UploadTests(PortalTestCase):
    def test_a_portal_upload_with_a_type_no_header_can_carry_is_kept_as_octet_stream(self):
        ticket = self.make_ticket()
        self.sign_in()
        upload = SimpleUploadedFile("trace.bin", b"trace", content_type="x/" + "y" * 400)
        r = self.client.post(
            f"/portal/tickets/{ticket.pk}/reply/",
            {"body": "ログを添付します。", "attachments": [upload]},
        )
        self.assertEqual(r.status_code, 302)
        att = Attachment.objects.get(message__kind=MessageKind.INBOUND, filename="trace.bin")
        self.assertEqual(att.content_type, "application/octet-stream")
        r = self.client.get(f"/portal/tickets/{ticket.pk}/files/{att.pk}/")
        self.assertEqual(r.status_code, 200)

    def test_the_portal_downloads_a_damaged_row(self):
        ticket = self.make_ticket(files=[IncomingFile("a.txt", "text/plain", b"hello")])
        att = Attachment.objects.get(message__ticket=ticket)
        _damage(att)
        self.sign_in()
        r = self.client.get(f"/portal/tickets/{ticket.pk}/files/{att.pk}/")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/octet-stream")
        self.assertNotIn("\r", r["Content-Disposition"])

    def test_a_desk_upload_is_cleaned_too(self):
        ticket = self.make_ticket()
        self.client.force_login(self.agent)
        upload = SimpleUploadedFile("手順.txt", b"1. ...", content_type="text/plain\x0bX")
        r = self.client.post(
            reverse("desk:reply", args=[ticket.pk]),
            {
                "body": "手順書を添付いたします。ご確認ください。",
                "attachments": [upload],
                "override_check": "on",
            },
        )
        self.assertEqual(r.status_code, 302, r.content[:500])
        att = Attachment.objects.get(message__kind=MessageKind.OUTBOUND)
        self.assertEqual((att.filename, att.content_type), ("手順.txt", "application/octet-stream"))
