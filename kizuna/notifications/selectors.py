"""Reads of an agent's notifications for the desk."""

from __future__ import annotations

from kizuna.notifications.models import Notification


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def recent(*, user, limit: int = 100) -> list[Notification]:
    """The agent's latest notifications, unread ones first, with their tickets."""
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("ticket")
        .order_by("read_at", "-created_at", "-id")[:limit]
    )
