"""Writers on SQLite queue on a lock file (kizuna/lib/queued_sqlite): separate processes with
Kizuna's own settings, one holding a write transaction while another waits for it."""

from __future__ import annotations

import fcntl
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.test import SimpleTestCase

from kizuna.test import SeparateInstallation

# One process's part: take a write transaction, say so, and hold it until told (a line on
# stdin) to commit, roll back, or not at all ("write" just writes and commits; "late" first
# waits inside the atomic block, before its first statement, until told to go on).
SCRIPT = """
import sys
import django
django.setup()
from django.db import connection, transaction
from django.db.utils import OperationalError
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
mode, text = sys.argv[1], sys.argv[2]
try:
    with transaction.atomic():
        if mode == "late":
            # Inside the block, but no statement yet (Python work before the first write).
            print("entered", flush=True)
            sys.stdin.readline()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO notes (text) VALUES (%s)", [text])
        print("holding" if mode != "write" else "written", flush=True)
        if mode in ("hold", "late"):
            if sys.stdin.readline().strip() == "rollback":
                raise RuntimeError("rolled back on purpose")
except RuntimeError as exc:
    print(exc, flush=True)
except OperationalError as exc:
    print(f"{type(exc).__module__}.{type(exc).__name__}: {exc}", flush=True)
    sys.exit(3)
print("finished", flush=True)
sys.stdin.readline()  # stay alive (connection open) until told to go
"""


class SqliteWriterQueueTests(SeparateInstallation, SimpleTestCase):
    def setUp(self):
        super().setUp()
        # The queue is SQLite's: on a suite run against PostgreSQL, the processes still
        # write to the installation's SQLite file.
        self.env.pop("KIZUNA_DATABASE_URL", None)
        self.pg_url = ""
        self.queue = Path(f"{self.home / 'kizuna.sqlite3'}-writers")
        self.processes: list[subprocess.Popen] = []
        self.addCleanup(self._end_processes)

    def _end_processes(self):
        for process in self.processes:
            process.kill()
            process.wait()
            process.stdout.close()
            process.stdin.close()

    def start(self, mode: str, text: str, **env) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, mode, text],
            env={**self.env, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        process.lines = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()
        return process

    @staticmethod
    def _read(process: subprocess.Popen) -> None:
        for line in process.stdout:
            process.lines.put(line.strip())

    def line(self, process: subprocess.Popen, timeout: float = 60) -> str | None:
        """The process's next line, or None if it says nothing for `timeout` seconds."""
        try:
            return process.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def tell(self, process: subprocess.Popen, line: str) -> None:
        process.stdin.write(line + "\n")
        process.stdin.flush()

    def queue_is_free(self) -> bool:
        fd = os.open(self.queue, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)  # closing releases the lock if it was taken
        return True

    def notes(self) -> list[str]:
        return sorted(text for (text,) in self.query("SELECT text FROM notes"))

    def write(self, text: str) -> None:
        """A writer that writes `text`; returns once it has committed."""
        writer = self.start("write", text)
        self.assertEqual(self.line(writer), "written")
        self.assertEqual(self.line(writer), "finished")  # committed

    def test_a_writer_waits_for_the_transaction_ahead_and_goes_on_when_it_commits(self):
        holder = self.start("hold", "first")
        self.assertEqual(self.line(holder), "holding")
        self.assertFalse(self.queue_is_free(), "an open write transaction holds the queue")

        waiter = self.start("write", "second")
        # Far longer than Django takes to start: the second writer is waiting, not failing.
        self.assertIsNone(self.line(waiter, timeout=8))
        self.tell(holder, "commit")
        self.assertEqual(self.line(holder), "finished")
        self.assertEqual(self.line(waiter), "written")
        self.assertEqual(self.line(waiter), "finished")
        self.assertEqual(self.notes(), ["first", "second"])
        # Both connections still open, no transaction: the queue is free.
        self.assertTrue(self.queue_is_free())

    def test_a_block_takes_its_turn_at_its_first_statement_not_when_it_is_entered(self):
        self.write("before")  # the table exists
        late = self.start("late", "late")
        self.assertEqual(self.line(late), "entered")
        # Inside its block but not yet writing: others write and commit meanwhile.
        self.assertTrue(self.queue_is_free())
        self.write("meanwhile")
        self.tell(late, "go on")
        self.assertEqual(self.line(late), "holding")
        self.assertFalse(self.queue_is_free(), "its first statement took the queue")
        waiter = self.start("write", "after")
        self.assertIsNone(self.line(waiter, timeout=5))
        self.tell(late, "commit")
        self.assertEqual(self.line(late), "finished")
        self.assertEqual(self.line(waiter), "written")
        self.assertEqual(self.line(waiter), "finished")  # committed
        self.assertEqual(self.notes(), ["after", "before", "late", "meanwhile"])

    def test_a_rolled_back_transaction_frees_the_queue_and_leaves_nothing(self):
        holder = self.start("hold", "undone")
        self.assertEqual(self.line(holder), "holding")
        self.tell(holder, "rollback")
        self.assertEqual(self.line(holder), "rolled back on purpose")
        self.assertEqual(self.line(holder), "finished")
        self.assertTrue(self.queue_is_free())
        self.write("after")
        self.assertEqual(self.notes(), ["after"])

    def test_a_killed_writer_does_not_block_the_next_one(self):
        holder = self.start("hold", "lost")
        self.assertEqual(self.line(holder), "holding")
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        self.write("kept")
        self.assertEqual(self.notes(), ["kept"])

    def test_a_writer_that_cannot_get_the_queue_in_time_fails_as_sqlite_would(self):
        # Create the database and the queue file, then hold the queue from here.
        self.write("before")
        fd = os.open(self.queue, os.O_RDWR)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)
        waiter = self.start("write", "never", KIZUNA_SQLITE_BUSY_SECONDS="1")
        self.assertEqual(self.line(waiter), "django.db.utils.OperationalError: database is locked")
        self.assertEqual(waiter.wait(timeout=30), 3)
        fcntl.flock(fd, fcntl.LOCK_UN)
        self.assertEqual(self.notes(), ["before"])
