"""`kizuna worker`: runs background tasks (outgoing mail and the rest) from the database queue.

Workers claim tasks from the database, so any number of them may run, on one machine or many,
against the same PostgreSQL database. Each holds a lease it renews while alive; the tasks of a
worker that died run again on another once its lease expires, and a busy or briefly
unreachable database is waited out (kizuna/background/runner.py). While mailboxes exist, each
worker also enqueues a poll of the IMAP mailboxes every KIZUNA_POLL_SECONDS; each mailbox is
claimed by one poller at a time, so more workers never poll a mailbox twice (docs/email.md).
Every KIZUNA_SLA_SCAN_SECONDS, while a warning or a missed time is due, it enqueues the scan
that records them; each is recorded once however many workers scan (docs/sla.md). The same
goes for the reminders and auto-closes of unanswered resolved requests (docs/closing.md).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from kizuna.background.runner import LeasedWorker
from kizuna.closing.tasks import closing_timers
from kizuna.closing.timers import closing_pending
from kizuna.lib.durability import sync_every_commit
from kizuna.lib.startup import freeze_startup_objects
from kizuna.mail.outbound import messages_to_recover
from kizuna.mail.tasks import mail_recover, mailboxes_poll, polling_needed
from kizuna.sla.tasks import sla_timers
from kizuna.sla.timers import timers_pending

logger = logging.getLogger(__name__)


def mail_step() -> None:
    """Enqueue a poll of the mailboxes while there are any, and the recovery of outgoing mail
    that no queued task will send (its worker died mid-send, or its task was lost)."""
    if polling_needed():
        mailboxes_poll.enqueue()
    if messages_to_recover():
        mail_recover.enqueue()


def sla_step() -> None:
    """Enqueue the scan of warnings and missed times when any is due, and the one of the
    reminders and auto-closes of resolved requests."""
    now = timezone.now()
    if timers_pending(now=now):
        sla_timers.enqueue()
    if closing_pending(now=now):
        closing_timers.enqueue()


def schedule(stop: threading.Event, step, seconds: float) -> None:
    """Run `step` every `seconds` until `stop` is set."""
    while True:
        try:
            close_old_connections()
            step()
        except Exception:
            # A database hiccup must not end the schedule; the next round tries again.
            logger.exception("Scheduled step %s failed", step.__name__)
        if stop.wait(seconds):
            return


class Command(BaseCommand):
    help = "Run a background worker that processes queued tasks (e.g. outgoing mail) until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait when the queue is empty (default 1)",
        )
        parser.add_argument(
            "--batch", action="store_true", help="process what is queued now, then exit"
        )
        parser.add_argument(
            "--queue-name", default="*", help="queue(s) to process, comma-separated (default: all)"
        )
        parser.add_argument(
            "--worker-id", default=None, help="a unique id for this worker (default: generated)"
        )

    def handle(
        self, *args, interval: float, batch: bool, queue_name: str, worker_id: str | None, **options
    ):
        if interval < 0:
            raise CommandError("--interval cannot be negative.")
        if worker_id is not None and not 0 < len(worker_id) <= 64:
            raise CommandError("--worker-id must be 1 to 64 characters long.")
        freeze_startup_objects()
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError(
                "kizuna worker runs tasks from the database queue, but KIZUNA_TASK_BACKEND names "
                "another backend."
            )
        queue_names = [name.strip() for name in queue_name.split(",") if name.strip()] or ["*"]
        worker = LeasedWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        DatabaseWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(
            options["verbosity"]
        )
        # Workers poll the IMAP mailboxes too: mail moved off the server once stored must
        # survive a power cut.
        sync_every_commit()
        stop = threading.Event()
        if not batch:
            for step, seconds in (
                (mail_step, settings.KIZUNA_POLL_SECONDS),
                (sla_step, settings.KIZUNA_SLA_SCAN_SECONDS),
            ):
                threading.Thread(
                    target=schedule,
                    args=(stop, step, seconds),
                    name=f"schedule-{step.__name__}",
                    daemon=True,
                ).start()
        try:
            worker.configure_signals()
            worker.run()
        finally:
            stop.set()
