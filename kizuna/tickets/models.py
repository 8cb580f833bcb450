"""The ticket domain: organizations, contacts, agents in teams, tickets, messages, events
(see docs/overview.md).

The rules of the service cycle (which status may follow which, what every change must
carry) live in `workflow.py`; the writes that apply them live in `services.py`.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from kizuna.lib.ids import looks_like_id, parse_id
from kizuna.lib.names import person_name

# ASCII digits only: "\d" would also take full-width and other scripts' digits.
REFERENCE_RE = re.compile(r"\bKZ-([0-9]{6,})\b", re.IGNORECASE)
_EXACT_REFERENCE_RE = re.compile(r"KZ-([0-9]{6,})", re.IGNORECASE)


class Language(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


class MailCharset(models.TextChoices):
    UTF8 = "utf-8", "UTF-8"
    # Older Japanese mail clients (and some corporate gateways) only read JIS-encoded mail.
    ISO2022JP = "iso-2022-jp", "ISO-2022-JP"


class TechnicalLevel(models.TextChoices):
    GENERAL = "general", _("General (not an engineer)")
    TECHNICAL = "technical", _("Technical (engineer)")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    # Which service levels the contract buys (matched by the SLA policies; empty: the default).
    contract_tier = models.CharField(_("contract tier"), max_length=32, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmailDomain(models.Model):
    """A mail domain that belongs to one organization: mail from it is that organization's."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.domain


class Contact(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), unique=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.JA
    )
    technical_level = models.CharField(
        _("technical level"),
        max_length=10,
        choices=TechnicalLevel.choices,
        default=TechnicalLevel.GENERAL,
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    mail_charset = models.CharField(
        _("mail encoding"),
        max_length=12,
        choices=MailCharset.choices,
        default=MailCharset.UTF8,
        help_text=_("ISO-2022-JP for legacy Japanese mail clients that cannot read UTF-8."),
    )
    is_active = models.BooleanField(default=True)
    # Sees every request of their organization in the portal (an office manager), not only
    # their own; set by agents.
    sees_organization = models.BooleanField(
        _("sees all of the organization's requests"), default=False
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    # Who hears of a missed promised time first (escalation, P12).
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        verbose_name=_("team lead"),
    )
    # The end of the cycle (P10): a resolved request the customer does not answer gets a
    # reminder after this many business days, and is closed after this many; a customer's
    # reply within this many days of closing reopens it (later: a new request, linked).
    reminder_days = models.PositiveSmallIntegerField(_("reminder after (business days)"), default=3)
    auto_close_days = models.PositiveSmallIntegerField(_("close after (business days)"), default=7)
    reopen_days = models.PositiveSmallIntegerField(_("reopen within (days)"), default=14)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a member of the support team may see and change (docs/access.md)."""

    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class AgentProfile(models.Model):
    """What Kizuna knows about an agent beyond the Django user: where and how they work."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.JA)
    # Appended to the agent's mail to customers, in the customer's language (edited by the
    # agent under "My signature"); empty: none.
    signature_ja = models.TextField(_("signature (Japanese)"), blank=True, max_length=1000)
    signature_en = models.TextField(_("signature (English)"), blank=True, max_length=1000)
    # An agent or a team lead sees the tickets of their teams; a manager and an administrator
    # see every ticket (kizuna/tickets/access.py).
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)

    def __str__(self) -> str:
        return str(self.user)

    def signature_for(self, language: str) -> str:
        return (self.signature_ja if language == Language.JA else self.signature_en).strip()


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    DESK = "desk", _("Desk")


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved and confirmed")
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")


