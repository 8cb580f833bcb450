"""The composer's promise check (P13): before a reply or status note goes out, the agent sees
the promises with a time Kizuna found in it, and confirms, corrects or drops each; the ones
kept become tracked commitments.

The review is a second step of the same form: the first send shows the promises found
(nothing is sent), the second carries the agent's decisions as `promise-N-text`,
`promise-N-due` and `promise-N-keep`. If the words changed in between, the promises are
shown again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.desk.forms import CheckpointField
from kizuna.sla.ledger import promises_found
from kizuna.tickets.services import MAX_PROMISES, Commitment


@dataclass
class PromiseRow:
    """One promise as the composer shows it."""

    index: int
    text: str
    due: datetime | None
    keep: bool = True
    error: str = ""

    @property
    def due_value(self) -> str:
        """The due time for a datetime-local input, in the agent's time zone."""
        if self.due is None:
            return ""
        return f"{timezone.localtime(self.due):%Y-%m-%dT%H:%M}"


@dataclass
class Review:
    """What the composer shows: the promises, and why they are shown again, if they are."""

    rows: list[PromiseRow] = field(default_factory=list)
    message: str = ""


def _posted_rows(data) -> list[PromiseRow]:
    rows = []
    for n in range(MAX_PROMISES):
        text = data.get(f"promise-{n}-text")
        if text is None:
            break
        row = PromiseRow(index=n, text=" ".join(text.split()), due=None)
        row.keep = data.get(f"promise-{n}-keep") == "on"
        try:
            row.due = CheckpointField(required=True).clean(data.get(f"promise-{n}-due", ""))
        except forms.ValidationError as e:
            row.error = " ".join(e.messages)
        rows.append(row)
    return rows


def promises_to_keep(*, data, ticket, text: str, now: datetime):
    """The agent's confirmed commitments for `text`, or a Review to show when the agent has
    not seen the promises in these words yet (or a corrected time is not usable)."""
    found = promises_found(ticket=ticket, text=text, now=now)[:MAX_PROMISES]
    if not found:
        return []
    fresh = Review(
        rows=[PromiseRow(index=n, text=p.text, due=p.due) for n, p in enumerate(found)],
        message=_(
            "This message promises the customer a time. Check each promise below: keep it "
            "(Kizuna will track it and remind you), correct its time, or untick it; then send "
            "again."
        ),
    )
    if data.get("promises_reviewed") != "1":
        return fresh
    rows = _posted_rows(data)
    if Counter(r.text for r in rows) != Counter(p.text for p in found):
        fresh.message = _("The words changed since you checked them: check the promises again.")
        return fresh
    kept = [r for r in rows if r.keep]
    for row in kept:
        if row.error == "" and row.due is not None and row.due <= now:
            row.error = _("This time has passed: give a time in the future.")
    if any(r.error for r in kept):
        return Review(rows=rows, message=_("Correct the time of the promises marked below."))
    return [Commitment(text=r.text, due=r.due) for r in kept]


def review_kept(data) -> Review | None:
    """The agent's decisions as they were posted, to show again when the message could not be
    sent for another reason (a finding of the checker, a bad checkpoint)."""
    if data.get("promises_reviewed") != "1":
        return None
    return Review(rows=_posted_rows(data))
