"""`kizuna export`: JSON lines that an auditor (or another installation) can read back."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.services import IncomingFile

LOG = "2026-11-30 09:00:01 送信エラー ①\r\nC:\\Users\\yamada\\new_folder\r\n".encode("cp932")


class ExportTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.dir = Path(tempfile.mkdtemp(prefix="kizuna-export-"))
        self.ticket = self.make_ticket(
            subject="㈱山田商事 メールが送信できない",
            body="今朝9時から送信できません。ログを添付します。",
            files=[IncomingFile(name="送信ログ.txt", content_type="text/plain", data=LOG)],
        )
        services.ticket_note(ticket=self.ticket, actor_user=self.agent, body="社内メモ: SPF を確認")
        services.ticket_reply(
            ticket=self.ticket,
            actor_user=self.agent,
            body="ログを確認しました。送信サーバーの設定を修正しました。",
            override_check=True,
        )
        self.other = self.make_ticket(requester=self.outsider, subject="VPN is down", body="Help")

    def export(self) -> list[dict]:
        out = self.dir / "export.jsonl"
        call_command("export", "--out", str(out), stderr=StringIO())
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    def test_every_line_parses_and_the_header_counts_what_follows(self):
        header, *lines = self.export()
        self.assertEqual(header["type"], "header")
        self.assertEqual(header["format"], "kizuna-export")
        self.assertEqual(header["version"], 1)
        self.assertIsNotNone(datetime.fromisoformat(header["exported_at"]).tzinfo)
        counted = {kind: sum(1 for r in lines if r["type"] == kind) for kind in header["counts"]}
        self.assertEqual(header["counts"], counted)
        self.assertEqual(counted["ticket"], 2)
        self.assertEqual(counted["message"], 6)  # 2 requests, 2 acknowledgements, note, reply
        self.assertEqual(counted["attachment"], 1)
        self.assertEqual(len(lines), sum(counted.values()))

    def test_resolution_reports_are_exported_with_the_message_that_told_the_customer(self):
        services.ticket_transition(
            ticket=self.ticket,
            actor_user=self.agent,
            to_status="resolved",
            customer_note="原因は証明書の期限切れでした。更新いたしました。完全に解決しております。",
            checkpoint=self.later(days=3),
            resolution=REPORT,
            override_check=True,
        )
        lines = self.export()
        [report] = [r for r in lines if r["type"] == "resolution"]
        self.assertEqual(report["ticket"], self.ticket.reference)
        self.assertEqual(report["cause"], REPORT.cause)
        self.assertEqual(report["fully_resolved"], "yes")
        self.assertEqual(report["by"], {"agent": "sato"})
        [told] = [
            m
            for m in lines
            if m["type"] == "message"
            and m["ticket"] == report["ticket"]
            and m["seq"] == report["message"]
        ]
        self.assertIn("証明書の期限切れ", told["text"])

    def test_tickets_messages_and_attachments_keep_their_text_and_checksums(self):
        _header, *lines = self.export()
        ref = self.ticket.reference
        ticket = next(r for r in lines if r["type"] == "ticket" and r["ticket"] == ref)
        self.assertEqual(ticket["subject"], "㈱山田商事 メールが送信できない")
        self.assertEqual(ticket["requester"], "taro@yamada.example.jp")
        self.assertEqual(ticket["organization"], "山田商事株式会社")
        self.assertIsNotNone(datetime.fromisoformat(ticket["created_at"]).tzinfo)
        messages = [r for r in lines if r["type"] == "message" and r["ticket"] == ref]
        self.assertEqual([m["seq"] for m in messages], [1, 2, 3, 4])
        self.assertEqual(messages[0]["text"], "今朝9時から送信できません。ログを添付します。")
        self.assertEqual(messages[0]["author"], {"contact": "taro@yamada.example.jp"})
        note = next(m for m in messages if m["kind"] == "note")
        # An audit export includes internal notes, marked as such.
        self.assertTrue(note["internal"])
        self.assertEqual(note["author"], {"agent": "sato"})
        self.assertFalse(any(m["internal"] for m in messages if m["kind"] != "note"))
        [att] = [r for r in lines if r["type"] == "attachment"]
        self.assertEqual(att["ticket"], ref)
        self.assertEqual(att["message"], 1)
        self.assertEqual(att["name"], "送信ログ.txt")
        self.assertEqual(att["size"], len(LOG))
        self.assertEqual(att["sha256"], hashlib.sha256(LOG).hexdigest())
        events = [r["kind"] for r in lines if r["type"] == "event" and r["ticket"] == ref]
        self.assertEqual(events, ["created", "acknowledged", "note", "reply", "status"])

    def test_a_message_that_came_as_html_mail_keeps_its_sanitised_html(self):
        html_ticket = self.make_ticket(
            subject="表示崩れ", body="トップページが崩れます。", body_html="<p><b>崩れます</b></p>"
        )
        _header, *lines = self.export()
        [request] = [
            r for r in lines if r["type"] == "message" and r["ticket"] == html_ticket.reference
            and r["kind"] == "inbound"
        ]  # fmt: skip
        self.assertEqual(request["text"], "トップページが崩れます。")
        self.assertEqual(request["html"], "<p><b>崩れます</b></p>")
        plain = [
            r for r in lines if r["type"] == "message" and r["ticket"] == self.ticket.reference
        ]
        self.assertEqual({m["html"] for m in plain}, {""})

    def test_each_ticket_is_followed_by_its_own_messages_attachments_and_events(self):
        _header, *lines = self.export()
        kinds = [r["type"] for r in lines]
        self.assertEqual(kinds[: kinds.index("ticket")], ["organization"] * 2 + ["contact"] * 2)
        current = None
        for record in lines:
            if record["type"] == "ticket":
                current = record["ticket"]
            elif record["type"] in ("message", "attachment", "event"):
                self.assertEqual(record["ticket"], current)

    def test_two_exports_of_the_same_data_differ_only_in_their_time(self):
        first, second = self.export(), self.export()
        self.assertNotEqual(first[0]["exported_at"], second[0]["exported_at"])
        self.assertEqual(first[1:], second[1:])
        self.assertEqual(os.listdir(self.dir), ["export.jsonl"])  # no temporary file left

    def test_a_dash_writes_to_standard_output(self):
        out = StringIO()
        call_command("export", "--out", "-", stdout=out)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        self.assertEqual(lines[0]["type"], "header")
        self.assertEqual(len(lines) - 1, sum(lines[0]["counts"].values()))

    def test_a_missing_directory_is_a_clear_error(self):
        with self.assertRaises(CommandError) as cm:
            call_command("export", "--out", str(self.dir / "nowhere" / "export.jsonl"))
        self.assertEqual(cm.exception.returncode, 2)
        self.assertIn("does not exist", str(cm.exception))

    def test_a_directory_as_the_output_is_a_clear_error(self):
        with self.assertRaises(CommandError) as cm:
            call_command("export", "--out", str(self.dir))
        self.assertEqual(cm.exception.returncode, 2)
        self.assertIn("is a directory", str(cm.exception))

    def test_the_command_line_exits_with_status_2_on_bad_arguments(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kizuna.test_settings"}
        for args in (["--out", str(self.dir / "nowhere" / "x.jsonl")], []):
            proc = subprocess.run(
                [sys.executable, "-m", "kizuna", "export", *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("--out", proc.stderr)
            self.assertFalse((self.dir / "nowhere").exists())
