"""Notifications for agents: made once per recipient and subject, inside the transaction that
records what they are about, shown in the desk until read and mailed once (P12)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils import timezone, translation

from kizuna.notifications.delivery import language_of
from kizuna.notifications.models import Notification
from kizuna.notifications.tasks import notification_mail
from kizuna.tickets.models import Ticket


def notify(
    *,
    recipients: Iterable,
    ticket: Ticket | None,
    kind: str,
    key: str,
    text_for: Callable[[object], str],
    now: datetime,
) -> list[Notification]:
    """Notify each recipient once about `key`, in their language (`text_for(user)` is called
    with the language active); their mail is queued in the same transaction, so a
    notification and its mail commit or vanish together. Returns the new notifications."""
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return []
    known = set(
        Notification.objects.filter(key=key, recipient_id__in=users).values_list(
            "recipient_id", flat=True
        )
    )
    made = []
    for user_id, user in users.items():
        if user_id in known:
            continue
        with translation.override(language_of(user)):
            text = text_for(user)
        made.append(
            Notification(
                recipient=user, ticket=ticket, kind=kind, key=key, text=text, created_at=now
            )
        )
    for notification in made:
        notification.save()
        if notification.recipient.email:
            notification_mail.enqueue(notification.pk)
    return made


def notifications_read(*, user, ids: Iterable[int] | None = None, now: datetime | None = None):
    """Mark the user's notifications read: those named, or all of them."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=now or timezone.now())
