"""An upload over the limit is refused from its Content-Length, before the body is read: the
customer gets the same clear words the browser shows, and nothing is saved."""

from django.conf import settings
from django.test import override_settings

from kizuna.portal.tests.base import PortalTestCase
from kizuna.tickets.models import Attachment, Message

LIMIT = 3 * 1048576


@override_settings(KIZUNA_MAX_UPLOAD_BYTES=LIMIT)
class UploadLimitTests(PortalTestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/portal/tickets/{self.ticket.pk}/reply/"
        self.sign_in()

    def post_declaring(self, path: str, length: int, **extra):
        # The body is a few bytes; only the declared length is large. Were the body read, the
        # request would fail as malformed instead of being refused for its size.
        return self.client.generic(
            "POST",
            path,
            b"--x\r\n",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(length),
            **extra,
        )

    def test_a_portal_reply_over_the_limit_is_refused_before_reading_it(self):
        before = Message.objects.count()
        r = self.post_declaring(self.url, 2_000_000_000)
        self.assertEqual(r.status_code, 413)
        text = r.content.decode()
        self.assertIn("1907.3 MB", text)
        self.assertIn("at most 3 MB can be sent at once", text)
        self.assertEqual(Message.objects.count(), before)
        self.assertEqual(Attachment.objects.count(), 0)

    def test_the_refusal_speaks_the_customers_language(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
        r = self.post_declaring(self.url, LIMIT + 1)
        self.assertEqual(r.status_code, 413)
        self.assertIn("一度に送れるのは3 MBまで", r.content.decode())

    def test_the_api_answers_with_json(self):
        r = self.post_declaring(f"/api/v1/tickets/{self.ticket.pk}/replies", LIMIT + 1)
        self.assertEqual(r.status_code, 413)
        self.assertIn("at most 3 MB", r.json()["detail"])

    def test_a_request_within_the_limit_goes_through(self):
        r = self.client.post(self.url, {"body": "追加の情報です。"})
        self.assertEqual(r.status_code, 302)

    def test_the_file_field_carries_both_limits_and_their_words_for_the_browser(self):
        page = self.client.get(f"/portal/tickets/{self.ticket.pk}/").content.decode()
        self.assertIn(f'data-max-total-bytes="{LIMIT}"', page)
        self.assertIn('data-max-file-bytes="', page)
        self.assertIn("attachments may be at most", page)
