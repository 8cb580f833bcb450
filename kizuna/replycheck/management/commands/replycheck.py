"""`kizuna replycheck`: check a draft reply from a file or standard input; with `--jsonl`, many
drafts at once, one JSON object per line in and out, so a batch does not pay the process's
start (and the analyser's loading) for each draft."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kizuna.lib.cli import json_text, read_text
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
        parser.add_argument(
            "--jsonl",
            action="store_true",
            help='many drafts: one JSON object per input line, {"text": …, and optionally '
            '"id", "lang", "audience", "purpose"}; one result per output line',
        )

    def run_from_argv(self, argv):
        # Bad arguments and unreadable input exit with status 2, as argparse does, so that
        # scripts can tell "the draft has errors" (1) from "the check did not run" (2).
        try:
            super().run_from_argv(argv)
        except CommandError as e:
            self.stderr.write(f"replycheck: error: {e}")
            sys.exit(2)

    def handle(self, *args, **options):
        if options["jsonl"]:
            sys.exit(_batch(options, out=self.stdout))
        text = read_text(options["file"])
        result = check(
            text, lang=options["lang"], audience=options["audience"], purpose=options["purpose"]
        )
        if options["format"] == "json":
            self.stdout.write(json_text(result.to_dict(), indent=2))
        else:
            self.stdout.write(format_text(text, result, name=options["file"]))
        if result.has_errors:
            sys.exit(1)


def _lines(path: str):
    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror or e}", returncode=2) from e
    with stream:
        yield from stream


def _item(raw: bytes, options) -> tuple[object, dict]:
    """The id and the check() arguments of one input line; ValueError says what is wrong."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 (byte {e.start})") from None
    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(item, dict):
        raise ValueError('each line must be a JSON object such as {"text": "..."}')
    unknown = set(item) - {"id", "text", "lang", "audience", "purpose"}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    kwargs = {
        "lang": options["lang"],
        "audience": options["audience"],
        "purpose": options["purpose"],
    }
    for key in ("lang", "audience", "purpose"):
        if key in item:
            if not isinstance(item[key], str):
                raise ValueError(f'"{key}" must be a string')
            kwargs[key] = item[key]
    return item.get("id"), {"text": text, **kwargs}


def _batch(options, *, out) -> int:
    """Check each line; answer each in order. Exit status 2 when any line could not be
    checked (its answer says why; the others are still checked), else 1 when any draft has
    an error finding, else 0."""
    status = 0
    for number, raw in enumerate(_lines(options["file"]), start=1):
        if not raw.strip():
            continue
        answer: dict
        try:
            ident, kwargs = _item(raw, options)
            result = check(kwargs.pop("text"), **kwargs)
        except ValueError as e:
            answer = {"line": number, "error": str(e)}
            status = 2
        else:
            answer = {"id": ident, **result.to_dict()} if ident is not None else result.to_dict()
            if result.has_errors and status == 0:
                status = 1
        out.write(json_text(answer))
    return status


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
