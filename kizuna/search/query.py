"""Answering a search: the tickets whose documents hold every term of the query, best first,
each with a snippet of where the words were found.

The database finds the documents (FTS5 MATCH on SQLite, `@@` on PostgreSQL), newest first and
at most `CANDIDATES` of them, each with the database's relevance (bm25, ts_rank); the tickets
are ranked here by their best document, a hit in the subject, requester or organization
counting double. Bounding the candidates keeps a word found in half a million messages as fast
as a rare one: among that many, the newest are what an agent is after.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import QuerySet

from kizuna.search.indexing import message_document_text, ticket_document_text
from kizuna.search.models import SearchDocument
from kizuna.search.terms import Term, normalise, query_terms, terms
from kizuna.tickets.models import Attachment, Message, Ticket, parse_ticket_id

CANDIDATES = 2_000
# Each word's own newest documents, when no document holds them all (_add_across_documents).
ACROSS_CANDIDATES = 500
# PostgreSQL: how many of the newest documents are walked before the index is asked.
_RECENT_WINDOW = 30_000
_LONGEST_WALK = 150_000
_TABLE = SearchDocument._meta.db_table
MAX_LIMIT = 200
MAX_QUERY_TERMS = 16
SNIPPET_BEFORE, SNIPPET_LENGTH = 40, 160
# Long messages are read for a snippet a piece at a time until a term is found.
_SNIPPET_PIECE, _SNIPPET_READ = 5_000, 100_000
_TICKET_DOCUMENT_WEIGHT = 2.0
_ACROSS_DOCUMENTS_WEIGHT = 0.5


@dataclass
class Hit:
    ticket: Ticket
    score: float
    snippet: str
    # (start, end) of each found word in `snippet`.
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    # The ticket a query such as "KZ-000035" or "35" names, when the asker may see it.
    reference: Ticket | None
    hits: list[Hit]


def search(query: str, *, tickets: QuerySet[Ticket], limit: int = 20) -> SearchResult:
    """Search within `tickets` (what the asker may see, already filtered)."""
    limit = max(1, min(limit, MAX_LIMIT))
    words = query_terms(query)[:MAX_QUERY_TERMS]
    reference = _referenced(query, tickets)
    if not words or tickets.query.is_empty():
        return SearchResult(query, [w.term for w in words], reference, [])
    restrict = _restriction(tickets)
    best: dict[int, tuple[float, int | None]] = {}
    for ticket_id, message_id, score in _matching(words, restrict, wanted=limit):
        if message_id is None:
            score *= _TICKET_DOCUMENT_WEIGHT
        if ticket_id not in best or score > best[ticket_id][0]:
            best[ticket_id] = (score, message_id)
    if len(best) < limit and len(words) > 1:
        _add_across_documents(words, restrict, best)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[0]))[:limit]
    return SearchResult(query, [w.term for w in words], reference, _hits(ranked, words))


def _add_across_documents(words: list[Term], restrict, best: dict) -> None:
    """Tickets holding every word, but not in one document ("障害 青空物産": the word in a
    message, the company on the ticket). Each word's newest matching documents are read on
    their own and their tickets intersected; such a ticket ranks below one document that
    holds them all."""
    per_word = []
    for word in words:
        found: dict[int, tuple[float, int | None]] = {}
        for ticket_id, message_id, score in _matching(
            [word], restrict, candidates=ACROSS_CANDIDATES
        ):
            if ticket_id not in found or score > found[ticket_id][0]:
                found[ticket_id] = (score, message_id)
        per_word.append(found)
    common = set.intersection(*(set(found) for found in per_word)) - best.keys()
    for ticket_id in common:
        hits = [found[ticket_id] for found in per_word]
        score = _ACROSS_DOCUMENTS_WEIGHT * sum(h[0] for h in hits)
        best[ticket_id] = (score, max(hits, key=lambda h: h[0])[1])


def _referenced(query: str, tickets: QuerySet[Ticket]) -> Ticket | None:
    ticket_id = parse_ticket_id(unicodedata.normalize("NFKC", query).strip().upper())
    if ticket_id is None:
        return None
    return tickets.filter(pk=ticket_id).select_related("organization", "requester").first()


@dataclass(frozen=True)
class _Restriction:
    """SQL that keeps only the documents of the tickets the asker may see: a join to the
    ticket and its conditions, checked for each candidate document as the newest are read
    (collecting every visible ticket first took a second at a million tickets)."""

    join: str = ""
    where: str = ""
    params: tuple = ()


def _restriction(tickets: QuerySet[Ticket]) -> _Restriction:
    query = tickets.query
    if not query.where:
        return _Restriction()
    table = Ticket._meta.db_table
    joined = {alias for alias, uses in query.alias_refcount.items() if uses} - {table}
    if joined:
        # Conditions through other tables: the tickets as a subquery instead.
        sub, params = tickets.values("pk").query.sql_with_params()
        return _Restriction("", f" AND d.ticket_id IN ({sub})", tuple(params))
    compiler = query.get_compiler(connection=connection)
    where, params = compiler.compile(query.where)
    return _Restriction(
        f' JOIN "{table}" ON "{table}"."id" = d.ticket_id', f" AND ({where})", tuple(params)
    )


# Terms hold word characters only; quoting still keeps any character literal.
def _fts5_quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _ts_quoted(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _matching(
    words: list[Term], restrict: _Restriction, *, wanted: int = 20, candidates: int = CANDIDATES
) -> list[tuple[int, int | None, float]]:
    """(ticket id, message id or None, relevance) of the newest documents holding every word."""
    if connection.vendor == "postgresql":
        return _matching_postgresql(words, restrict, wanted=wanted, candidates=candidates)
    match = " AND ".join(_fts5_quoted(w.term) for w in words)
    sql = (
        f"SELECT d.ticket_id, d.message_id, -bm25(search_fts) FROM search_fts "
        f"JOIN {_TABLE} d ON d.id = search_fts.rowid{restrict.join} "
        f"WHERE search_fts MATCH %s{restrict.where} ORDER BY search_fts.rowid DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *restrict.params, candidates])
        return [(t, m, float(s)) for t, m, s in cursor.fetchall()]


def _matching_postgresql(words, restrict, *, wanted: int, candidates: int):
    """PostgreSQL plans several words as if they were independent, so two common words that go
    together ("certificate expired") look rare to it, and it reads both of their whole index
    entries (hundreds of milliseconds at millions of documents); so with the conditions of
    what an agent may see. The newest documents are
    tried first by walking the primary key backwards over a recent window: when they already
    hold enough tickets, that is the answer; otherwise (rare combinations) the GIN index is
    the right plan and is used."""
    tsquery = " & ".join(_ts_quoted(w.term) for w in words)
    select = (
        f"SELECT d.ticket_id, d.message_id, ts_rank(d.tsv, %s::tsquery) FROM {_TABLE} d"
        f"{restrict.join} WHERE d.tsv @@ %s::tsquery{restrict.where}"
    )
    where_params = restrict.params
    order = " ORDER BY d.id DESC LIMIT %s"
    with connection.cursor() as cursor:
        # One word alone is estimated well; several, or one with the asker's conditions, not.
        if len(words) > 1 or restrict.where:
            cursor.execute(f"SELECT max(id) FROM {_TABLE}")
            top = cursor.fetchone()[0] or 0
            window = _RECENT_WINDOW
            while True:
                with transaction.atomic():
                    cursor.execute("SET LOCAL enable_bitmapscan = off")
                    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                    cursor.execute(
                        select + " AND d.id > %s" + order,
                        [tsquery, tsquery, *where_params, top - window, candidates],
                    )
                    rows = cursor.fetchall()
                found = len({r[0] for r in rows})
                if found >= wanted or top <= window:
                    return [(t, m, float(s)) for t, m, s in rows]
                # Some, but not enough: a longer walk when the matches seen promise enough
                # within it; none, or too sparse: the index.
                longer = int(window * wanted / found * 1.3) if found else 0
                if not window < longer <= _LONGEST_WALK:
                    break
                window = longer
        cursor.execute(select + order, [tsquery, tsquery, *where_params, candidates])
        return [(t, m, float(s)) for t, m, s in cursor.fetchall()]


def _hits(ranked: list[tuple[int, tuple[float, int | None]]], words: list[Term]) -> list[Hit]:
    ticket_ids = [ticket_id for ticket_id, _ in ranked]
    tickets = Ticket.objects.select_related("organization", "requester", "assignee").in_bulk(
        ticket_ids
    )
    message_ids = [m for _, (_, m) in ranked if m is not None]
    messages = Message.objects.select_related("author_contact", "author_user").in_bulk(message_ids)
    names: dict[int, list[str]] = {}
    for message_id, filename in Attachment.objects.filter(message_id__in=message_ids).values_list(
        "message_id", "filename"
    ):
        names.setdefault(message_id, []).append(filename)
    hits = []
    for ticket_id, (score, message_id) in ranked:
        ticket = tickets.get(ticket_id)
        if ticket is None:  # deleted between the two reads
            continue
        message = messages.get(message_id) if message_id is not None else None
        if message is not None:
            text = message_document_text(message, names.get(message.pk, ()))
        else:
            text = ticket_document_text(ticket)
        snippet, highlights = snippet_of(text, words)
        hits.append(Hit(ticket, float(f"{score:.6g}"), snippet, highlights))
    return hits


def _found(t: Term, word: Term) -> bool:
    """Whether a word of the text is (or contains) a word of the query."""
    return t.term == word.term or word.term in t.parts


def _aligned(text: str, normalised: str, start: int, end: int) -> bool:
    """Whether `normalised[i]` comes from `text[i]` for every i of [start, end)."""
    return (
        len(text) >= end
        and len(normalise(text[:start])) == start
        # Character by character, and as a whole: ﾊ and ﾟ are one character each, but
        # together they become パ.
        and len(normalise(text[start:end])) == end - start
        and all(len(normalise(ch)) == 1 for ch in text[start:end])
    )


def snippet_of(text: str, words: list[Term]) -> tuple[str, list[tuple[int, int]]]:
    """A short passage of `text` around the first of the wanted terms, on one line, and where
    each wanted word is in it."""
    normalised = normalise(text[:_SNIPPET_READ])
    spans: list[tuple[int, int]] = []
    for piece_start in range(0, max(len(normalised), 1), _SNIPPET_PIECE):
        # Pieces overlap a little so that a word across a boundary is still read whole.
        piece_end = min(len(normalised), piece_start + _SNIPPET_PIECE + 50)
        for t in terms(normalised[piece_start:piece_end]):
            if any(_found(t, word) for word in words):
                spans.append((piece_start + t.start, piece_start + t.end))
        if spans:
            break
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    # Start at a word's beginning where the passage does not start the text.
    if start > 0:
        space = normalised.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(normalised), start + SNIPPET_LENGTH)
    # Shown as the customer wrote it (case, full-width letters) where normalising kept every
    # character in place up to the passage's end; otherwise as normalised.
    shown = text if _aligned(text, normalised, start, end) else normalised
    out: list[str] = []
    position: dict[int, int] = {}
    for i in range(start, end):
        ch = shown[i]
        if ch.isspace():
            if out and out[-1] == " ":
                position[i] = len(out) - 1
                continue
            ch = " "
        position[i] = len(out)
        out.append(ch)
    position[end] = len(out)
    highlights = [
        (position[s], position[e] if e in position else len(out))
        for s, e in dict.fromkeys(spans)
        if start <= s < end
    ]
    snippet = "".join(out).strip()
    lead = len("".join(out)) - len("".join(out).lstrip())
    highlights = [(s - lead, min(e - lead, len(snippet))) for s, e in highlights]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(normalised) else ""
    shift = len(prefix)
    return (
        prefix + snippet + suffix,
        [(s + shift, e + shift) for s, e in highlights if e > s],
    )
