"""Inbound mail as received, the mailboxes it comes from, and the Message-IDs each ticket
knows (see docs/email.md, "Ingest, threading and quarantine").

Nothing is lost: every message is stored raw in `InboundMail` before it is parsed, and keeps
its row whatever becomes of it (a ticket, a reply, a duplicate, noise, or quarantine).
"""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from kizuna.lib.sealed import seal, unseal
from kizuna.tickets.models import Message, Team, Ticket


class Security(models.TextChoices):
    TLS = "tls", _("TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (loopback only)")


class Mailbox(models.Model):
    """An IMAP mailbox customers write to; its tickets go to `team`.

    `address` is what customers write to: the Reply-To of our mail and an accepted recipient
    of the SMTP/LMTP listener.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(_("address"), blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="mailboxes"
    )
    host = models.CharField(_("IMAP host"), max_length=253, blank=True)
    port = models.PositiveIntegerField(_("IMAP port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=200, blank=True)
    # Sealed (encrypted with a key derived from the secret key): use set_password and
    # imap_password, never the field itself.
    password = models.CharField(_("password"), max_length=500, blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_folder = models.CharField(
        _("processed folder"), max_length=200, default="Kizuna/Processed"
    )
    # Some providers forbid creating folders: then processed mail is flagged instead of moved.
    flag_instead_of_move = models.BooleanField(_("flag instead of move"), default=False)
    active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name

    def set_password(self, raw: str) -> None:
        """Store the IMAP password sealed; call save() afterwards."""
        self.password = seal(raw)

    def imap_password(self) -> str:
        """The IMAP password in clear, for logging in (raises SealBroken when unreadable)."""
        return unseal(self.password)


class InboundState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CREATED = "created", _("New ticket")
    APPENDED = "appended", _("Added to a ticket")
    DUPLICATE = "duplicate", _("Duplicate")
    IGNORED = "ignored", _("Ignored")
    QUARANTINED = "quarantined", _("Quarantined")
    HELD = "held", _("Held for an agent")


# Why the pipeline or an agent decided what it did, as templates filled in when shown, so
# each agent reads them in their own language; `InboundMail.reason` keeps the text as written.
REASONS = {
    "no_sender": _("no usable sender address (From)"),
    "own_mail": _("sent by this helpdesk itself (mail loop)"),
    "empty": _("empty message: no subject, text or attachment"),
    "foreign_reply": _(
        "%(address)s is not a contact of %(ref)s's organization; an agent decides "
        "whether to add this reply"
    ),
    "unknown_sender": _(
        "unknown sender: no organization has the mail domain of %(address)s; an "
        "agent places the sender in an organization"
    ),
    "follows_closed": _("follows up %(ref)s, which is closed"),
    "ignored_by": _("ignored by %(agent)s"),
}
DECISIONS = {
    "accepted": _("accepted by %(agent)s"),
    "placed": _("sender placed in %(org)s by %(agent)s"),
}


class InboundMail(models.Model):
    """One message exactly as received, and what became of it.

    `dedupe_key` is the normalised Message-ID ("mid:<…>"), or the sha256 of the raw bytes
    ("sha256:…") when the message has none: the same message twice is one row, and further
    copies only raise `duplicates`. Another message that reuses a Message-ID (another body,
    sender, subject, date or any header but the route's) gets "mid:<…>#body:<sha256>" and is kept as a message of its own.
    """

    raw = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    # The digest of what the author wrote (the body and every header but the route's, see
    # ingest.content_digest): tells a copy of a message that came by another route (other
    # Received lines) from another message that reuses its Message-ID.
    body_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField()
    source = models.CharField(max_length=1000)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    message_id = models.CharField(max_length=998, blank=True)
    dedupe_key = models.CharField(max_length=1000, unique=True)
    state = models.CharField(
        max_length=12, choices=InboundState.choices, default=InboundState.PENDING
    )
    reason = models.TextField(blank=True)
    # The reason as a key of REASONS and its values (shown in each agent's language), and an
    # agent's decision ({"decision": key of DECISIONS, …values}).
    reason_code = models.CharField(max_length=40, blank=True)
    reason_args = models.JSONField(default=dict, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    # The Date header (when it could be read): mail is processed oldest first.
    sent_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    # The ticket message this mail became (`message_id` is the mail's Message-ID header).
    ticket_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    received_at = models.DateTimeField(default=now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # process_pending and the desk's list of quarantined and held mail.
            models.Index(fields=["state", "received_at"], name="inbound_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.state})"

    @property
    def reason_text(self) -> str:
        """The reason in the active language (free text, such as an error, as stored)."""
        args = self.reason_args or {}
        template = REASONS.get(self.reason_code)
        text = self.reason
        if template is not None:
            try:
                text = str(template) % args
            except (KeyError, TypeError, ValueError):
                pass
        decision = DECISIONS.get(args.get("decision", ""))
        if decision is not None:
            try:
                text = f"{text}; {str(decision) % args}" if text else str(decision) % args
            except (KeyError, TypeError, ValueError):
                pass
        return text

    @property
    def needs_agent(self) -> bool:
        return self.state in (InboundState.QUARANTINED, InboundState.HELD)


class MailReference(models.Model):
    """A Message-ID that belongs to a ticket's thread: each inbound message's own id and the
    ids it refers to (In-Reply-To, References).

    Recording the referenced ids too is what makes arrival order irrelevant: when a reply
    arrives before the message it answers, the original later finds the reply's ticket here.
    """

    message_id = models.CharField(max_length=998, db_index=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mail_references")
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message_id", "ticket"], name="mailref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.ticket_id}"
