"""`kizuna mood`: the mood of a customer's message (P8), from a file or standard input.
See docs/mood.md."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kizuna.lib import cli
from kizuna.lib.cli import read_text
from kizuna.mood import REASONS, MoodResult, assess


class Command(BaseCommand):
    help = (
        "Read the mood of a customer's message (P8): calm, concerned, upset or panicking, "
        "with the words that decided it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for stdin")
        parser.add_argument("--lang", choices=("auto", "ja", "en"), default="auto")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run_from_argv(self, argv):
        # Bad arguments and unreadable input exit with status 2, as argparse does.
        try:
            super().run_from_argv(argv)
        except CommandError as e:
            self._fail(e)

    def handle(self, *args, **options):
        try:
            text = read_text(options["file"])
        except CommandError as e:
            self._fail(e)
        result = assess(text, lang=options["lang"])
        if options["format"] == "json":
            self.stdout.write(json_text(result))
        else:
            self.stdout.write(format_text(text, result))

    def _fail(self, error: CommandError):
        self.stderr.write(f"mood: error: {error}")
        sys.exit(2)


def json_text(result: MoodResult) -> str:
    """The JSON of PRODUCT.md: {"mood", "cues": [{"text", "start", "end"}]}."""
    return cli.json_text(result.to_dict(), indent=2)


def format_text(text: str, result: MoodResult) -> str:
    """The mood, then one line per cue: `line:col start-end reason  text`."""
    lines = [result.mood]
    for cue in result.cues:
        if cue.end == 0:
            lines.append(f"  -        {cue.reason}  ({REASONS[cue.reason]})")
            continue
        line = text.count("\n", 0, cue.start) + 1
        col = cue.start - (text.rfind("\n", 0, cue.start) + 1) + 1
        lines.append(f"  {line}:{col} {cue.start}-{cue.end} {cue.reason}  {_printable(cue.text)}")
    return "\n".join(lines)


def _printable(s: str) -> str:
    # One line per cue: line breaks, control characters and lone surrogates become spaces.
    return " ".join("".join(c if c.isprintable() else " " for c in s).split())