class Ticket(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tickets")
    requester = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(_("subject"), max_length=250)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.JA
    )
    # P1: when the customer will hear from us next. Every change but closing moves it forward.
    next_checkpoint = models.DateTimeField(_("next update by"), null=True, blank=True)
    # The earliest time anything promised on this ticket falls due: the next update, or a
    # service-level deadline before it (kept by kizuna.sla). The desk's queue is ordered by it.
    next_due = models.DateTimeField(null=True, blank=True)
    # P1: what we are doing now, in the words last shown to the customer.
    customer_note = models.TextField(_("what we are doing now"), blank=True)
    # Addresses copied on every mail to the customer (kept from the Cc of their mail,
    # editable by agents); lower-cased, without the requester's own (kizuna/tickets/copies.py).
    cc = models.JSONField(_("copy to"), default=list, blank=True)
    close_reason = models.CharField(max_length=10, choices=CloseReason.choices, blank=True)
    # The mood of the customer's latest message (P8; set by kizuna.mood), and how far it
    # raises the ticket in the queue until an agent writes to the customer: 2 panicking,
    # 1 upset, 0 otherwise.
    customer_mood = models.CharField(max_length=10, blank=True)
    attention = models.PositiveSmallIntegerField(default=0)
    # The closed request this one continues (a customer wrote again after the reopen window).
    # Merged into another ticket (closed as a duplicate): its messages, events and mail
    # references moved there, and mail to it lands there (kizuna/tickets/merge.py).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followed_by"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The desk queue: open tickets, the one that falls due first on top.
            models.Index(
                fields=["next_checkpoint", "id"],
                name="ticket_queue_idx",
                condition=~models.Q(status="closed"),
            ),
            # The queue filtered by one status, in checkpoint order.
            models.Index(
                fields=["status", "next_checkpoint", "id"], name="ticket_status_queue_idx"
            ),
            models.Index(
                fields=["next_due", "id"],
                name="ticket_open_due_idx",
                condition=~models.Q(status="closed"),
            ),
            # The queue: upset or panicking customers first, then what falls due first.
            models.Index(
                fields=["-attention", "next_due", "id"],
                name="ticket_open_attention_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(fields=["organization", "status"], name="ticket_org_status_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """The customer-facing reference, e.g. KZ-000123."""
        return format_reference(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    def is_overdue(self, now=None) -> bool:
        """True when the promised next update is in the past and the ticket is still open."""
        if self.next_checkpoint is None or not self.is_open:
            return False
        return self.next_checkpoint < (now or timezone.now())


def format_reference(pk: int | None) -> str:
    return f"KZ-{pk:06d}" if pk else ""


def parse_reference(text: str) -> int | None:
    """The ticket id in a reference such as 'KZ-000123' (or a plain number) found in
    `text`, else None."""
    text = (text or "").strip()
    if looks_like_id(text):
        return parse_id(text)
    match = REFERENCE_RE.fullmatch(text) or REFERENCE_RE.search(text)
    return parse_id(match.group(1)) if match else None


def parse_ticket_id(text: str) -> int | None:
    """The ticket id that `text` names exactly: its number ('123') or its reference
    ('KZ-000123'), in ASCII digits, with nothing around it; else None. For URLs and API
    fields, where " 1" or a full-width "１２" must not open ticket 1 or 12."""
    text = text or ""
    if looks_like_id(text):
        return parse_id(text)
    match = _EXACT_REFERENCE_RE.fullmatch(text)
    return parse_id(match.group(1)) if match else None


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    # Mail that came as HTML: the HTML sanitised (no scripts, no remote content), shown on
    # request beside the plain text in `body`.
    body_html = models.TextField(blank=True)
    # Sent by Kizuna itself (acknowledgements, reopen notices): marked Auto-Submitted when mailed.
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)
    email_message_id = models.CharField(max_length=998, blank=True, db_index=True)
    # When the mail server accepted it; set only after a successful send.
    mailed_at = models.DateTimeField(null=True, blank=True)
    # A worker is sending it since then. A claim older than mail.CLAIM_TIMEOUT belongs to a
    # worker that died mid-send: the message is sent again rather than lost.
    mail_claimed_at = models.DateTimeField(null=True, blank=True)
    # The delivery task holding the claim: the same task, run again after its worker died,
    # takes the claim back at once instead of waiting for it to expire.
    mail_claimed_by = models.CharField(max_length=64, blank=True)
    # Outbound delivery: attempts so far and the last error; a retry runs later (tasks.py).
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_error = models.TextField(blank=True)
    # When Kizuna gave up mailing it (refused for good, or every retry failed).
    mail_failed_at = models.DateTimeField(null=True, blank=True)
    # Why the message was kept in the ticket but not mailed (the automatic-reply window).
    mail_suppressed = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # /metrics counts mail waiting to go out and mail given up on: both few of all.
            models.Index(
                fields=["created_at"],
                name="message_mail_waiting",
                condition=models.Q(kind="outbound", mailed_at=None, mail_suppressed=""),
            ),
            models.Index(
                fields=["mail_failed_at"],
                name="message_mail_failed",
                condition=models.Q(mail_failed_at__isnull=False),
            ),
        ]

    @property
    def is_customer_visible(self) -> bool:
        return self.kind != MessageKind.NOTE

    @property
    def author_name(self) -> str:
        if self.author_contact_id:
            return self.author_contact.name
        if self.author_user_id:
            return person_name(self.author_user)
        return "Kizuna"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed: the same file twice is stored once, and names never collide.
    return f"{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    # Indexed: every new file is looked up by its digest to store each content once.
    sha256 = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return self.filename

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ACKNOWLEDGED = "acknowledged", _("Acknowledgement sent")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    REPLY = "reply", _("Reply sent")
    NOTE = "note", _("Internal note")
    CUSTOMER_REPLY = "customer_reply", _("Customer replied")
    REOPENED = "reopened", _("Reopened")
    MAIL_FAILED = "mail_failed", _("Mail could not be delivered")
    PROMISE = "promise", _("Promise recorded")
    BREACH = "breach", _("Promised time missed")
    REMINDER = "reminder", _("Reminder sent")
    RATED = "rated", _("Customer rated the help")
    CC = "cc", _("Copies changed")
    MERGED = "merged", _("Merged")


class AutoReplyLog(models.Model):
    """When an address last received an automatic mail from us (at most one per window,
    so that our acknowledgements and another system's auto-replies cannot ping-pong)."""

    address = models.CharField(max_length=254, unique=True)
    last_sent_at = models.DateTimeField()
    # The message that took the slot: its retries may still be sent.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.address} {self.last_sent_at:%Y-%m-%d %H:%M}"


class TicketEvent(models.Model):
    """One line of the append-only audit trail: who changed what, when, and what the customer was told."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    customer_note = models.TextField(blank=True)
    checkpoint = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The audit trail is append-only: events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit trail is append-only: events cannot be deleted.")


class Resolved(models.TextChoices):
    """P2's third answer: is the problem fully resolved?"""

    YES = "yes", _("Yes, fully")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class ResolutionReport(models.Model):
    """P2's four answers, given when a ticket is resolved (each resolution keeps its own)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="resolution_reports")
    cause = models.TextField(_("what caused it"))
    done = models.TextField(_("what was done and what remains"))
    fully_resolved = models.CharField(_("fully resolved?"), max_length=6, choices=Resolved.choices)
    recurrence = models.TextField(_("can it recur, and how to avoid it"), blank=True)
    # P10: anything further the agent offers (a review, a training, a check next month).
    further_help = models.TextField(_("further help offered"), blank=True)
    # The message the customer received with it.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.created_at:%Y-%m-%d}"
