"""`kizuna backup --out FILE`: the database and every attachment in one archive, while the
service runs (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kizuna.backup.archive import BackupError, backup_write


class Command(BaseCommand):
    help = "Write a consistent backup of the database and the attachments to one archive file."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the archive to write (a .tar file)")

    def handle(self, *args, out: str, **options):
        try:
            summary = backup_write(Path(out))
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            f"Backed up the {summary.database} database and {summary.files} attachment "
            f"file(s), {summary.bytes / 1048576:.1f} MB, to {out}."
        )
