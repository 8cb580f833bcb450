"""`kizuna pollmail [--once] [--mailbox NAME]`: fetch mail from the IMAP mailboxes.

Without --once it polls every KIZUNA_POLL_SECONDS until stopped; a mailbox that fails is
backed off and retried, the others carry on (docs/email.md, "IMAP and SMTP/LMTP").
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from kizuna.lib.durability import sync_every_commit
from kizuna.mail.imap import PollResult, mailboxes_due, mailboxes_poll
from kizuna.mail.ingest import process_pending
from kizuna.mail.models import Mailbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Fetch new mail from the configured IMAP mailboxes and turn it into tickets."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="poll once, then exit")
        parser.add_argument(
            "--mailbox",
            metavar="NAME",
            help="poll only this mailbox, now, even while it is backing off after failures",
        )

    def handle(self, *args, once: bool, mailbox: str | None, **options):
        # Mail is moved off the IMAP server once stored: the store must survive a power cut.
        sync_every_commit()
        chosen = None
        if mailbox:
            chosen = Mailbox.objects.filter(name=mailbox).first()
            if chosen is None:
                names = ", ".join(Mailbox.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No mailbox named {mailbox!r} (mailboxes: {names}).")
            if not chosen.host:
                raise CommandError(f"Mailbox {mailbox!r} has no IMAP host to poll.")
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            try:
                self._round(chosen)
            except Exception:
                if once:
                    raise
                # The database may be briefly unreachable: the next round tries again.
                logger.exception("Polling the mailboxes failed")
            if once or stop.wait(settings.KIZUNA_POLL_SECONDS):
                return
            # A long-running poller must not keep a connection the database has dropped.
            close_old_connections()

    def _round(self, chosen: Mailbox | None) -> None:
        if chosen is not None:
            chosen.refresh_from_db()  # its failure record changes from round to round
        targets = [chosen] if chosen is not None else list(mailboxes_due())
        for result in mailboxes_poll(mailboxes=targets, force=chosen is not None):
            self._report(result)
        # Anything stored but not processed (a crash, a listener's backlog) is finished too.
        process_pending()

    def _report(self, result: PollResult) -> None:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(result.outcomes.items()))
        if result.error:
            self.stderr.write(f"{result.mailbox}: {result.error}")
        else:
            self.stdout.write(
                f"{result.mailbox}: {result.fetched} fetched ({counts or 'nothing new'})"
            )
