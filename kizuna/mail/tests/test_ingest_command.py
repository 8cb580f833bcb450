"""`kizuna ingest` as a user runs it: a real process with its own installation."""

from __future__ import annotations

import json
import mailbox
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from kizuna.mail.tests.builders import kizuna_env, make_mail, run_kizuna

SETUP = (
    "from kizuna.tickets.models import EmailDomain, Organization;"
    "org = Organization.objects.create(name='山田商事');"
    "EmailDomain.objects.create(organization=org, domain='yamada.example.jp')"
)


class IngestCommandTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = tempfile.TemporaryDirectory(prefix="kizuna-ingest-test-")
        cls.env = kizuna_env(cls.home.name)
        for args in (["migrate", "--verbosity", "0"], ["shell", "-c", SETUP]):
            done = run_kizuna(cls.env, *args)
            assert done.returncode == 0, done.stderr

    @classmethod
    def tearDownClass(cls):
        cls.home.cleanup()
        super().tearDownClass()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="kizuna-mail-files-")
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def ingest(self, *args):
        return run_kizuna(self.env, "ingest", *args)

    def lines(self, done) -> list[dict]:
        self.assertEqual(done.returncode, 0, done.stderr)
        return [json.loads(line) for line in done.stdout.splitlines()]

    def test_eml_files_are_ingested_with_one_json_object_each(self):
        eml = self.dir / "request.eml"
        eml.write_bytes(
            make_mail(
                message_id="<cmd.eml@yamada.example.jp>",
                subject="=?ISO-2022-JP?B?GyRCJWEhPCVrGyhC?=",
            )
        )
        noise = self.dir / "ooo.eml"
        noise.write_bytes(
            make_mail(
                headers={"Auto-Submitted": "auto-replied"}, message_id="<cmd.ooo@yamada.example.jp>"
            )
        )
        first, second = self.lines(self.ingest("--json", str(eml), str(noise)))
        self.assertEqual(
            set(first),
            {
                "source",
                "outcome",
                "ticket",
                "message_id",
                "from",
                "subject",
                "attachments",
                "reason",
            },
        )
        self.assertEqual(first["source"], f"file:{eml}")
        self.assertEqual(first["outcome"], "created")
        self.assertRegex(first["ticket"], r"^KZ-\d{6}$")
        self.assertEqual(first["message_id"], "<cmd.eml@yamada.example.jp>")
        self.assertEqual(first["from"], "taro@yamada.example.jp")
        self.assertEqual(first["subject"], "メール")
        self.assertEqual((second["outcome"], second["ticket"]), ("ignored", None))
        # Again: recognised, not a second ticket.
        again = self.lines(self.ingest("--json", str(eml)))
        self.assertEqual(
            [(r["outcome"], r["ticket"]) for r in again], [("duplicate", first["ticket"])]
        )

    def test_a_duplicate_line_names_the_file_just_read(self):
        raw = make_mail(message_id="<cmd.twice@yamada.example.jp>")
        first, second = self.dir / "a.eml", self.dir / "b.eml"
        first.write_bytes(raw)
        second.write_bytes(raw)
        results = self.lines(self.ingest("--json", str(first), str(second)))
        self.assertEqual(
            sorted((r["source"], r["outcome"]) for r in results),
            [(f"file:{first}", "created"), (f"file:{second}", "duplicate")],
        )

    def test_an_mbox_is_read_oldest_first_so_a_reply_follows_its_original(self):
        box = mailbox.mbox(self.dir / "export.mbox")
        reply = make_mail(
            message_id="<cmd.reply@yamada.example.jp>",
            subject="Re: VPN",
            in_reply_to="<cmd.orig@yamada.example.jp>",
            date=_when("2026-04-02T10:00:00+09:00"),
        )
        original = make_mail(
            message_id="<cmd.orig@yamada.example.jp>",
            subject="VPN",
            date=_when("2026-04-02T09:00:00+09:00"),
            attachments=[("log.txt", "text/plain", b"error\n")],
        )
        box.add(reply)
        box.add(original)
        box.flush()
        results = self.lines(self.ingest("--json", str(self.dir / "export.mbox")))
        self.assertEqual(
            [r["message_id"] for r in results],
            ["<cmd.orig@yamada.example.jp>", "<cmd.reply@yamada.example.jp>"],
        )
        self.assertEqual([r["outcome"] for r in results], ["created", "appended"])
        self.assertEqual(results[0]["ticket"], results[1]["ticket"])
        self.assertEqual(results[0]["attachments"], 1)
        self.assertTrue(results[0]["source"].endswith("export.mbox#2"))

    def test_a_maildir_with_a_bad_message_reports_it_and_exits_zero(self):
        box = mailbox.Maildir(self.dir / "Maildir")
        box.add(make_mail(message_id="<cmd.md1@yamada.example.jp>"))
        box.add(b"Subject: no sender\r\nMessage-ID: <cmd.bad@x.example>\r\n\r\nhello\r\n")
        box.add(make_mail(message_id="<cmd.md2@unknown.example>", sender="who@unknown.example"))
        done = self.ingest("--json", str(self.dir / "Maildir"))
        outcomes = sorted(r["outcome"] for r in self.lines(done))
        self.assertEqual(outcomes, ["created", "held", "quarantined"])
        self.assertIn("3 messages", done.stderr)
        self.assertIn("1 quarantined", done.stderr)

    def test_without_json_it_prints_what_needs_an_agent_and_a_summary(self):
        eml = self.dir / "bad.eml"
        eml.write_bytes(b"Subject: no sender\r\nMessage-ID: <cmd.bad2@x.example>\r\n\r\nhello\r\n")
        done = self.ingest(str(eml))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("quarantined", done.stdout)
        self.assertIn("1 messages", done.stdout)

    def test_a_missing_path_is_a_clear_error_with_exit_status_2(self):
        done = self.ingest("--json", str(self.dir / "nowhere.mbox"))
        self.assertEqual(done.returncode, 2)
        self.assertIn("nowhere.mbox", done.stderr)
        self.assertEqual(done.stdout, "")


def _when(iso: str):
    from datetime import datetime

    return datetime.fromisoformat(iso)
