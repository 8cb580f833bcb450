"""Shared helpers for the portal tests: a signed-in contact without going through the mail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from kizuna.portal.auth import SESSION_KEY, TZ_SESSION_KEY
from kizuna.test import REPORT, BaseTestCase
from kizuna.tickets import services


class PortalTestCase(BaseTestCase):
    def sign_in(self, contact=None, client=None, language="en") -> None:
        """Sign `contact` in as the mailed link does. The UI language is English unless
        asked, so that assertions on UI text hold while translations are being written."""
        contact = contact or self.customer
        client = client or self.client
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is not None and not cookie.value:  # emptied by a sign-out
            del client.cookies[settings.SESSION_COOKIE_NAME]
        session = client.session
        session[SESSION_KEY] = contact.pk
        session[TZ_SESSION_KEY] = contact.timezone
        session.save()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    def resolve(
        self, ticket, note="The mail server's certificate was renewed; sending works again."
    ):
        services.ticket_transition(
            ticket=ticket,
            actor_user=self.agent,
            to_status="resolved",
            resolution=REPORT,
            customer_note=note,
            checkpoint=self.later(days=3),
        )
        return ticket

    def close(self, ticket, days_ago: float = 0):
        """Resolve and close `ticket`, `days_ago` days ago."""
        self.resolve(ticket)
        services.ticket_transition(ticket=ticket, actor_user=self.agent, to_status="closed")
        if days_ago:
            type(ticket).objects.filter(pk=ticket.pk).update(
                closed_at=timezone.now() - timedelta(days=days_ago)
            )
            ticket.refresh_from_db()
        return ticket
