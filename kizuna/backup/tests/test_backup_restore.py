"""`kizuna backup` and `kizuna restore` as an administrator runs them: real processes, two
installations, on the suite's database (SQLite, or PostgreSQL with pg_dump and pg_restore).
A restored installation must export exactly what the original exported."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from django.test import SimpleTestCase

from kizuna.mail.tests.builders import make_mail
from kizuna.test import Installation

SETUP = """
from kizuna.tickets.models import EmailDomain, Organization
org, _ = Organization.objects.get_or_create(name="山田商事")
EmailDomain.objects.get_or_create(organization=org, domain="yamada.example.jp")
"""


def write_mail(folder: Path, count: int, *, start: int = 0) -> None:
    """`count` requests as .eml files, every third with an attachment of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(start, start + count):
        attachments = []
        if n % 3 == 0:
            attachments = [(f"log{n}.txt", "text/plain", f"error {n}\n".encode() * 50)]
        raw = make_mail(
            sender=f"user{n}@yamada.example.jp",
            subject=f"サーバー{n}が応答しません",
            body=f"今朝からサーバー{n}に接続できません。",
            message_id=f"<backup.{n}@yamada.example.jp>",
            attachments=attachments,
        )
        (folder / f"{n:05d}.eml").write_bytes(raw)


def export_lines(installation: Installation, out: Path) -> list[dict]:
    done = installation.kizuna("export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line.pop("exported_at", None)  # the only thing that differs between two exports
    return lines


class BackupRestoreTests(SimpleTestCase):
    def setUp(self):
        self.source = self.installation()
        self.target = self.installation()
        self.work = self.source.home / "work"
        self.work.mkdir()

    def installation(self) -> Installation:
        installation = Installation()
        self.addCleanup(installation.close)
        self.ok(installation, "migrate", "--verbosity", "0")
        return installation

    def ok(self, installation: Installation, *args: str) -> subprocess.CompletedProcess:
        done = installation.kizuna(*args)
        self.assertEqual(done.returncode, 0, f"kizuna {' '.join(args)}: {done.stderr}")
        return done

    def load(self, installation: Installation, count: int, *, start: int = 0) -> None:
        self.ok(installation, "shell", "--verbosity", "0", "-c", SETUP)
        folder = installation.home / f"mail{start}"
        write_mail(folder, count, start=start)
        self.ok(installation, "ingest", str(folder))

    def test_a_restored_installation_exports_exactly_what_was_backed_up(self):
        self.load(self.source, 12)
        before = export_lines(self.source, self.work / "before.jsonl")
        archive = self.work / "kizuna.tar"
        said = self.ok(self.source, "backup", "--out", str(archive)).stdout
        self.assertIn("4 attachment file(s)", said)
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        self.assertEqual(len(manifest["attachments"]), 4)
        self.assertTrue(all(len(f["sha256"]) == 64 for f in manifest["attachments"]))

        self.ok(self.target, "restore", str(archive))
        after = export_lines(self.target, self.work / "after.jsonl")
        self.assertEqual(after, before)
        self.assertEqual(sum(1 for line in after if line.get("type") == "ticket"), 12)
        # The attachments' bytes came back too (the export names their sha256).
        restored = sorted(
            p.name for p in (self.target.home / "attachments").rglob("*") if p.is_file()
        )
        self.assertEqual(restored, sorted(Path(f["path"]).name for f in manifest["attachments"]))
        # The restored installation works: new mail goes on from the restored tickets.
        self.load(self.target, 1, start=100)
        self.assertEqual(self.target.query("SELECT COUNT(*) FROM tickets_ticket")[0][0], 13)

    def test_a_non_empty_installation_is_refused_unless_forced(self):
        self.load(self.source, 3)
        archive = self.work / "kizuna.tar"
        self.ok(self.source, "backup", "--out", str(archive))
        self.load(self.target, 2, start=50)
        held = export_lines(self.target, self.work / "held.jsonl")

        refused = self.target.kizuna("restore", str(archive))
        self.assertEqual(refused.returncode, 2)
        self.assertIn("not empty", refused.stderr)
        self.assertIn("--force", refused.stderr)
        self.assertEqual(export_lines(self.target, self.work / "still.jsonl"), held)

        self.ok(self.target, "restore", "--force", str(archive))
        self.assertEqual(
            export_lines(self.target, self.work / "after.jsonl"),
            export_lines(self.source, self.work / "source.jsonl"),
        )

    def test_a_damaged_or_foreign_archive_changes_nothing(self):
        self.load(self.source, 3)
        archive = self.work / "kizuna.tar"
        self.ok(self.source, "backup", "--out", str(archive))
        # One byte of an attachment changed inside the archive.
        data = bytearray(archive.read_bytes())
        at = data.find(b"error 0\n")
        data[at] = ord("E")
        damaged = self.work / "damaged.tar"
        damaged.write_bytes(bytes(data))
        done = self.target.kizuna("restore", str(damaged))
        self.assertEqual(done.returncode, 2)
        self.assertIn("damaged", done.stderr)
        self.assertEqual(self.target.query("SELECT COUNT(*) FROM tickets_ticket")[0][0], 0)
        self.assertFalse((self.target.home / "attachments").exists())

        other = self.work / "other.tar"
        with tarfile.open(other, "w") as tar:
            tar.add(self.work / "damaged.tar", arcname="something.bin")
        done = self.target.kizuna("restore", str(other))
        self.assertEqual(done.returncode, 2)
        self.assertIn("not a Kizuna backup", done.stderr)
        done = self.target.kizuna("restore", str(self.work / "missing.tar"))
        self.assertEqual(done.returncode, 2)
        self.assertIn("no such file", done.stderr)

    def test_a_backup_taken_while_mail_arrives_restores_whole_tickets(self):
        self.ok(self.source, "shell", "--verbosity", "0", "-c", SETUP)
        folder = self.source.home / "incoming"
        write_mail(folder, 1500)
        writer = subprocess.Popen(
            [sys.executable, "-m", "kizuna", "ingest", "--batch-size", "10", str(folder)],
            env=self.source.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Back up once some of it is in, while the rest is still arriving.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if self.source.query("SELECT COUNT(*) FROM tickets_ticket")[0][0] >= 40:
                    break
                time.sleep(0.05)
            archive = self.work / "during.tar"
            self.ok(self.source, "backup", "--out", str(archive))
        finally:
            _out, err = writer.communicate(timeout=300)
        self.assertEqual(writer.returncode, 0, err)

        self.ok(self.target, "restore", str(archive))
        tickets = self.target.query("SELECT COUNT(*) FROM tickets_ticket")[0][0]
        self.assertGreaterEqual(tickets, 40)
        self.assertLess(tickets, 1500, "the backup should have been taken mid-way")
        # Every restored ticket is whole: its request and its acknowledgement.
        partial = self.target.query(
            "SELECT t.id FROM tickets_ticket t LEFT JOIN tickets_message m ON m.ticket_id = t.id"
            " GROUP BY t.id HAVING COUNT(m.id) < 2"
        )
        self.assertEqual(partial, [])
        # Every attachment the restored database names is there, byte for byte.
        for path, sha in self.target.query("SELECT file, sha256 FROM tickets_attachment"):
            data = (self.target.home / "attachments" / path).read_bytes()
            self.assertEqual(hashlib.sha256(data).hexdigest(), sha)
        # Ingesting the same files again completes the restored installation: nothing was lost
        # (what had been stored but not processed is processed, the rest is a duplicate).
        self.ok(self.target, "ingest", str(folder))
        self.assertEqual(self.target.query("SELECT COUNT(*) FROM tickets_ticket")[0][0], 1500)
