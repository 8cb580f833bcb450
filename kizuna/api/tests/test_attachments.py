import base64

from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets.models import Attachment, MessageKind


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class AttachmentApiTests(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/api/v1/tickets/{self.ticket.id}/replies"

    def test_a_reply_carries_files_that_download_byte_for_byte(self):
        log = "2026-11-22 09:00 送信エラー 550\r\nC:\\Users\\yamada\\new_folder\r\n".encode()
        r = self.post(
            self.url,
            {
                "body": "送信サーバーの記録を添付いたします。",
                "attachments": [
                    {"filename": "送信記録.txt", "content_type": "text/plain", "data": b64(log)}
                ],
            },
        )
        self.assertEqual(r.status_code, 201, r.content)
        listed = r.json()["attachments"][0]
        self.assertEqual((listed["filename"], listed["size"]), ("送信記録.txt", len(log)))
        download = self.get(listed["url"])
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), log)
        self.assertIn("attachment", download["Content-Disposition"])

    def test_bad_base64_is_refused_and_nothing_is_sent(self):
        r = self.post(
            self.url,
            {
                "body": "添付します。",
                "attachments": [{"filename": "a.txt", "data": "not base64!!"}],
            },
        )
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["field"], "attachments.0.data")
        self.assertFalse(
            self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
        )
        self.assertFalse(Attachment.objects.exists())

    def test_an_oversized_file_is_refused_with_its_name(self):
        big = b64(b"x" * (10 * 1024 * 1024 + 1))
        r = self.post(
            self.url,
            {"body": "添付します。", "attachments": [{"filename": "big.log", "data": big}]},
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("big.log", r.json()["detail"])
        self.assertFalse(Attachment.objects.exists())

    def test_notes_take_no_attachments(self):
        r = self.post(
            f"/api/v1/tickets/{self.ticket.id}/notes",
            {"body": "memo", "attachments": [{"filename": "a.txt", "data": b64(b"a")}]},
        )
        self.assertEqual(r.status_code, 400)
        self.assertFalse(self.ticket.messages.filter(kind=MessageKind.NOTE).exists())

    def test_an_unknown_attachment_is_404(self):
        self.assertEqual(self.get("/api/v1/attachments/999999").status_code, 404)

    def test_a_request_beyond_the_size_limit_gets_a_clear_json_error(self):
        from django.test import override_settings

        with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
            r = self.post(
                self.url,
                {"body": "x", "attachments": [{"filename": "a", "data": b64(b"y" * 4096)}]},
            )
        self.assertEqual(r.status_code, 413)
        self.assertIn("larger than", r.json()["detail"])
        self.assertFalse(
            self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
        )

    def test_a_name_or_type_no_header_can_carry_is_refused_naming_the_field(self):
        cases = [
            ({"filename": "log\r\nX-Evil: yes.txt"}, "attachments.0.filename", "line break"),
            ({"filename": "log\x00.txt"}, "attachments.0.filename", "NUL"),
            ({"filename": " "}, "attachments.0.filename", "needs a name"),
            ({"filename": "a" * 256}, "attachments.0.filename", "At most 255"),
            (
                {"content_type": "text/plain\r\nX-Evil: yes"},
                "attachments.0.content_type",
                "type/subtype",
            ),
            ({"content_type": "text/" + "x" * 395}, "attachments.0.content_type", "At most 255"),
            ({"content_type": "text plain"}, "attachments.0.content_type", "type/subtype"),
            ({"content_type": "text/plain; charset=utf-8"}, "attachments.0.content_type", ""),
        ]
        for overrides, field, says in cases:
            with self.subTest(field=field, overrides=overrides):
                item = {"filename": "log.txt", "content_type": "text/plain", "data": b64(b"550")}
                r = self.post(
                    self.url, {"body": "記録を添付します。", "attachments": [item | overrides]}
                )
                self.assertEqual(r.status_code, 422, r.content)
                self.assertEqual(r.json()["field"], field)
                self.assertIn(says, r.json()["detail"])
        self.assertFalse(Attachment.objects.exists())
        self.assertFalse(
            self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
        )

    def test_a_type_in_capitals_is_kept_in_lower_case(self):
        r = self.post(
            self.url,
            {
                "body": "画面の記録を添付します。",
                "attachments": [{"filename": "a.png", "content_type": "Image/PNG", "data": "YQ"}],
            },
        )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["attachments"][0]["content_type"], "image/png")
