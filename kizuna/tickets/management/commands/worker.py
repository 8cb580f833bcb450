"""`kizuna worker`: runs background tasks (outgoing mail and the rest) from the database queue.

Workers claim tasks from the database, so any number of them may run, on one machine or many,
against the same PostgreSQL database. While mailboxes exist, each worker also enqueues a poll
of the IMAP mailboxes every KIZUNA_POLL_SECONDS; each mailbox is claimed by one poller at a
time, so more workers never poll a mailbox twice (docs/email.md).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from kizuna.lib.durability import sync_every_commit

logger = logging.getLogger(__name__)


def schedule_mail_polls(stop: threading.Event) -> None:
    """Every KIZUNA_POLL_SECONDS: enqueue a poll of the mailboxes while there are any, and
    the recovery of outgoing mail whose worker died mid-send when there is such mail."""
    from kizuna.mail.tasks import mailboxes_poll, polling_needed
    from kizuna.tickets.mail import stale_claims
    from kizuna.tickets.tasks import mail_recover

    while True:
        try:
            close_old_connections()
            if polling_needed():
                mailboxes_poll.enqueue()
            if stale_claims().exists():
                mail_recover.enqueue()
        except Exception:
            # A database hiccup must not end the schedule; the next round tries again.
            logger.exception("Could not enqueue the mailbox poll or the mail recovery")
        if stop.wait(settings.KIZUNA_POLL_SECONDS):
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
        worker_args = [
            "--interval",
            str(interval),
            "--queue-name",
            queue_name,
            "--no-startup-delay",
        ]
        if batch:
            worker_args.append("--batch")
        if worker_id:
            worker_args += ["--worker-id", worker_id]
        # Workers poll the IMAP mailboxes too: mail moved off the server once stored must
        # survive a power cut.
        sync_every_commit()
        stop = threading.Event()
        if not batch:
            threading.Thread(
                target=schedule_mail_polls, args=(stop,), name="mail-poll-schedule", daemon=True
            ).start()
        try:
            call_command("db_worker", *worker_args, verbosity=options["verbosity"])
        finally:
            stop.set()
