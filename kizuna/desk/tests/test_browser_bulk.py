"""In Chromium: an agent ticks two tickets in the queue and moves both to "waiting for the
customer" with one note; each customer gets it, the queue says which tickets changed, and a
queue refresh does not drop the ticks while the agent is choosing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db(transaction=True)
NOTE = "Could you send us the error message your mail program shows? We will look at it at once."


def test_two_tickets_change_status_together(browser, live_server):
    people = Personas()
    people.make_personas()
    first = services.ticket_open(requester=people.outsider, subject="Mail bounces", body="Bounced.")
    second = services.ticket_open(requester=people.outsider, subject="Cannot log in", body="No.")
    ctx = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/")
    for ticket in (first, second):
        page.locator(f"#queue-table input[name=ticket][value='{ticket.id}']").check()
    # The table refreshes itself; while boxes are ticked its refresh is held back.
    held = page.evaluate(
        """() => {
          const table = document.querySelector('#queue-table');
          const event = new CustomEvent('htmx:beforeRequest',
            {bubbles: true, cancelable: true, detail: {elt: table}});
          table.dispatchEvent(event);
          return event.defaultPrevented;
        }"""
    )
    assert held

    page.locator("details.bulk summary").click()
    page.select_option("#b-action", "status")
    page.select_option("#b-status", "waiting_customer")
    page.fill("#bulk-form textarea[name=customer_note]", NOTE)
    checkpoint = (timezone.now() + timedelta(hours=5)).astimezone(ZoneInfo("Europe/London"))
    page.fill("#bulk-form input[name=checkpoint]", checkpoint.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_selector(".flash")
    flash = page.inner_text(".flash")
    assert first.reference in flash and second.reference in flash
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == Status.WAITING_CUSTOMER
        assert ticket.messages.filter(
            kind=MessageKind.OUTBOUND, body__contains="error message"
        ).exists()
    ctx.close()
