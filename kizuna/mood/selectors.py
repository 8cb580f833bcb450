"""Reading customers' moods for the desk and the API (P8)."""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.mood.labels import MOOD_LABELS
from kizuna.mood.lexicon import REASONS
from kizuna.mood.models import MessageMood


@dataclass(frozen=True)
class MoodView:
    mood: str
    label: str
    reasons: list[str]  # the cues, in words, each once
    cues: list[dict]

    @property
    def raised(self) -> bool:
        return self.mood in ("upset", "panicking")


def _view(row: MessageMood) -> MoodView:
    reasons: list[str] = []
    for cue in row.cues:
        text = str(REASONS.get(cue.get("reason"), cue.get("reason", "")))
        if text and text not in reasons:
            reasons.append(text)
    return MoodView(row.mood, str(MOOD_LABELS.get(row.mood, row.mood)), reasons, row.cues)


def moods_for(message_ids) -> dict[int, MoodView]:
    """The moods of these messages, by message id (one query)."""
    ids = list(message_ids)
    if not ids:
        return {}
    return {row.message_id: _view(row) for row in MessageMood.objects.filter(message_id__in=ids)}


def recent_moods(*, contact_id: int, limit: int = 3) -> list[tuple[MessageMood, MoodView]]:
    """The moods of the contact's last messages, on any of their requests, newest first."""
    rows = (
        MessageMood.objects.filter(message__author_contact_id=contact_id)
        .select_related("message", "ticket")
        .order_by("-message__created_at", "-message_id")[:limit]
    )
    return [(row, _view(row)) for row in rows]
