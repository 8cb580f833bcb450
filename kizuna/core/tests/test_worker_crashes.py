"""Background work survives its workers: `kizuna worker` processes killed with SIGKILL while
mail and timers are pending, and a database locked for longer than the busy timeout.

Real worker processes against an installation of their own (SQLite, or PostgreSQL when the
suite runs there) and a real SMTP server on loopback that records what it accepted."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.test import SimpleTestCase

from kizuna.test import SeparateInstallation
from kizuna.testbed import Received, RecordingSMTP, smtp_start

LEASE_SECONDS = 3

# Customers, each with a ticket: its acknowledgement and an agent's reply are mailed.
SEED = """
import random
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from kizuna.tickets import services
from kizuna.tickets.models import Contact, EmailDomain, Organization
org = Organization.objects.create(name="山田商事")
EmailDomain.objects.create(organization=org, domain="yamada.example.jp")
agent = get_user_model().objects.create_user("sato", "sato@kizuna.example", "x" * 20)
for n in range({tickets}):
    contact = Contact.objects.create(
        organization=org, name=f"顧客 {{n}}", email=f"c{{n}}@yamada.example.jp", language="ja"
    )
    ticket = services.ticket_open(
        requester=contact, subject=f"メールが届かない {{n}}", body="今朝から受信できません。",
        channel="email",
    )
    services.ticket_reply(
        ticket=ticket, actor_user=agent, override_check=True,
        body="ご連絡ありがとうございます。原因を調べており、本日17時までに状況をお知らせします。",
    )
# Timers: part of the deliveries wait for a moment later on.
rng = random.Random({seed})
for task in DBTaskResult.objects.all():
    if rng.random() < {deferred}:
        task.run_after = timezone.now() + timedelta(seconds=rng.uniform(1, {spread}))
        task.save(update_fields=["run_after"])
