"""Mail whose text no column or header could hold as it is (NUL, line breaks in a file's name,
a subject that shows nothing) is kept, cleaned, never refused: customers' mail is never lost."""

from __future__ import annotations

from kizuna.mail.ingest import ingest_raw
from kizuna.test import BaseTestCase
from kizuna.tickets.models import Attachment, MessageKind, Ticket

RAW = b"""\
From: =?utf-8?b?5bGx55SwIOWkqumDjg==?= <taro@yamada.example.jp>
To: support@kizuna.example
Subject: =?utf-8?q?VPN=00_down?=
Message-ID: <nul.1@yamada.example.jp>
Date: Wed, 01 Apr 2026 09:00:00 +0900
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

VPN\x00 is down since this morning.
--b
Content-Type: text/plain
Content-Disposition: attachment; filename*=utf-8''log%0D%0AX-Evil%3A%20yes%00.txt

error 550
--b
Content-Type: application/x-evil%0D%0AX: y; name="trace.bin"
Content-Disposition: attachment

trace
--b--
"""


class UnusualMailTextTests(BaseTestCase):
    def test_nul_and_line_breaks_are_cleaned_and_the_mail_is_kept(self):
        result = ingest_raw(RAW, source="test")
        self.assertEqual(result.outcome, "created", result.reason)
        ticket = Ticket.objects.get()
        self.assertNotIn("\x00", ticket.subject)
        self.assertIn("VPN", ticket.subject)
        body = ticket.messages.get(kind=MessageKind.INBOUND).body
        self.assertNotIn("\x00", body)
        self.assertIn("is down since this morning", body)
        names = sorted(Attachment.objects.values_list("filename", "content_type"))
        for name, ctype in names:
            self.assertFalse(any(c in name for c in "\r\n\x00"), name)
            self.assertRegex(ctype, r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")
        self.assertEqual(len(names), 2)

    def test_a_subject_that_shows_nothing_becomes_no_subject(self):
        raw = RAW.replace(b"=?utf-8?q?VPN=00_down?=", b"=?utf-8?q?=E2=80=8B=E2=81=A0?=").replace(
            b"<nul.1@", b"<nul.2@"
        )
        self.assertEqual(ingest_raw(raw, source="test").outcome, "created")
        self.assertEqual(Ticket.objects.get().subject, "（件名なし）")
