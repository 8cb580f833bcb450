"""`kizuna export --out FILE`: every ticket, message and attachment as JSON lines, for audits,
comparisons and migrations (format: docs/export.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kizuna.tickets.export import export_write


class Command(BaseCommand):
    help = (
        "Export every organization, contact, ticket, message (with its text), attachment "
        "(name, size, sha256) and event as JSON lines; see docs/export.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, help="the file to write, or - for standard output"
        )

    def handle(self, *args, out: str, **options):
        if out == "-":
            # Lines go out exactly as written, without the wrapper's own line endings.
            self.stdout.ending = ""
            export_write(self.stdout)
            return None
        target = Path(out)
        if target.is_dir():
            raise CommandError(f"--out {out}: is a directory; give a file name.", returncode=2)
        if not target.parent.is_dir():
            raise CommandError(
                f"--out {out}: the directory {target.parent} does not exist.", returncode=2
            )
        try:
            header = export_write(target)
        except PermissionError as exc:
            raise CommandError(f"--out {out}: {exc.strerror}.", returncode=2) from None
        summary = ", ".join(f"{kind}s: {n}" for kind, n in header["counts"].items())
        self.stderr.write(f"Exported to {out}: {summary}.")
        return None