"""

pytestmark = pytest.mark.xdist_group("timing-and-processes")


class WorkerProcesses(SeparateInstallation):
    """Real `kizuna worker` processes, each mailing to an SMTP server of its own."""

    def setUp(self):
        super().setUp()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.workers: list[tuple[subprocess.Popen, int]] = []
        self.env.update(
            KIZUNA_TASK_LEASE_SECONDS=str(LEASE_SECONDS),
            KIZUNA_SMTP_HOST="127.0.0.1",
            KIZUNA_SMTP_STARTTLS="0",
            KIZUNA_POLL_SECONDS="3600",
        )
        self.addCleanup(self._stop_all)

    def kizuna(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "kizuna", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        return done

    @property
    def accepted(self) -> list[tuple[int, str, float]]:
        """(SMTP port, Message-ID, when) of each message a server accepted, in order."""
        with self.lock:
            return [(r.port, r.message_id, r.at) for r in self.received]

    def smtp(self, delay=(0.0, 0.0)) -> RecordingSMTP:
        handler, controller = smtp_start(self.received, self.lock, delay)
        self.addCleanup(controller.stop)
        return handler

    def start_worker(self, smtp: RecordingSMTP, **env: str) -> subprocess.Popen:
        log = open(self.home / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kizuna", "worker"],
            env={**self.env, "KIZUNA_SMTP_PORT": str(smtp.port), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append((proc, smtp.port))
        return proc

    def _stop_all(self):
        for proc, _port in self.workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def assert_second_copies_explained(self, kills: list[tuple[int, float]], info: str) -> None:
        """The one case no mail system can rule out: the worker died after its whole message
        had reached the server and before it could record so (the server keeps what it
        received). Such a copy must be the last thing its worker sent, with the worker killed
        afterwards; the copy sent again carries the same Message-ID, so mail clients show one
        message. Any other second copy is a bug."""
        accepted = self.accepted
        for mid in {mid for _port, mid, _at in accepted}:
            sent = [(port, at) for port, m, at in accepted if m == mid]
            for port, at in sent[:-1]:
                later_from_it = [m for p, m, a in accepted if p == port and a > at]
                # The server's handler runs a moment after the last byte left the worker.
                killed_after = [k for p, k in kills if p == port and k >= at - 0.1]
                detail = f"{mid}: copies {sent}, kills {kills} ({info})"
                self.assertEqual(later_from_it, [], f"sent again by a live worker: {detail}")
                self.assertTrue(killed_after, f"sent twice with no kill to explain it: {detail}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-2000:]}"
            for path in sorted(self.home.glob("*.log"))
        )

    def wait_until(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        self.fail(f"{what} after {timeout} s ({self.database})\n{self.logs()}")

    def unsent(self) -> int:
        return self.query(
            "SELECT COUNT(*) FROM tickets_message WHERE kind = 'outbound' AND mailed_at IS NULL"
        )[0][0]

    def tasks(self) -> Counter:
        rows = self.query(
            "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        )
        return Counter(dict(rows))

    def seed(self, *, tickets: int, deferred: float = 0.0, spread: float = 1.0, seed: int = 0):
        self.kizuna("migrate", "--verbosity", "0")
        code = SEED.format(tickets=tickets, deferred=deferred, spread=spread, seed=seed)
        self.kizuna("shell", "-c", code)


class WorkerCrashTests(WorkerProcesses, SimpleTestCase):
    def test_a_worker_killed_while_sending_leaves_the_mail_to_another_which_sends_it_once(self):
        self.seed(tickets=1)
        stalled = self.smtp()
        stalled.hold_first = True
        first = self.start_worker(stalled)
        self.assertTrue(stalled.started.wait(60), self.logs())
        # The worker has claimed a task and the message, and is inside the SMTP conversation.
        first.send_signal(signal.SIGKILL)
        first.wait()
        self.assertEqual(self.tasks()["RUNNING"], 1)
        self.start_worker(self.smtp())
        self.wait_until(lambda: self.unsent() == 0, 60, "mail still unsent")
        self.wait_until(lambda: set(self.tasks()) == {"SUCCESSFUL"}, 30, "tasks left over")
        ids = [mid for _port, mid, _at in self.accepted]
        self.assertEqual(len(ids), 2)  # the acknowledgement and the reply
        self.assertEqual(len(set(ids)), 2, "a message was mailed twice")
        rows = self.query(
            "SELECT email_message_id, mail_attempts FROM tickets_message WHERE kind = 'outbound'"
        )
        self.assertEqual({mid for mid, _ in rows}, set(ids))
        # The task that died with the first worker ran again on the second.
        runs = [
            json.loads(ids) if isinstance(ids, str) else ids
            for (ids,) in self.query("SELECT worker_ids FROM django_tasks_database_dbtaskresult")
        ]
        self.assertEqual(sorted(len(ids) for ids in runs), [1, 2], runs)

    def test_workers_killed_twenty_times_at_random_points_send_every_message_exactly_once(self):
        seed = random.randrange(1 << 30)
        rng = random.Random(seed)
        self.seed(tickets=50, deferred=0.3, spread=12, seed=seed)
        total = self.query("SELECT COUNT(*) FROM tickets_message WHERE kind = 'outbound'")[0][0]
        self.assertEqual(total, 100)
        slots = [self.start_worker(self.smtp(delay=(0.02, 0.2))) for _ in range(3)]
        kills: list[tuple[int, float]] = []  # (SMTP port of the killed worker, when)
        pending_at_kill = []
        for _ in range(20):
            time.sleep(rng.uniform(0.1, 0.7))
            victim = rng.randrange(len(slots))
            proc = slots[victim]
            port = next(p for w, p in self.workers if w is proc)
            proc.send_signal(signal.SIGKILL)
            kills.append((port, time.monotonic()))
            proc.wait()
            pending_at_kill.append(self.unsent())
            slots[victim] = self.start_worker(self.smtp(delay=(0.02, 0.2)))
        info = f"seed {seed}, {self.database}, unsent at each kill: {pending_at_kill}"
        # The kills happened while mail was waiting to go.
        self.assertGreater(pending_at_kill[0], 0, info)

        self.wait_until(lambda: self.unsent() == 0, 120, f"mail still unsent ({info})")
        self.wait_until(
            lambda: not (self.tasks()["READY"] or self.tasks()["RUNNING"]),
            60,
            f"tasks still queued or running ({info}): {self.tasks()}",
        )
        self.assertEqual(set(self.tasks()), {"SUCCESSFUL"}, info)

        copies = Counter(mid for _port, mid, _at in self.accepted)
        stored = {
            mid
            for (mid,) in self.query(
                "SELECT email_message_id FROM tickets_message WHERE kind = 'outbound'"
            )
        }
        self.assertEqual(set(copies), stored, info)
        self.assert_second_copies_explained(kills, info)


class LockedDatabaseTests(SeparateInstallation, SimpleTestCase):
    """On SQLite, a writer holding the lock longer than the busy timeout makes the worker's
    claim fail with "database is locked": the worker waits and goes on."""

    def test_the_worker_outlives_a_locked_database_and_then_runs_what_was_queued(self):
        if self.pg_url:
            self.env.pop("KIZUNA_DATABASE_URL")
            self.pg_url = ""
        self.env.update(KIZUNA_SQLITE_BUSY_SECONDS="1", KIZUNA_POLL_SECONDS="3600")
        run = [sys.executable, "-m", "kizuna"]
        done = subprocess.run([*run, "migrate", "-v", "0"], env=self.env, capture_output=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        log = self.home / "worker.log"
        with open(log, "w") as out:
            worker = subprocess.Popen(
                [*run, "worker", "--interval", "0.1"], env=self.env, stdout=out, stderr=out
            )
        try:
            path = self.home / "kizuna.sqlite3"
            deadline = time.monotonic() + 60
            while not self.query("SELECT COUNT(*) FROM background_workerlease")[0][0]:
                self.assertLess(time.monotonic(), deadline, log.read_text())
                time.sleep(0.2)
            blocker = sqlite3.connect(path, isolation_level=None)
            blocker.execute("BEGIN EXCLUSIVE")
            time.sleep(4)  # four busy timeouts: each claim in between fails
            blocker.execute("ROLLBACK")
            blocker.close()
            self.assertIsNone(worker.poll(), log.read_text())
            enqueue = "from kizuna.mail.tasks import mail_recover; mail_recover.enqueue()"
            done = subprocess.run([*run, "shell", "-c", enqueue], env=self.env, capture_output=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            deadline = time.monotonic() + 30
            while (
                self.query(
                    "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
                )[0][0]
                != 1
            ):
                self.assertLess(time.monotonic(), deadline, log.read_text())
                time.sleep(0.2)
            self.assertIsNone(worker.poll(), log.read_text())
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
        output = log.read_text()
        self.assertIn("database is locked", output)
        self.assertIn("trying again", output)
        self.assertEqual(worker.returncode, 0, output)
        # It gave its lease up when it stopped.
        self.assertEqual(self.query("SELECT COUNT(*) FROM background_workerlease")[0][0], 0)


# A team of two with a lead, and tickets whose first response falls due in the next seconds,
# each warned a moment before; the customers' own mail is out of the way.
SEED_TIMERS = """
import random
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from kizuna.sla.models import Deadline
from kizuna.tickets import services
from kizuna.tickets.models import Contact, EmailDomain, Message, Organization, Team
User = get_user_model()
org = Organization.objects.create(name="山田商事")
EmailDomain.objects.create(organization=org, domain="yamada.example.jp")
lead = User.objects.create_user("kimura", "kimura@kizuna.example", "x" * 20)
team = Team.objects.create(name="Hosting", lead=lead)
for name in ("sato", "alice"):
    team.members.add(User.objects.create_user(name, name + "@kizuna.example", "x" * 20))
