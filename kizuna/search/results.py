"""A search result as the API and `kizuna search --format json` give it."""

from __future__ import annotations

from kizuna.search.query import SearchResult


def result_dicts(result: SearchResult) -> list[dict]:
    """`{"ticket", "subject", "snippet", "score"}` per ticket (plus where the words are in the
    snippet, and the ticket's status); a ticket named by its reference comes first."""
    out = []
    if result.reference is not None:
        t = result.reference
        # Its own score when its text matched too; 0 when only the reference did.
        own = next((h.score for h in result.hits if h.ticket.pk == t.pk), 0.0)
        out.append(
            {
                "ticket": t.reference,
                "subject": t.subject,
                "snippet": t.subject,
                "score": own,
                "highlights": [],
                "status": t.status,
            }
        )
    for hit in result.hits:
        if result.reference is not None and hit.ticket.pk == result.reference.pk:
            continue
        out.append(
            {
                "ticket": hit.ticket.reference,
                "subject": hit.ticket.subject,
                "snippet": hit.snippet,
                "score": hit.score,
                "highlights": [list(h) for h in hit.highlights],
                "status": hit.ticket.status,
            }
        )
    return out
