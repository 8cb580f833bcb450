"""kizuna search [--format text|json] [--limit N] QUERY: the desk's search from the shell."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from kizuna.search.query import MAX_LIMIT, search
from kizuna.search.results import result_dicts
from kizuna.tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Search tickets, messages, contacts and organizations (Japanese and English): every "
        "word must be found; a reference such as KZ-000123 names its ticket."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help="the words to look for")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--limit", type=int, default=20, help=f"1 to {MAX_LIMIT} results")

    def handle(self, *args, **options):
        limit = options["limit"]
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}.")
        query = " ".join(options["query"])
        if not query.strip():
            raise CommandError("Give at least one word to search for.")
        results = result_dicts(search(query, tickets=Ticket.objects.all(), limit=limit))
        if options["format"] == "json":
            self.stdout.write(json.dumps({"results": results}, ensure_ascii=False))
            return
        if not results:
            self.stdout.write("No ticket holds all of these words.")
            return
        for r in results:
            self.stdout.write(f"{r['ticket']}  {r['subject']}  (score {r['score']})")
            self.stdout.write(f"    {marked(r['snippet'], r['highlights'])}")


def marked(snippet: str, highlights: list[list[int]]) -> str:
    """The snippet with each found word in 【】 (a terminal shows no <mark>)."""
    out, last = [], 0
    for start, end in highlights:
        out += [snippet[last:start], "【", snippet[start:end], "】"]
        last = end
    out.append(snippet[last:])
    return "".join(out)