for n in range({tickets}):
    contact = Contact.objects.create(
        organization=org, name=f"顧客 {{n}}", email=f"c{{n}}@yamada.example.jp", language="ja"
    )
    services.ticket_open(
        requester=contact, subject=f"サーバーが応答しない {{n}}", body="503が返ります。", team=team
    )
DBTaskResult.objects.all().delete()
Message.objects.update(mailed_at=timezone.now())
now = timezone.now()
Deadline.objects.exclude(kind="first_response").update(cancelled_at=now)
rng = random.Random({seed})
for deadline in Deadline.objects.filter(kind="first_response"):
    deadline.due_at = now + timedelta(seconds=rng.uniform({first}, {spread}))
    deadline.warn_at = deadline.due_at - timedelta(seconds=rng.uniform(1, 4))
    deadline.save(update_fields=["due_at", "warn_at"])
"""


class TimerWorkerCrashTests(WorkerProcesses, SimpleTestCase):
    """Two workers scan for warnings and missed times while one of them is killed again and
    again: every warning and breach is recorded and notified once, and mailed once."""

    def test_two_workers_killed_mid_way_record_and_send_every_warning_and_breach_once(self):
        seed = random.randrange(1 << 30)
        rng = random.Random(seed)
        tickets = 30
        self.env.update(KIZUNA_SLA_SCAN_SECONDS="1")
        self.kizuna("migrate", "--verbosity", "0")
        code = SEED_TIMERS.format(tickets=tickets, seed=seed, first=8, spread=24)
        self.kizuna("shell", "-c", code)
        stalled = self.smtp(delay=(0.02, 0.15))
        stalled.hold_first = True
        slots = [self.start_worker(stalled), self.start_worker(self.smtp(delay=(0.02, 0.15)))]
        kills: list[tuple[int, float]] = []
        # First, once: a worker killed inside the SMTP conversation of a notification.
        self.assertTrue(stalled.started.wait(60), self.logs())
        slots[0].send_signal(signal.SIGKILL)
        kills.append((stalled.port, time.monotonic()))
        slots[0].wait()
        slots[0] = self.start_worker(self.smtp(delay=(0.02, 0.15)))
        for _ in range(8):
            time.sleep(rng.uniform(0.8, 2.5))
            victim = rng.randrange(len(slots))
            proc = slots[victim]
            port = next(p for w, p in self.workers if w is proc)
            proc.send_signal(signal.SIGKILL)
            kills.append((port, time.monotonic()))
            proc.wait()
            slots[victim] = self.start_worker(self.smtp(delay=(0.02, 0.15)))
        info = f"seed {seed}, {self.database}"

        def breached() -> int:
            return self.query(
                "SELECT COUNT(*) FROM sla_deadline "
                "WHERE kind = 'first_response' AND breached_at IS NOT NULL"
            )[0][0]

        def unmailed() -> int:
            return self.query(
                "SELECT COUNT(*) FROM notifications_notification WHERE mailed_at IS NULL"
            )[0][0]

        self.wait_until(lambda: breached() == tickets, 120, f"deadlines not breached ({info})")
        self.wait_until(lambda: unmailed() == 0, 120, f"notifications unmailed ({info})")
        self.wait_until(
            lambda: not (self.tasks()["READY"] or self.tasks()["RUNNING"]),
            60,
            f"tasks still queued or running ({info}): {self.tasks()}",
        )
        self.assertEqual(set(self.tasks()), {"SUCCESSFUL"}, info)

        # One breach event per ticket, escalated to the lead.
        events = Counter(
            ticket
            for (ticket,) in self.query(
                "SELECT ticket_id FROM tickets_ticketevent WHERE kind = 'breach'"
            )
        )
        self.assertEqual(len(events), tickets, info)
        self.assertEqual(set(events.values()), {1}, info)
        # Per deadline: a warning to each member if it was warned in time, a breach notice to
        # each member and an escalation to the lead; never a second of any.
        rows = self.query(
            "SELECT d.id, d.warned_at IS NOT NULL, u.username, n.kind "
            "FROM sla_deadline d JOIN notifications_notification n "
            "ON n.key LIKE 'deadline:' || d.id || ':%' "
            "JOIN auth_user u ON u.id = n.recipient_id WHERE d.kind = 'first_response'"
        )
        per_deadline: dict[int, Counter] = {}
        warned = {}
        for deadline, was_warned, user, kind in rows:
            per_deadline.setdefault(deadline, Counter())[(user, kind)] += 1
            warned[deadline] = bool(was_warned)
        self.assertEqual(len(per_deadline), tickets, info)
        for deadline, seen in per_deadline.items():
            expected = Counter(
                {("sato", "breach"): 1, ("alice", "breach"): 1, ("kimura", "escalation"): 1}
            )
            if warned[deadline]:
                expected.update({("sato", "warning"): 1, ("alice", "warning"): 1})
            self.assertEqual(seen, expected, f"deadline {deadline} ({info})")
        # Warnings fall due 1–4 s before their breach; a scan that comes late on a busy
        # machine finds the breach due too and records only that, as it should. A fair share
        # must still have been warned in time.
        self.assertGreater(sum(warned.values()), tickets // 4, f"few warnings ({info})")

        # Each notification reached the SMTP server; a second copy only where its worker
        # was killed after the whole message had arrived and before it could record so.
        expected_ids = {
            f"<notification-{pk}.{created:%Y%m%d%H%M%S}@kizuna.example>"
            for pk, created in self.notification_rows()
        }
        copies = Counter(mid for _port, mid, _at in self.accepted)
        self.assertEqual(set(copies), expected_ids, info)
        self.assert_second_copies_explained(kills, info)

    def notification_rows(self):
        rows = self.query("SELECT id, created_at FROM notifications_notification")
        return [(pk, _as_utc(created)) for pk, created in rows]


def _as_utc(value):
    """A timestamp as the database gave it (SQLite: text in UTC), as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
