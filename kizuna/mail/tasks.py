"""Background work for mail. Inbound: `kizuna worker` enqueues `mailboxes_poll` every
KIZUNA_POLL_SECONDS while mailboxes exist (docs/email.md, "IMAP and SMTP/LMTP"). Outbound:
every message for a customer is queued for `message_deliver` when it is stored, and
`mail_recover` sends what no task would (docs/email.md, "Outbound")."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks_db import DatabaseBackend

from kizuna.lib import batching
from kizuna.mail import imap, outbound
from kizuna.mail.ingest import process_pending
from kizuna.mail.models import InboundMail, InboundState, Mailbox
from kizuna.tickets.models import Message

logger = logging.getLogger(__name__)


def polling_needed() -> bool:
    """Whether a poll task has anything to do: a mailbox to poll, or stored mail to process."""
    return (
        Mailbox.objects.filter(active=True).exclude(host="").exists()
        or InboundMail.objects.filter(state=InboundState.PENDING).exists()
    )


@task()
def mailboxes_poll() -> dict[str, dict]:
    """Poll every due mailbox once, then process whatever stored mail is still pending.

    Safe to run on many workers at once: each mailbox is claimed by one poller at a time."""
    summary = {}
    for result in imap.mailboxes_poll():
        summary[result.mailbox] = {"fetched": result.fetched, "error": result.error}
    pending = process_pending()
    return {"mailboxes": summary, "pending_processed": len(pending)}


# --- Outbound -------------------------------------------------------------------------------


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
        return outbound.message_send(message_id=message_id, claimant=str(context.task_result.id))
    except Exception as exc:
        attempts = Message.objects.filter(id=message_id).values_list("mail_attempts", flat=True)
        attempts = attempts.first() or 1
        error = outbound._describe(exc)
        if outbound.is_permanent(exc) or attempts > settings.KIZUNA_MAIL_RETRIES:
            outbound.message_delivery_failed(message_id=message_id, error=error)
            return "failed"
        delay = outbound.retry_delay(attempts)
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


@batching.handler(order=0)  # the acknowledgements first: the customer waits for them (P1)
def deliveries_queue(message_ids: list[int]) -> int:
    """Queue the delivery of each of these messages (those of a batch, handed on in one
    piece in the batch's transaction); a message queued twice is still mailed once."""
    for message_id in message_ids:
        message_deliver.enqueue(message_id)
    return len(message_ids)


@task()
def mail_recover() -> int:
    """Queue again every message nothing would mail otherwise (outbound.messages_to_recover);
    `kizuna worker` runs this every KIZUNA_POLL_SECONDS when there are any."""
    ids = outbound.messages_to_recover()
    for message_id in ids:
        message_deliver.enqueue(message_id)
    if ids:
        logger.warning("re-queued %s message(s) that no worker would have mailed", len(ids))
    return len(ids)


def deliver_when_stored(sender, message: Message, **kwargs) -> None:
    """Queue the mail for `message` so that it leaves only if the message is committed
    (receiver of tickets.signals.message_for_customer, sent inside the storing transaction).

    With the database queue the task row is written in the same transaction as the message
    (they commit or vanish together, and no mail is lost between the two); any other backend
    is handed the task once the transaction has committed.
    """
    message_id = message.id
    if isinstance(message_deliver.get_backend(), DatabaseBackend):
        # A batch of mail (its acknowledgements) queues one task that queues the rest.
        if not batching.later(deliveries_queue, message_id):
            message_deliver.enqueue(message_id)
    else:
        transaction.on_commit(lambda: message_deliver.enqueue(message_id))
