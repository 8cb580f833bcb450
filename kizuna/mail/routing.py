"""Where an inbound message belongs (see docs/email.md, "Ingest, threading and quarantine").

Threading: In-Reply-To and References against every Message-ID a ticket knows (our outbound
mail's ids in `Message.email_message_id`, and each inbound message's own id and the ids it
referred to in `MailReference`), then the reference tag in the subject (`[KZ-000123]`), else
a new ticket. Senders: a known contact, or an address whose domain belongs to an
organization; anyone else is held for an agent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from kizuna.lib.prepared import PreparedGet
from kizuna.mail.models import MailReference
from kizuna.tickets.merge import survivor
from kizuna.tickets.models import (
    REFERENCE_RE,
    Contact,
    EmailDomain,
    Message,
    MessageKind,
    Organization,
    Ticket,
)

# Kana and CJK ideographs: a message with any of them was most likely written in Japanese.
_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")

# Reply and forward prefixes, Western and Japanese, and our own tag, at the start of a subject.
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|返信|転送|回答)\s*(?:\[\d+\])?\s*[:：]\s*|\[KZ-\d{6,}\]\s*)+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Thread:
    """The ticket a message belongs to, and how that was found ("header" or "subject");
    `locked`: the ticket was read under a row lock (see `find_thread`)."""

    ticket: Ticket
    how: str
    locked: bool = False


def guess_language(text: str) -> str:
    """'ja' when the text contains kana or kanji, else 'en'."""
    return "ja" if _JAPANESE_RE.search(text or "") else "en"


def clean_subject(subject: str) -> str:
    """The subject without leading reply/forward prefixes and reference tags."""
    return _PREFIX_RE.sub("", subject or "").strip()


_MAX_REFERENCES = 50


def thread_ids(*, message_id: str, in_reply_to: list[str], references: list[str]) -> list[str]:
    """The ids to look up, most telling first: In-Reply-To, References newest first, then
    the message's own id (recorded when a reply to it arrived first).

    A long References header is cut to its first id (the thread's start) and the newest
    ones, as mail clients trim it themselves: thousands of ids would make every lookup and
    the ids recorded for the ticket grow without bound."""
    if len(references) > _MAX_REFERENCES:
        references = references[:1] + references[-(_MAX_REFERENCES - 1) :]
    ids = [*in_reply_to[:_MAX_REFERENCES], *reversed(references), message_id]
    return [mid for mid in dict.fromkeys(ids) if mid]


def ticket_for_ids(
    ids: list[str], *, own_id: str = "", lookup=None, for_update: bool = False
) -> Ticket | None:
    """The ticket that knows the first of `ids` (in order); the newest ticket when one id is
    known to several (a follow-up opened after a closed ticket). `lookup`: a replacement for
    `known_ids` (a batch's ids read at once); `for_update`: read under a row lock."""
    if not ids:
        return None
    found: dict[str, int] = {}
    lookup = lookup or known_ids
    for mid, ticket_id in lookup(ids, refs=[mid for mid in ids if mid != own_id]):
        found[mid] = max(found.get(mid, 0), ticket_id)
    for mid in ids:
        if mid in found:
            return _ticket(found[mid], for_update=for_update)
    return None


# Read for every message that names a ticket: compiled once (kizuna/lib/prepared.py).
_TICKET = PreparedGet(lambda: Ticket.objects.select_related("requester", "organization"))
_TICKET_LOCKED = PreparedGet(
    lambda: Ticket.objects.select_related("requester", "organization").select_for_update(
        of=("self",)
    )
)


def _ticket(pk: int, *, for_update: bool) -> Ticket | None:
    return (_TICKET_LOCKED if for_update else _TICKET)(pk)


def known_ids(ids: list[str], *, refs: list[str]) -> list[tuple[str, int]]:
    """(Message-ID, ticket id) for each of `ids` a ticket recorded, and each of `refs` that is
    a ticket message's own id (ours or a customer's).

    One plain statement: this runs for every inbound message, and the ORM's query building
    cost more than the indexed lookups themselves."""
    mref = MailReference._meta.db_table
    msg = Message._meta.db_table
    sql = f"SELECT message_id, ticket_id FROM {mref} WHERE message_id IN ({_marks(ids)})"
    params = list(ids)
    if refs:
        sql += (
            f" UNION ALL SELECT email_message_id, ticket_id FROM {msg}"
            f" WHERE email_message_id IN ({_marks(refs)})"
        )
        params += refs
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class KnownIds:
    """`known_ids` for a batch of messages read in advance: every id the batch's messages
    name, looked up in two statements per 500 ids instead of one statement per message.
    An answer holds only while nothing of the batch recorded any of the ids asked about:
    `recorded` takes the ids of each message as it is processed, and a question about one
    of them (or about an id not read in advance) goes to the database."""

    PER_STATEMENT = 500

    def __init__(self, ids, *, before_reading: Callable[[], None] | None = None) -> None:
        # Called before a question goes to the database (to write what the batch holds back).
        self.before_reading = before_reading
        self.read = set(ids)
        self.recorded: set[str] = set()
        self.by_reference: dict[str, list[int]] = {}
        self.by_message: dict[str, list[int]] = {}
        ordered = sorted(self.read)
        mref, msg = MailReference._meta.db_table, Message._meta.db_table
        with connection.cursor() as cursor:
            for start in range(0, len(ordered), self.PER_STATEMENT):
                chunk = ordered[start : start + self.PER_STATEMENT]
                for table, column, into in (
                    (mref, "message_id", self.by_reference),
                    (msg, "email_message_id", self.by_message),
                ):
                    cursor.execute(
                        f"SELECT {column}, ticket_id FROM {table}"
                        f" WHERE {column} IN ({_marks(chunk)})",
                        chunk,
                    )
                    for mid, ticket_id in cursor.fetchall():
                        into.setdefault(mid, []).append(ticket_id)

    def __call__(self, ids: list[str], *, refs: list[str]) -> list[tuple[str, int]]:
        asked = set(ids)
        if not asked <= self.read or not self.recorded.isdisjoint(asked):
            if self.before_reading is not None:
                self.before_reading()
            return known_ids(ids, refs=refs)
        return [(mid, t) for mid in ids for t in self.by_reference.get(mid, ())] + [
            (mid, t) for mid in refs for t in self.by_message.get(mid, ())
        ]


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def ticket_for_subject(subject: str, *, for_update: bool = False) -> Ticket | None:
    """The ticket named by a reference tag such as [KZ-000123] in the subject, if it exists."""
    match = REFERENCE_RE.search(subject or "")
    if not match:
        return None
    return _ticket(int(match.group(1)), for_update=for_update)


def find_thread(
    *,
    message_id: str,
    in_reply_to: list[str],
    references: list[str],
    subject: str,
    lookup=None,
    for_update: bool = False,
):
    """The ticket this message continues, or None for a new request (`lookup`: see
    `ticket_for_ids`). With `for_update` (inside a transaction) the ticket is read under a
    row lock, so that what the message changes need not read it again: `Thread.locked`."""
    ids = thread_ids(message_id=message_id, in_reply_to=in_reply_to, references=references)
    how = "header"
    ticket = ticket_for_ids(ids, own_id=message_id, lookup=lookup, for_update=for_update)
    if ticket is None:
        how = "subject"
        ticket = ticket_for_subject(subject, for_update=for_update)
    if ticket is None:
        return None
    # A merged ticket's mail goes to the ticket it was merged into (read without a lock).
    found = survivor(ticket)
    return Thread(found, how, locked=for_update and found is ticket)


def domain_candidates(address: str) -> list[str]:
    """The address's domain and its parent domains: mail.yamada.example.jp also belongs to
    whoever owns yamada.example.jp."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] if domain else []


def organization_for_address(address: str) -> Organization | None:
    """The organization whose mail domain (or a parent of it) the address is in."""
    candidates = domain_candidates(address)
    if not candidates:
        return None
    rows = dict(
        EmailDomain.objects.filter(domain__in=candidates).values_list("domain", "organization_id")
    )
    for domain in candidates:  # the most specific domain wins
        if domain in rows:
            return Organization.objects.get(pk=rows[domain])
    return None


def contact_for_address(address: str) -> Contact | None:
    return Contact.objects.filter(email=address).first() if address else None


def may_write_to(ticket: Ticket, *, address: str, contact: Contact | None) -> bool:
    """True when the sender belongs on the ticket: a contact of its organization, a contact
    who already wrote on it, or an address in one of its organization's domains."""
    if contact is not None:
        if contact.organization_id == ticket.organization_id:
            return True
        if ticket.messages.filter(kind=MessageKind.INBOUND, author_contact=contact).exists():
            return True
    candidates = domain_candidates(address)
    return EmailDomain.objects.filter(
        domain__in=candidates, organization_id=ticket.organization_id
    ).exists()


def bounced_ticket(ids: list[str]) -> tuple[Ticket | None, int | None]:
    """The ticket whose mail a bounce reports, and our outbound message it names: the first
    of `ids` that is one of our outbound messages or a Message-ID a ticket knows."""
    if not ids:
        return None, None
    row = (
        Message.objects.filter(email_message_id__in=ids, kind=MessageKind.OUTBOUND)
        .values_list("ticket_id", "id")
        .first()
    )
    if row is None:
        ticket_id = (
            MailReference.objects.filter(message_id__in=ids)
            .values_list("ticket_id", flat=True)
            .first()
        )
        row = (ticket_id, None)
    if row[0] is None:
        return None, None
    return Ticket.objects.filter(pk=row[0]).first(), row[1]
