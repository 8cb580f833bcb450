"""Background work for tickets: mail to customers leaves through the task queue."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskContext, task

from kizuna.tickets import mail
from kizuna.tickets.models import Message

logger = logging.getLogger(__name__)


@task(takes_context=True)
def message_deliver(context: TaskContext, message_id: int) -> str:
    """Mail one message; when sending fails, try again later with growing delays.

    The queue has no retries of its own: a failed attempt enqueues the next one to run after
    1, 5, 15, 60 … minutes. After KIZUNA_MAIL_RETRIES retries, or at once when the server
    refuses the mail for good (5xx), the failure is recorded on the ticket for agents.
    The task's id is its claim on the message, so that this task run again (its worker died
    mid-send) picks the message up where it was left.
    """
    try:
        return mail.message_send(message_id=message_id, claimant=str(context.task_result.id))
    except Exception as exc:
        attempts = Message.objects.filter(id=message_id).values_list("mail_attempts", flat=True)
        attempts = attempts.first() or 1
        error = mail._describe(exc)
        if mail.is_permanent(exc) or attempts > settings.KIZUNA_MAIL_RETRIES:
            mail.message_delivery_failed(message_id=message_id, error=error)
            return "failed"
        delay = mail.retry_delay(attempts)
        logger.warning(
            "message %s: attempt %s failed (%s); next attempt in %s",
            message_id,
            attempts,
            error,
            delay,
        )
        if message_deliver.get_backend().supports_defer:
            message_deliver.using(run_after=timezone.now() + delay).enqueue(message_id)
        else:
            # A backend that runs tasks at once cannot wait: try again right away, which still
            # ends in a recorded failure after the last attempt.
            message_deliver.enqueue(message_id)
        return "retry"


@task()
def mail_recover() -> int:
    """Queue again every message nothing would mail otherwise (mail.messages_to_recover);
    `kizuna worker` runs this every KIZUNA_POLL_SECONDS when there are any."""
    ids = mail.messages_to_recover()
    for message_id in ids:
        message_deliver.enqueue(message_id)
    if ids:
        logger.warning("re-queued %s message(s) that no worker would have mailed", len(ids))
    return len(ids)
