"""Writes of the portal: one-time sign-in links (see docs/portal.md).

A link's token is random (`secrets.token_urlsafe`) and only its SHA-256 is stored, so a copy
of the database cannot sign anyone in. A link works once, until it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kizuna.lib.timefmt import format_when
from kizuna.portal.models import PortalLink
from kizuna.throttles.services import throttle_hit
from kizuna.tickets.models import Contact

THROTTLE_WINDOW = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_request_throttled(*, email: str, client: str, now: datetime | None = None) -> bool:
    """Count one request and say whether the address or the client has asked too often in
    the last hour (KIZUNA_PORTAL_LINKS_PER_HOUR per address, _PER_CLIENT_HOUR per client).

    Every request counts, whether or not the address is known, so the answer reveals nothing
    about which addresses belong to contacts. The counts live in the database: every web
    process sees the same ones.
    """
    by_email = throttle_hit("portal-link-email", email, window=THROTTLE_WINDOW, now=now)
    by_client = throttle_hit("portal-link-client", client, window=THROTTLE_WINDOW, now=now)
    return (
        by_email > settings.KIZUNA_PORTAL_LINKS_PER_HOUR
        or by_client > settings.KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR
    )


def _link_create(
    *, contact: Contact, next_url: str, now: datetime, base_url: str = ""
) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=settings.KIZUNA_PORTAL_LINK_MINUTES)
    with transaction.atomic():
        PortalLink.objects.create(
            contact=contact, token_hash=token_hash(token), created_at=now, expires_at=expires
        )
    url = (base_url or settings.SITE_URL) + reverse("portal:signin_link", args=[token])
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return url, expires


def portal_link_create(*, contact: Contact, base_url: str = "", now: datetime | None = None) -> str:
    """A one-time sign-in URL for `contact`, returned instead of mailed (the demo prints it)."""
    return _link_create(contact=contact, next_url="", now=now or timezone.now(), base_url=base_url)[
        0
    ]


def portal_link_request(*, email: str, next_url: str = "", now: datetime | None = None) -> bool:
    """Mail a one-time sign-in link if `email` belongs to an active contact.

    Returns whether a link was sent; callers must not show that to the visitor. The mail is
    in the contact's language and gives the expiry time in the contact's time zone. It is sent
    at once rather than through the task queue so the token never rests anywhere in clear.
    """
    email = (email or "").strip().lower()
    contact = Contact.objects.filter(email=email, is_active=True).first()
    if contact is None:
        return False
    now = now or timezone.now()
    # A second line of defence that holds across processes: the stored links themselves.
    recent = PortalLink.objects.filter(contact=contact, created_at__gt=now - THROTTLE_WINDOW)
    if recent.count() >= settings.KIZUNA_PORTAL_LINKS_PER_HOUR:
        return False
    url, expires = _link_create(contact=contact, next_url=next_url, now=now)
    with translation.override(contact.language):
        subject = _("Your sign-in link for the support portal")
        body = _(
            "Hello %(name)s,\n\n"
            "Open this link to sign in to the support portal:\n\n%(url)s\n\n"
            "The link works once and until %(when)s.\n"
            "If you did not ask for it, you can ignore this message: nobody can sign in without it."
        ) % {
            "name": contact.name,
            "url": url,
            "when": format_when(expires, lang=contact.language, tzname=contact.timezone),
        }
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()
    return True


def portal_link_find(token: str) -> PortalLink | None:
    """The usable link for `token` (not used, not expired, active contact), without using it."""
    link = (
        PortalLink.objects.select_related("contact")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if link is None or not link.is_usable or not link.contact.is_active:
        return None
    return link


def portal_link_claim(token: str, *, now: datetime | None = None) -> Contact | None:
    """Use the link once and return its contact, or None when it is unknown, used or expired.

    The claim is a conditional update whose row count says who won, so two clicks racing
    each other (or two web processes) can never both sign in (SQLite and PostgreSQL alike).
    """
    now = now or timezone.now()
    digest = token_hash(token or "")
    claimed = PortalLink.objects.filter(
        token_hash=digest, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        return None
    link = PortalLink.objects.select_related("contact__organization").get(token_hash=digest)
    return link.contact if link.contact.is_active else None
