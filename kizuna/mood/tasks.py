"""Background work of mood reading: the messages of a batch of mail, in one piece."""

from __future__ import annotations

from django_tasks import task

from kizuna.mood.services import messages_assess


@task()
def mood_assess_messages(message_ids: list[int]) -> int:
    """Read the mood of these messages; returns how many were read (deleted ones are not)."""
    return messages_assess(message_ids)
