"""`kizuna ingest PATH...`: mail from .eml files, mbox files and Maildir folders, through the
same pipeline as IMAP and SMTP (see docs/email.md).

A bad message is an outcome (quarantined, with its reason), not a crash; the exit status is
non-zero only for a fatal error such as a path that does not exist (2).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError

from kizuna.lib.startup import freeze_startup_objects
from kizuna.mail.ingest import ingest_many
from kizuna.mail.models import InboundState
from kizuna.mail.sources import SourceError, collect

# Below this many messages a progress bar is more noise than help.
PROGRESS_FROM = 200
# Below this many, starting a parsing process costs more than it saves.
PARALLEL_FROM = 300


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

    def clear(self) -> None:
        """Wipe the bar before a line is printed, so the line does not run into it (the next
        step draws the bar again below it)."""
        if self.enabled and self.done:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = 0.0

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Ingest mail from .eml files, mbox files and Maildir folders (oldest first)."
    # The system checks load every URL and view (a second or so): `kizuna check`, `serve`
    # and `migrate` run them; a mail import does not need them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object per message on stdout"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=250,
            help="messages stored, then processed, together (default 250)",
        )

    def handle(self, *args, paths, json: bool = False, batch_size: int = 250, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=2)
        freeze_startup_objects()
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
        with _parse_pool(len(items)) as pool:
            results = ingest_many(stream, batch_size=batch_size, parse_pool=pool)
            for result in results:
                self._report(result, counts, as_json, verbosity, progress)
                progress.step()
        progress.close()
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        line = f"{total} messages in {elapsed:.1f} s" + (f": {summary}" if summary else "")
        (self.stderr if as_json else self.stdout).write(line, style_func=str)

    def _report(
        self, result, counts: Counter, as_json: bool, verbosity: int, progress: Progress
    ) -> None:
        counts[result.outcome] += 1
        if as_json:
            self.stdout.write(_dumps(result.as_json()))
        elif verbosity > 1 or result.outcome in (InboundState.QUARANTINED, InboundState.HELD):
            progress.clear()
            ticket = result.ticket or "-"
            reason = f"  ({result.reason})" if result.reason else ""
            self.stdout.write(f"{result.outcome:<11} {ticket:<10} {result.source}{reason}")


@contextlib.contextmanager
def _parse_pool(count: int):
    """A second process that parses the next batch while this one writes to the database;
    only worth starting for a large input on a machine with more than one core."""
    if count < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pool.submit(int)  # start it now, while the first batch is read in this process
        yield pool


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)
