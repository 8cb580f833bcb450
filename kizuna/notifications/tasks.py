"""Background work of notifications: their mail."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskContext, task

from kizuna.notifications import delivery
from kizuna.notifications.models import Notification

logger = logging.getLogger(__name__)


@task(takes_context=True)
def notification_mail(context: TaskContext, notification_id: int) -> str:
    """Mail a notification to its agent; a failed attempt is tried again after 1, 5, 15 …
    minutes, and given up after KIZUNA_MAIL_RETRIES (the notification stays in the desk)."""
    try:
        return delivery.notification_mail_send(
            notification_id=notification_id, claimant=str(context.task_result.id)
        )
    except Exception as exc:
        attempts = (
            Notification.objects.filter(pk=notification_id)
            .values_list("mail_attempts", flat=True)
            .first()
            or 1
        )
        if attempts > settings.KIZUNA_MAIL_RETRIES:
            delivery.notification_mail_failed(notification_id=notification_id)
            logger.error("notification %s: mail given up: %s", notification_id, exc)
            return "failed"
        delay = delivery.retry_delay(attempts)
        logger.warning(
            "notification %s: mail failed (%s); again in %s", notification_id, exc, delay
        )
        if notification_mail.get_backend().supports_defer:
            notification_mail.using(run_after=timezone.now() + delay).enqueue(notification_id)
        else:
            notification_mail.enqueue(notification_id)
        return "retry"
