"""Reading mail files: mbox files whatever their line ends."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from kizuna.mail.ingest import ingest_many
from kizuna.mail.sources import collect
from kizuna.test import BaseTestCase


def _message(n: int, subject: str) -> bytes:
    return (
        f"From: taro@yamada.example.jp\rTo: support@kizuna.example\rSubject: {subject}\r"
        f"Message-ID: <oldmac.{n}@yamada.example.jp>\r"
        f"Date: Wed, 1 Apr 2026 0{n}:00:00 +0900\r\r"
        f"Line one of message {n}.\r\rLine two.\r"
    ).encode()


MESSAGES = [_message(1, "Backup failed"), _message(2, "Disk full"), _message(3, "VPN slow")]
# An mbox as an old Mac OS mail program wrote it: CR alone ends every line.
CR_MBOX = b"".join(
    b"From taro@yamada.example.jp Wed Apr  1 00:00:00 2026\r" + m + b"\r" for m in MESSAGES
)


class CrOnlyMboxTests(SimpleTestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="kizuna-mbox-")
        self.addCleanup(tmp.cleanup)
        self.path = Path(tmp.name) / "oldmac.mbox"
        self.path.write_bytes(CR_MBOX)

    def test_a_cr_only_mbox_is_split_into_its_messages_byte_for_byte(self):
        items = collect([str(self.path)])
        self.assertEqual([item.read() for item in items], MESSAGES)
        self.assertEqual(
            [item.source for item in items], [f"mbox:{self.path}#{n}" for n in (1, 2, 3)]
        )

    def test_messages_read_again_from_the_file_are_the_same(self):
        items = collect([str(self.path)])
        self.assertEqual([item._load() for item in items], MESSAGES)


class CrOnlyMboxIngestTests(BaseTestCase):
    def test_each_message_of_a_cr_only_mbox_opens_its_ticket(self):
        with tempfile.TemporaryDirectory(prefix="kizuna-mbox-") as tmp:
            path = Path(tmp) / "oldmac.mbox"
            path.write_bytes(CR_MBOX)
            stream = ((item.read(), item.source) for item in collect([str(path)]))
            results = list(ingest_many(stream))
        self.assertEqual([r.outcome for r in results], ["created"] * 3)
        self.assertEqual([r.subject for r in results], ["Backup failed", "Disk full", "VPN slow"])
