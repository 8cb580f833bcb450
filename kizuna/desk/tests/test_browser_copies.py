"""In Chromium: an agent adds addresses in copy on the ticket, and the reply they send goes to
the customer with those addresses in Cc."""

from __future__ import annotations

import time

import pytest

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.test import Personas
from kizuna.tickets import services

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = (
    "We corrected the mail server setting for your domain at 14:00. Please try sending again; "
    "if anything still fails, reply here and we will look at it at once."
)


def test_copies_set_in_the_desk_go_out_with_the_reply(browser, live_server, mailoutbox):
    people = Personas()
    people.make_personas()
    ticket = services.ticket_open(
        requester=people.outsider, subject="Cannot send mail", body="Since this morning."
    )
    ctx = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")

    cc = page.locator("form[hx-post$='/cc/'] textarea[name=cc]")
    cc.fill("Office Manager <manager@northwind.example>, it@northwind.example")
    page.locator("form[hx-post$='/cc/'] button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector(\"form[hx-post$='/cc/'] textarea\").value"
        " === 'manager@northwind.example, it@northwind.example'"
    )

    mailoutbox.clear()
    page.locator("#reply_body").fill(REPLY)
    page.locator("form[hx-post$='/reply/'] button[name=send]").click()
    page.wait_for_selector('article.msg.outbound:has-text("corrected the mail server")')
    deadline = time.monotonic() + 10
    while not mailoutbox and time.monotonic() < deadline:
        time.sleep(0.1)
    [sent] = mailoutbox
    assert sent.to == ["nancy@northwind.example"]
    assert sent.cc == ["manager@northwind.example", "it@northwind.example"]
    assert "manager@northwind.example" in sent.message()["Cc"]
    ctx.close()
