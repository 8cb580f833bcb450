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


class FileOrderTests(SimpleTestCase):
    """Files are taken oldest first by their Date, however the header block is written."""

    def test_files_are_ordered_by_their_date_header_not_their_names(self):
        dated = {
            # Folded over two lines, after a header that takes two lines itself.
            "a.eml": b"Subject: third\r\nX-Note: one\r\n two\r\nDate: Thu,\r\n 2 Apr 2026 09:00:00"
            b" +0900\r\n\r\nbody\r\n",
            # The old "Date :" form, and a time zone that puts it first.
            "b.eml": b"Subject: first\nDate : Wed, 1 Apr 2026 13:30:00 -0800\n\nbody\n",
            # Two Date fields: the first counts, as for a mail parser.
            "c.eml": b"Subject: second\nDate: Thu, 2 Apr 2026 08:00:00 +0900\n"
            b"Date: Fri, 3 Apr 2026 08:00:00 +0900\n\nbody\n",
        }
        with tempfile.TemporaryDirectory(prefix="kizuna-order-") as tmp:
            for name, raw in dated.items():
                (Path(tmp) / name).write_bytes(raw)
            order = [Path(item.source.removeprefix("file:")).name for item in collect([tmp])]
        self.assertEqual(order, ["b.eml", "c.eml", "a.eml"])

    def test_a_date_no_calendar_holds_falls_back_to_the_file_time(self):
        with tempfile.TemporaryDirectory(prefix="kizuna-order-") as tmp:
            for name, date in (
                ("late.eml", b"Date: Mon, 1 Jan 99999999999 10:00:00 +0900"),
                ("offset.eml", b"Date: Tue, 3 Mar 2026 10:00:00 +9999"),
                ("bytes.eml", b"Date: \xff\xfe\x00"),
                ("dated.eml", b"Date: Sun, 1 Mar 2026 10:00:00 +0900"),
            ):
                (Path(tmp) / name).write_bytes(b"Subject: x\n" + date + b"\n\nbody\n")
            items = collect([tmp])
        # The one real date (2026) is older than the files' own times (now).
        self.assertEqual(len(items), 4)
        self.assertTrue(items[0].source.endswith("dated.eml"))


class MaildirTests(SimpleTestCase):
    """A Maildir's messages, named as the standard library's Maildir names them."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="kizuna-maildir-")
        self.addCleanup(tmp.cleanup)
        self.path = Path(tmp.name) / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (self.path / sub).mkdir(parents=True)

    def put(self, sub: str, name: str, raw: bytes) -> None:
        (self.path / sub / name).write_bytes(raw)

    def test_messages_of_cur_and_new_are_read_oldest_first_under_their_unique_names(self):
        self.put("new", "1001.M1P1.host", MESSAGES[1].replace(b"\r", b"\n"))
        self.put("cur", "1000.M1P1.host:2,S", MESSAGES[0].replace(b"\r", b"\n"))  # seen
        self.put("cur", "1002.M1P1.host:2,", MESSAGES[2].replace(b"\r", b"\n"))
        # Neither a dot file nor a folder is a message; tmp/ holds messages being delivered.
        self.put("cur", ".hidden", b"Subject: not mail\n\nx\n")
        (self.path / "cur" / "folder").mkdir()
        self.put("tmp", "1003.M1P1.host", b"Subject: half written\n\nx\n")
        items = collect([str(self.path)])
        self.assertEqual(
            [item.source for item in items],
            [f"maildir:{self.path}#100{n}.M1P1.host" for n in (0, 1, 2)],
        )
        self.assertEqual(
            [item.read() for item in items], [m.replace(b"\r", b"\n") for m in MESSAGES]
        )
        self.assertEqual(
            [item._load() for item in items], [m.replace(b"\r", b"\n") for m in MESSAGES]
        )

    def test_a_message_in_both_folders_is_taken_once_from_new(self):
        self.put("cur", "1000.M1P1.host:2,S", b"Subject: old copy\n\nx\n")
        self.put("new", "1000.M1P1.host", b"Subject: new copy\n\nx\n")
        items = collect([str(self.path)])
        self.assertEqual([item.read() for item in items], [b"Subject: new copy\n\nx\n"])

    def test_a_maildir_without_cur_is_read_from_new(self):
        (self.path / "cur").rmdir()
        self.put("new", "1000.M1P1.host", b"Subject: only\n\nx\n")
        self.assertEqual(len(collect([str(self.path)])), 1)
