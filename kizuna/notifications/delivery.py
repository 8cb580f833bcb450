"""Mailing a notification to its agent: once, even when workers die mid-way."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.notifications.models import Notification
from kizuna.tickets.models import AgentProfile, Language

logger = logging.getLogger(__name__)

SENT, SKIPPED = "sent", "skipped"
# Far longer than one SMTP conversation: a claim this old belongs to a worker that died.
CLAIM_TIMEOUT = timedelta(minutes=10)


def language_of(user) -> str:
    """The language an agent reads the desk in (Japanese unless their profile says English)."""
    lang = AgentProfile.objects.filter(user=user).values_list("language", flat=True).first()
    return lang or Language.JA


def _subject(notification: Notification) -> str:
    ticket = notification.ticket
    label = {
        "warning": _("Due soon"),
        "breach": _("Missed"),
        "escalation": _("Escalated to you"),
    }.get(notification.kind, notification.kind)
    if ticket is None:
        return f"[Kizuna] {label}"
    return f"[Kizuna] {label}: {ticket.reference} {ticket.subject}"[:200]


def build_mail(notification: Notification) -> EmailMessage:
    """The mail to the agent, in their language: the notification and a link to the ticket."""
    with translation.override(language_of(notification.recipient)):
        body = notification.text
        if notification.ticket_id:
            link = f"{settings.SITE_URL}/desk/tickets/{notification.ticket_id}/"
            body += "\n\n" + _("Open the request: %(link)s") % {"link": link}
        subject = _subject(notification)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={
            "Auto-Submitted": "auto-generated",
            # The same on every attempt: a copy sent again is one message in the agent's client.
            "Message-ID": message_id(notification),
        },
    )


def message_id(notification: Notification) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "kizuna.invalid"
    return f"<notification-{notification.pk}.{notification.created_at:%Y%m%d%H%M%S}@{domain}>"


def notification_mail_send(*, notification_id: int, claimant: str = "") -> str:
    """Mail one notification to its recipient; `sent`, or `skipped` when it is mailed already
    or another worker holds it. The claim is a conditional update, so two workers never send
    the same notification; the task that claimed it, run again after its worker died, sends
    at once; a failure releases the claim and propagates for a retry."""
    now = timezone.now()
    free = Q(mail_claimed_at=None) | Q(mail_claimed_at__lt=now - CLAIM_TIMEOUT)
    if claimant:
        free |= Q(mail_claim=claimant)
    claimed = (
        Notification.objects.filter(pk=notification_id, mailed_at=None, mail_failed_at=None)
        .filter(free)
        .update(
            mail_claim=claimant[:64],
            mail_claimed_at=now,
            mail_attempts=F("mail_attempts") + 1,
        )
    )
    if not claimed:
        return SKIPPED
    released = {"mail_claim": "", "mail_claimed_at": None}
    try:
        notification = Notification.objects.select_related("recipient", "ticket").get(
            pk=notification_id
        )
        email = build_mail(notification)
        connection = email.get_connection()
        connection.open()
        try:
            connection.send_messages([email])
            # Recorded before QUIT: a worker dying now is the only way to mail it twice.
            Notification.objects.filter(pk=notification_id).update(
                **released, mailed_at=timezone.now()
            )
        finally:
            try:
                connection.close()
            except Exception as exc:  # the mail was accepted; QUIT changes nothing
                logger.info("SMTP session did not close cleanly: %s", exc)
    except BaseException:
        Notification.objects.filter(pk=notification_id, mailed_at=None).update(**released)
        raise
    return SENT


@transaction.atomic
def notification_mail_failed(*, notification_id: int) -> None:
    Notification.objects.filter(pk=notification_id, mailed_at=None).update(
        mail_failed_at=timezone.now(), mail_claim="", mail_claimed_at=None
    )


def retry_delay(attempts: int) -> timedelta:
    """1, 5, 15, 60 minutes, then every 2 hours."""
    steps = [1, 5, 15, 60]
    return timedelta(minutes=steps[attempts - 1] if attempts <= len(steps) else 120)
