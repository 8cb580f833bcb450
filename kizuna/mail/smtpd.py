"""`kizuna smtpd`: an SMTP or LMTP listener that stores inbound mail (docs/email.md,
"IMAP and SMTP/LMTP").

The 250 reply is the promise that the message is safe: it is given only after `store_raw` has
committed the raw bytes. When storing fails the answer is 451, so the sending server keeps the
message and tries again; nothing is half-stored because `store_raw` is one transaction.
Parsing and routing happen after the answer, on a thread of their own; a message whose
processing was interrupted stays `pending` and is picked up by `process_pending`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from kizuna.mail.ingest import process, store_raw
from kizuna.mail.models import InboundMail, Mailbox

logger = logging.getLogger(__name__)


def accepted_recipients() -> dict[str, Mailbox | None]:
    """Addresses this listener accepts mail for, lower-cased, with the mailbox (and so the
    team) each one belongs to: the active mailboxes' addresses and KIZUNA_SMTPD_RECIPIENTS."""
    close_old_connections()
    accepted: dict[str, Mailbox | None] = {a: None for a in settings.KIZUNA_SMTPD_RECIPIENTS}
    for mailbox in Mailbox.objects.filter(active=True).exclude(address="").select_related("team"):
        accepted[mailbox.address.lower()] = mailbox
    return accepted


def _store(raw: bytes, source: str, mailbox: Mailbox | None) -> InboundMail:
    close_old_connections()
    return store_raw(raw, source=source, mailbox=mailbox)


def _process(inbound: InboundMail) -> None:
    close_old_connections()
    try:
        process(inbound)
    except Exception:
        # Stored is safe: the row stays pending for process_pending to try again.
        logger.exception("Processing inbound mail %s failed", inbound.pk)


class Handler:
    """aiosmtpd hooks: recipients checked at RCPT time, storage gating the answer to DATA."""

    def __init__(self, *, lmtp: bool = False):
        self.lmtp = lmtp
        self.protocol = "lmtp" if lmtp else "smtp"
        # Parsing and routing run one message at a time, beside the listener, never in its loop.
        self.processing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kizuna-ingest")
        self.pending: set[asyncio.Future] = set()

    async def handle_RCPT(self, server, session: Session, envelope: Envelope, address, options):
        accepted = await sync_to_async(accepted_recipients)()
        if address.lower() not in accepted:
            return (
                f"550 5.1.1 <{address}>: no such mailbox here; "
                "this server accepts mail only for its helpdesk addresses"
            )
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope):
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # pragma: no cover - we never ask aiosmtpd to decode
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer[0] if session.peer else "unknown"
        source = f"{self.protocol}:{peer}"
        accepted = await sync_to_async(accepted_recipients)()
        # Stored once, whatever the number of recipients; the first recipient with a mailbox
        # decides the team its ticket goes to.
        mailboxes = [accepted.get(rcpt.lower()) for rcpt in envelope.rcpt_tos]
        mailbox = next((m for m in mailboxes if m is not None), None)
        try:
            inbound = await sync_to_async(_store, thread_sensitive=True)(raw, source, mailbox)
        except Exception:
            # The sender keeps the message and retries; the cause is in our log, not its reply.
            logger.exception("Storing a message from %s failed; the sender will retry", peer)
            answer = "451 4.3.0 The message could not be stored; please try again later"
        else:
            answer = f"250 2.0.0 Stored as inbound message {inbound.pk}"
            future = asyncio.get_running_loop().run_in_executor(self.processing, _process, inbound)
            self.pending.add(future)
            future.add_done_callback(self.pending.discard)
        if self.lmtp:
            # LMTP answers once per recipient, in RCPT order.
            return "\r\n".join(answer for _ in envelope.rcpt_tos)
        return answer

    async def drain(self) -> None:
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)
        self.processing.shutdown(wait=True)


class _SizeMessages:
    """aiosmtpd's own size-limit answers, told in words that say what the limit is."""

    def _size_text(self) -> str:
        return (
            f"552 5.3.4 Message too big: this server accepts messages up to "
            f"{self.data_size_limit} bytes"
        )

    async def push(self, status):
        if isinstance(status, str) and status.startswith("552 Error:"):
            status = self._size_text()
        await super().push(status)


class KizunaSMTP(_SizeMessages, SMTP):
    pass


class KizunaLMTP(_SizeMessages, LMTP):
    pass


def serve(*, host: str, port: int, lmtp: bool = False, ready=None) -> None:
    """Listen until SIGTERM or SIGINT, then finish the messages being processed and return."""
    handler = Handler(lmtp=lmtp)
    protocol = KizunaLMTP if lmtp else KizunaSMTP
    limit = settings.KIZUNA_SMTPD_MAX_BYTES

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: protocol(
                handler,
                data_size_limit=limit,
                enable_SMTPUTF8=True,
                decode_data=False,
                ident="Kizuna",
            ),
            host=host,
            port=port,
        )
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if ready is not None:
            ready(server.sockets[0].getsockname()[1])
        async with server:
            await stop.wait()
            server.close()
            await server.wait_closed()
        await handler.drain()

    asyncio.run(main())
