"""`kizuna restore FILE [--force]`: an archive of `kizuna backup` into this installation,
which must be empty unless --force (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kizuna.backup.archive import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `kizuna backup` into this (empty) installation."

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="FILE")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace whatever this installation holds with the backup",
        )

    def handle(self, *args, archive: str, force: bool = False, **options):
        try:
            summary = restore(Path(archive), force=force)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            f"Restored the {summary.database} database and {summary.files} attachment "
            f"file(s) from {archive}. Run `kizuna migrate` if this Kizuna is newer than the "
            "backup."
        )
