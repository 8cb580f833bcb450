"""Crash safety: `kizuna ingest` killed with SIGKILL at random points while it ingests 500
messages, then run again to completion — every message is there exactly once.

On SQLite (a file in a temporary installation) and, when the suite runs on PostgreSQL
(KIZUNA_DATABASE_URL set), in a fresh PostgreSQL database created for the test."""

from __future__ import annotations

import mailbox
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from kizuna.mail.tests.builders import make_mail, run_kizuna
from kizuna.mail.tests.test_ingest_command import SETUP
from kizuna.test import SeparateInstallation

MESSAGES = 500
KILLS = 10


def write_maildir(path: Path, rng: random.Random) -> tuple[set[str], set[str], int]:
    """500 messages: requests, replies to earlier ones, auto-replies. Returns the ids of the
    messages that should reach a ticket, the auto-replies' ids, and the number of threads."""
    box = mailbox.Maildir(path)
    wanted, noise, roots = set(), set(), []
    for n in range(MESSAGES):
        mid = f"<crash.{n}@yamada.example.jp>"
        roll = rng.random()
        if roll < 0.05:
            box.add(make_mail(message_id=mid, headers={"Auto-Submitted": "auto-replied"}))
            noise.add(mid)
            continue
        if roll < 0.25 and roots:
            parent = rng.choice(roots)
            box.add(
                make_mail(message_id=mid, subject="Re: 障害", body=f"追記 {n}", in_reply_to=parent)
            )
        else:
            attachments = [("log.txt", "text/plain", f"log {n}\n".encode())] if roll > 0.9 else []
            box.add(make_mail(message_id=mid, body=f"依頼 {n}", attachments=attachments))
            roots.append(mid)
        wanted.add(mid)
    return wanted, noise, len(roots)


pytestmark = pytest.mark.xdist_group("timing-and-processes")


class CrashSafetyTests(SeparateInstallation, SimpleTestCase):
    def kizuna(self, *args):
        done = run_kizuna(self.env, *args, timeout=180)
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        return done

    def test_killed_at_random_points_and_run_again_every_message_is_there_exactly_once(self):
        seed = random.randrange(1 << 30)
        rng = random.Random(seed)
        maildir = self.home / "Maildir"
        wanted, noise, threads = write_maildir(maildir, rng)
        self.kizuna("migrate", "--verbosity", "0")
        self.kizuna("shell", "-c", SETUP)
        command = [
            sys.executable,
            "-m",
            "kizuna",
            "ingest",
            "--json",
            "--batch-size",
            "20",
            str(maildir),
        ]
        # Kill points spread over the whole ingest: each run is killed when the messages
        # processed so far (over all runs) reach the next random target, plus a random delay
        # that lands the kill anywhere in the following batch (storing, parsing, writing).
        targets = sorted(rng.sample(range(1, MESSAGES - 60), KILLS))
        done = 0
        progress = []
        for target in targets:
            proc = subprocess.Popen(
                command,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
            for line in proc.stdout:
                if '"outcome": "duplicate"' not in line:
                    done += 1
                if done >= target:
                    time.sleep(rng.uniform(0, 0.08))
                    break
            # The whole group: the parsing process dies with the ingest.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
            progress.append(
                self.query("SELECT COUNT(*) FROM mail_inboundmail WHERE state <> 'pending'")[0][0]
            )
        self.kizuna("ingest", "--json", str(maildir))
        info = f"seed {seed}, processed after each kill: {progress}"

        rows = self.query("SELECT message_id, state FROM mail_inboundmail")
        self.assertEqual(len(rows), MESSAGES, info)
        self.assertEqual({mid for mid, _ in rows}, wanted | noise, info)
        states = {mid: state for mid, state in rows}
        self.assertEqual({states[m] for m in noise}, {"ignored"}, info)
        self.assertEqual({states[m] for m in wanted} - {"created", "appended"}, set(), info)
        per_id = self.query(
            "SELECT email_message_id, COUNT(*) FROM tickets_message "
            "WHERE kind = 'inbound' GROUP BY email_message_id"
        )
        self.assertEqual({mid for mid, _ in per_id}, wanted, info)
        self.assertEqual({count for _, count in per_id}, {1}, info)
        self.assertEqual(self.query("SELECT COUNT(*) FROM tickets_ticket")[0][0], threads, info)
        # Each ticket was opened (and acknowledged) once.
        created = self.query("SELECT COUNT(*) FROM tickets_ticketevent WHERE kind = 'created'")
        self.assertEqual(created[0][0], threads, info)
        # The kills really landed in the middle of the work.
        self.assertTrue(any(0 < count < MESSAGES for count in progress), info)
