"""IMAP polling: mailbox messages become stored inbound mail, then tickets (docs/email.md,
"IMAP and SMTP/LMTP").

The order of work is what makes it safe: a message is fetched without marking it read,
stored and committed (`store_many`, like `store_raw` for a batch), processed, and only then moved to the processed folder
(or flagged). A crash or a dropped connection anywhere before the move leaves the message in
the folder; the next poll fetches it again and `store_raw` recognises it, so nothing is lost
and nothing is duplicated.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from kizuna.lib.sealed import SealBroken
from kizuna.mail.ingest import process, store_many
from kizuna.mail.models import InboundState, Mailbox, Security

logger = logging.getLogger(__name__)

# Our own keyword on messages already taken, for mailboxes that flag instead of moving.
PROCESSED_KEYWORD = b"$Kizuna"
CONNECT_TIMEOUT = 30
BACKOFF_MAX = timedelta(hours=1)
# A poller holds a mailbox for this long (renewed after each batch), so pollers on several
# workers never work on one mailbox at once; a poller that died frees it when this runs out.
LEASE = timedelta(minutes=10)
# At most this many bytes of mail fetched at once (a larger single message is fetched alone).
BATCH_BYTES = 32 * 1024 * 1024


class PollError(Exception):
    """The mailbox could not be polled; the message says where and what failed."""


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    stored: int = 0
    finished: int = 0  # moved to the processed folder or flagged
    outcomes: Counter = field(default_factory=Counter)
    error: str = ""
    skipped: bool = False  # not due, or being polled elsewhere

    @property
    def ok(self) -> bool:
        return not self.error


def poll_interval() -> int:
    """Seconds between two polls of a mailbox (KIZUNA_POLL_SECONDS, default 60)."""
    return settings.KIZUNA_POLL_SECONDS


def _ssl_context() -> ssl.SSLContext:
    # Certificates are verified; a private CA (a self-signed server) can be trusted explicitly.
    return ssl.create_default_context(cafile=settings.KIZUNA_IMAP_CA_FILE or None)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _connect(mailbox: Mailbox) -> IMAPClient:
    where = f"{mailbox.host}:{mailbox.port}"
    if mailbox.security == Security.NONE and not _is_loopback(mailbox.host):
        raise PollError(
            f"{where}: refusing to send the password without TLS to a host other than loopback; "
            "choose TLS or STARTTLS"
        )
    stage = "connect"
    try:
        client = IMAPClient(
            mailbox.host,
            port=mailbox.port,
            ssl=mailbox.security == Security.TLS,
            ssl_context=_ssl_context() if mailbox.security == Security.TLS else None,
            timeout=CONNECT_TIMEOUT,
        )
        try:
            if mailbox.security == Security.STARTTLS:
                stage = "STARTTLS"
                client.starttls(_ssl_context())
            stage = "login"
            client.login(mailbox.username, mailbox.imap_password())
        except BaseException:
            _close(client)
            raise
    except (OSError, IMAPClientError) as exc:
        raise PollError(f"{where}: {stage} failed: {_describe(exc)}") from exc
    except SealBroken as exc:
        raise PollError(f"{where}: {exc}") from None
    return client


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def _server_folder(client: IMAPClient, name: str) -> str:
    """`name` with "/" written in the server's own hierarchy separator."""
    try:
        delimiter = client.namespace().personal[0][1]
    except Exception:
        delimiter = "/"
    if isinstance(delimiter, bytes):
        delimiter = delimiter.decode()
    return name.replace("/", delimiter) if delimiter and delimiter != "/" else name


def _finish(client: IMAPClient, mailbox: Mailbox, uids: list[int], target: str) -> None:
    """Move the stored messages out of the way (or flag them)."""
    if not uids:
        return
    if mailbox.flag_instead_of_move:
        client.add_flags(uids, [b"\\Seen", PROCESSED_KEYWORD], silent=True)
    elif client.has_capability("MOVE"):
        client.move(uids, target)
    else:
        client.copy(uids, target)
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        # UID EXPUNGE removes only these; a plain EXPUNGE would also remove what a person
        # deleted in the folder meanwhile.
        client.expunge(uids if client.has_capability("UIDPLUS") else None)


