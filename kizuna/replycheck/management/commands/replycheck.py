"""`kizuna replycheck`: check a draft reply from a file or standard input."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kizuna.replycheck import check
from kizuna.replycheck.findings import AUDIENCES, LANGUAGES, PURPOSES, Result


class Command(BaseCommand):
    help = (
        "Check a draft reply to a customer against the communication standard (P1-P8, P11). "
        "Exit status 1 when any finding is an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for stdin")
        parser.add_argument("--lang", choices=("auto", *LANGUAGES), default="auto")
        parser.add_argument("--audience", choices=AUDIENCES, default="general")
        parser.add_argument("--purpose", choices=PURPOSES, default="any")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run_from_argv(self, argv):
        # Bad arguments and unreadable input exit with status 2, as argparse does, so that
        # scripts can tell "the draft has errors" (1) from "the check did not run" (2).
        try:
            super().run_from_argv(argv)
        except CommandError as e:
            self.stderr.write(f"replycheck: error: {e}")
            sys.exit(2)

    def handle(self, *args, **options):
        text = _read(options["file"])
        result = check(
            text, lang=options["lang"], audience=options["audience"], purpose=options["purpose"]
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_text(text, result, name=options["file"]))
        if result.has_errors:
            sys.exit(1)


def _read(path: str) -> str:
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror or e}", returncode=2) from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        name = "standard input" if path == "-" else path
        raise CommandError(
            f"{name} is not valid UTF-8 (byte {e.start}); convert it to UTF-8 first",
            returncode=2,
        ) from e
    return text


def format_text(text: str, result: Result, *, name: str = "-") -> str:
    """One block per finding: `line:col severity rule`, the message and the suggestion."""
    label = "<stdin>" if name == "-" else name
    if not result.findings:
        return f"{label}: no findings (lang {result.lang})"
    lines = []
    for f in result.findings:
        line = text.count("\n", 0, f.start) + 1
        col = f.start - (text.rfind("\n", 0, f.start) + 1) + 1
        excerpt = f.text if len(f.text) <= 60 else f.text[:57] + "..."
        excerpt = excerpt.replace("\n", " ")
        lines.append(f"{label}:{line}:{col}: {f.severity} [{f.category}] {f.rule} ({f.principle})")
        lines.append(f"    text:       {excerpt}")
        lines.append(f"    problem:    {f.message}")
        lines.append(f"    suggestion: {f.suggestion}")
    counts = {
        s: sum(1 for f in result.findings if f.severity == s) for s in ("error", "warning", "info")
    }
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    lines.append(f"{len(result.findings)} findings ({summary}; lang {result.lang})")
    return "\n".join(lines)
