"""`kizuna promises`: the commitments with a time in an agent's text (P13), from a file or
standard input. See docs/sla.md ("Promises")."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kizuna.lib.cli import read_text
from kizuna.sla.calendar import Calendar, CalendarError, time_zone
from kizuna.sla.ledger import reading_calendar
from kizuna.sla.promises import Promise, extract


class Command(BaseCommand):
    help = (
        "List the commitments with a time in an agent's reply or status note (P13), with "
        "when each falls due in business time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for stdin")
        parser.add_argument(
            "--now",
            help="when the text was written, ISO 8601 (default: now; without an offset: in --tz)",
        )
        parser.add_argument(
            "--tz", help="time zone to show due times in (default: the calendar's, e.g. Asia/Tokyo)"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run_from_argv(self, argv):
        # Bad arguments and unreadable input exit with status 2, as argparse does.
        try:
            super().run_from_argv(argv)
        except CommandError as e:
            self._fail(e)

    def handle(self, *args, **options):
        try:
            self._list(options)
        except CommandError as e:
            self._fail(e)

    def _fail(self, error: CommandError):
        self.stderr.write(f"promises: error: {error}")
        sys.exit(2)

    def _list(self, options) -> None:
        shown = _zone(options["tz"]) if options["tz"] else None
        calendar = default_calendar()
        shown = shown or calendar.zone
        now = _parse_now(options["now"], shown) if options["now"] else timezone.now()
        text = read_text(options["file"])
        found = extract(text, now=now, calendar=calendar)
        if options["format"] == "json":
            data = {"promises": [_as_dict(p, shown) for p in found]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        elif found:
            self.stdout.write(format_text(text, found, shown))


def default_calendar() -> Calendar:
    try:
        return reading_calendar()
    except CalendarError as e:
        raise CommandError(f"the business calendar cannot be used: {e}") from e


def _zone(name: str) -> ZoneInfo:
    try:
        return time_zone(name)
    except CalendarError as e:
        raise CommandError(f"--tz: {e}") from e


def _parse_now(value: str, zone: ZoneInfo) -> datetime:
    try:
        now = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--now: “{value}” is not an ISO 8601 date and time (e.g. 2026-11-20T10:00+09:00)"
        ) from None
    return now.replace(tzinfo=zone) if now.tzinfo is None else now


def _as_dict(promise: Promise, zone: ZoneInfo) -> dict:
    return {
        "text": promise.text,
        "start": promise.start,
        "end": promise.end,
        "due": promise.due.astimezone(zone).isoformat(timespec="seconds"),
    }


def format_text(text: str, found: list[Promise], zone: ZoneInfo) -> str:
    """One line per promise: `line:col due text` (line and column from 1, in characters)."""
    lines = []
    for p in found:
        line = text.count("\n", 0, p.start) + 1
        col = p.start - (text.rfind("\n", 0, p.start) + 1) + 1
        due = p.due.astimezone(zone).isoformat(timespec="seconds")
        lines.append(f"{line}:{col} {due} {' '.join(p.text.split())}")
    return "\n".join(lines)
