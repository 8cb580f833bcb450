"""kizuna reindex: rebuild the search index from the tickets and messages."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kizuna.search.indexing import reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild the search index (after an upgrade that changes how text is cut into words, or "
        "data loaded around Kizuna). Search keeps working meanwhile; a batch of tickets at a time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="tickets per transaction")

    def handle(self, *args, **options):
        batch = options["batch"]
        if batch < 1:
            raise CommandError(f"--batch must be at least 1, not {batch}.")
        verbosity = options["verbosity"]

        def progress(done: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"{done} documents")

        written = reindex_all(batch=batch, progress=progress)
        self.stdout.write(f"Reindexed: {written} documents (tickets and messages).")