def _poll(client: IMAPClient, mailbox: Mailbox, result: PollResult, batch_size: int) -> None:
    folder = mailbox.folder or "INBOX"
    target = ""
    if not mailbox.flag_instead_of_move:
        target = _server_folder(client, mailbox.processed_folder or "Kizuna/Processed")
        if not client.folder_exists(target):
            client.create_folder(target)
    selected = client.select_folder(folder)
    uidvalidity = selected.get(b"UIDVALIDITY")
    # Moved messages leave the folder, so what is still there is what is left to do; with
    # flagging, our keyword marks what is done.
    criteria = ["UNDELETED"]
    if mailbox.flag_instead_of_move:
        criteria += ["UNKEYWORD", PROCESSED_KEYWORD]
    uids = sorted(client.search(criteria))  # UIDs grow with arrival: oldest first
    source_prefix = f"imap://{mailbox.username}@{mailbox.host}:{mailbox.port}/{folder}"
    for batch in _batches(client, uids, batch_size):
        fetched = client.fetch(batch, [b"BODY.PEEK[]"])
        done = [uid for uid in batch if b"BODY[]" in fetched.get(uid, {})]
        result.fetched += len(done)
        # Committed (one transaction for the batch) before anything touches them on the server.
        rows = store_many(
            [(fetched[uid][b"BODY[]"], f"{source_prefix};uid={uid}") for uid in done],
            mailbox=mailbox,
        )
        result.stored += len(rows)
        for uid, row in zip(done, rows, strict=True):
            try:
                outcome = process(row).outcome
            except Exception:
                # Stored is safe: the row stays pending and process_pending tries it again.
                logger.exception("Mailbox %s: processing UID %s failed", mailbox.name, uid)
                outcome = InboundState.PENDING
            result.outcomes[str(outcome)] += 1
        _finish(client, mailbox, done, target)
        result.finished += len(done)
        if done:
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_uid=max(done), uidvalidity=uidvalidity, next_attempt_at=timezone.now() + LEASE
            )


def _batches(client: IMAPClient, uids: list[int], batch_size: int):
    """`uids` in order, in batches of at most `batch_size` messages and BATCH_BYTES (a single
    larger message goes alone), so a folder of large attachments never fills the memory."""
    sizes: dict[int, int] = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        for uid, data in client.fetch(chunk, [b"RFC822.SIZE"]).items():
            sizes[uid] = int(data.get(b"RFC822.SIZE") or 0)
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= batch_size or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def mailbox_claim(*, mailbox: Mailbox, force: bool = False) -> bool:
    """Take the mailbox for one poll if it is due (or at once with `force`); False when it is
    backing off or another poller holds it. A conditional update, safe on SQLite and
    PostgreSQL with any number of workers."""
    now = timezone.now()
    rows = Mailbox.objects.filter(pk=mailbox.pk, active=True)
    if not force:
        rows = rows.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return rows.update(next_attempt_at=now + LEASE) == 1


def mailbox_poll(*, mailbox: Mailbox, force: bool = False, batch_size: int = 20) -> PollResult:
    """Poll one mailbox once: store, process and move every message in its folder.

    Only a due mailbox is polled (see `mailbox_claim`; `force` polls it even while it backs
    off); otherwise the result is `skipped`. Never raises for a server problem (refused connection, TLS or login failure, connection
    dropped mid-fetch): the error is logged and recorded on the mailbox with the next attempt
    backed off exponentially, and the result carries it. Success clears the failure record.
    """
    result = PollResult(mailbox=mailbox.name)
    if not mailbox_claim(mailbox=mailbox, force=force):
        result.skipped = True
        return result
    client = None
    try:
        client = _connect(mailbox)
        _poll(client, mailbox, result, batch_size)
    except (PollError, OSError, IMAPClientError) as exc:
        if isinstance(exc, PollError):
            result.error = str(exc)
        else:
            result.error = f"{mailbox.host}:{mailbox.port}: {_describe(exc)}"
    except Exception as exc:
        # Storing failed (the database is unreachable, say): the messages stay on the server.
        logger.exception("Mailbox %s: poll failed", mailbox.name)
        result.error = f"{mailbox.host}:{mailbox.port}: storing failed: {_describe(exc)}"
    finally:
        if client is not None:
            _close(client)
    now = timezone.now()
    if result.error:
        failures = mailbox.failures + 1
        delay = min(timedelta(seconds=poll_interval()) * 2 ** (failures - 1), BACKOFF_MAX)
        logger.warning(
            "Mailbox %s: %s (failure %d; next attempt in %ds)",
            mailbox.name,
            result.error,
            failures,
            delay.total_seconds(),
        )
        mailbox.failures = failures
        mailbox.last_error = result.error
        mailbox.next_attempt_at = now + delay
    else:
        mailbox.failures = 0
        mailbox.last_error = ""
        mailbox.next_attempt_at = None
    mailbox.last_polled_at = now
    mailbox.save(update_fields=["failures", "last_error", "next_attempt_at", "last_polled_at"])
    return result


def mailboxes_due(*, now=None):
    """Active mailboxes with a host whose backoff (if any) has run out."""
    now = now or timezone.now()
    return (
        Mailbox.objects.filter(active=True)
        .exclude(host="")
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def mailboxes_poll(*, mailboxes=None, force: bool = False) -> list[PollResult]:
    """Poll each given mailbox (default: every due one) once; one failing never stops the rest.
    Mailboxes that were not due or are being polled elsewhere are left out of the results."""
    results = []
    for mailbox in list(mailboxes if mailboxes is not None else mailboxes_due()):
        try:
            result = mailbox_poll(mailbox=mailbox, force=force)
        except Exception as exc:
            # Not even the failure could be recorded; the other mailboxes still get their turn.
            logger.exception("Mailbox %s: poll failed", mailbox.name)
            result = PollResult(mailbox=mailbox.name, error=_describe(exc))
        if not result.skipped:
            results.append(result)
    return results
