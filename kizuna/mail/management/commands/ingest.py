"""`kizuna ingest PATH...`: mail from .eml files, mbox files and Maildir folders, through the
same pipeline as IMAP and SMTP (see docs/email.md).

A bad message is an outcome (quarantined, with its reason), not a crash; the exit status is
non-zero only for a fatal error such as a path that does not exist (2).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from kizuna.mail.ingest import ingest_many
from kizuna.mail.models import InboundState
from kizuna.mail.sources import SourceError, collect

# Below this many messages a progress bar is more noise than help.
PROGRESS_FROM = 200


class Progress:
    """A one-line progress bar on a terminal; silent when stderr is a file or a pipe."""

    def __init__(self, total: int, stream) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total >= PROGRESS_FROM and stream.isatty()
        self.done = 0
        self.started = time.monotonic()
        self.shown = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self.shown > 0.1 or self.done == self.total):
            self.shown = now
            width = 30
            filled = width * self.done // self.total
            rate = self.done / max(now - self.started, 1e-6)
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                f"  {rate:.0f} messages/s "
            )
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Ingest mail from .eml files, mbox files and Maildir folders (oldest first)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object per message on stdout"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="messages whose raw bytes are committed together (default 100)",
        )

    def handle(self, *args, paths, json: bool = False, batch_size: int = 100, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=2)
        try:
            items = collect(paths)
        except (SourceError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        as_json = json
        verbosity = options.get("verbosity", 1)
        counts: Counter[str] = Counter()
        progress = Progress(len(items), sys.stderr)
        started = time.monotonic()
        stream = ((item.read(), item.source) for item in items)
        for result in ingest_many(stream, batch_size=batch_size):
            counts[result.outcome] += 1
            if as_json:
                self.stdout.write(_dumps(result.as_json()))
            elif verbosity > 1 or result.outcome in (
                InboundState.QUARANTINED,
                InboundState.HELD,
            ):
                ticket = result.ticket or "-"
                reason = f"  ({result.reason})" if result.reason else ""
                self.stdout.write(f"{result.outcome:<11} {ticket:<10} {result.source}{reason}")
            progress.step()
        progress.close()
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        line = f"{total} messages in {elapsed:.1f} s" + (f": {summary}" if summary else "")
        (self.stderr if as_json else self.stdout).write(line, style_func=str)


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)
