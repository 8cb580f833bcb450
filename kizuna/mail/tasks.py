"""Background work for inbound mail: `kizuna worker` enqueues `mailboxes_poll` every
KIZUNA_POLL_SECONDS while mailboxes exist (docs/email.md, "IMAP and SMTP/LMTP")."""

from __future__ import annotations

from django_tasks import task

from kizuna.mail import imap
from kizuna.mail.ingest import process_pending
from kizuna.mail.models import InboundMail, InboundState, Mailbox


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
