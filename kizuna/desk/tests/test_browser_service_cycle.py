"""The whole service cycle in a real browser: the customer asks in the portal, the agent
answers from the queue, and the customer always sees where the request stands (P1, P10).

Every page on the way runs under the Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from kizuna.test import PASSWORD, Personas
from kizuna.tickets import services
from kizuna.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():
    p = Personas()
    p.make_personas()
    # Something already in the queue, due later than the customer's new urgent request.
    services.ticket_open(
        requester=p.customer,
        subject="請求書の再発行",
        body="先月分の請求書を再発行してください。",
        priority="low",
    )
    return p


def portal_sign_in(page, live_server, mailoutbox, email):
    page.goto(f"{live_server.url}/portal/signin/")
    page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/signin/sent/"))
    # The mailed link carries the configured site URL; follow its path on the test server.
    path = re.search(r"https?://[^/\s]+(/portal/signin/\S+/)", mailoutbox[-1].body).group(1)
    page.goto(live_server.url + path)
    # Not signed in until the button is pressed: no sign-out offered yet.
    assert page.locator("header form[action$='/portal/signout/']").count() == 0
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))


def desk_sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/desk/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/$"))


def change_status(page, to_status, note, checkpoint_local):
    form = page.locator("#status-form")
    form.locator("select[name=to_status]").select_option(to_status)
    form.locator("textarea[name=customer_note]").fill(note)
    form.locator("input[name=checkpoint]").fill(checkpoint_local.strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f'[data-status="{to_status}"]')


def test_a_request_goes_from_the_portal_through_the_desk_to_resolved(
    browser, live_server, mailoutbox, people, csp
):
    customer_ctx = csp.watch(browser.new_context(locale="en-GB", timezone_id="Europe/London"))
    agent_ctx = csp.watch(browser.new_context(locale="en-GB", timezone_id="Europe/London"))
    customer, agent = customer_ctx.new_page(), agent_ctx.new_page()
    for p in (customer, agent):
        p.set_default_timeout(15_000)

    # 1. The customer (English, in London) opens a request with P9's questions answered.
    portal_sign_in(customer, live_server, mailoutbox, people.outsider.email)
    customer.goto(f"{live_server.url}/portal/new/")
    customer.fill("input[name=subject]", "VPN drops every few minutes")
    customer.fill(
        "textarea[name=what_happened]", "Since 9:00 the office VPN disconnects every 5 minutes."
    )
    customer.fill("textarea[name=impact]", "The whole sales team (12 people).")
    customer.check("input[name=urgency][value=stopped]")
    customer.fill("textarea[name=tried]", "Restarted the router.")
    customer.click("form.intake button[type=submit]")
    customer.wait_for_url(re.compile(r"/portal/tickets/\d+/"))
    ticket = Ticket.objects.get(subject="VPN drops every few minutes")
    assert ticket.priority == "urgent"
    assert ticket.reference in customer.content()
    assert "Next update by" in customer.inner_text(".status-callout")

    # 2. It is on top of the agent's queue: it falls due first.
    desk_sign_in(agent, live_server, "alice")
    first_row = agent.locator("#queue-table tbody tr").first
    assert first_row.get_attribute("data-ticket") == ticket.reference
    # The queue's filters answer through htmx, which adds no style element of its own.
    agent.select_option("#f-status", "new")
    agent.wait_for_url(re.compile(r"status=new"))
    assert agent.locator("#queue-table tbody tr").first.get_attribute("data-ticket") == (
        ticket.reference
    )
    assert agent.evaluate("document.querySelectorAll('style, [style]').length") == 0
    first_row = agent.locator("#queue-table tbody tr").first

    # 3. The agent takes it up with a note for the customer and the next checkpoint.
    first_row.locator("a").first.click()
    agent.wait_for_url(re.compile(rf"/desk/tickets/{ticket.id}/"))
    london = zoneinfo.ZoneInfo("Europe/London")  # alice's own time zone
    # Three hours ahead, or sooner when the policy's longest wait for news ends earlier (at
    # night or on a weekend business hours make that limit fall anywhere): no reason needed.
    now = timezone.now()
    limit = services.update_due(ticket, now=now)
    checkpoint = min(now + timedelta(hours=3), limit).astimezone(london)
    checkpoint = checkpoint.replace(second=0, microsecond=0)
    note = (
        "We are checking the VPN gateway's records for your office and will call your IT contact."
    )
    change_status(agent, "investigating", note, checkpoint)
    ticket.refresh_from_db()
    assert ticket.status == Status.INVESTIGATING
    assert ticket.next_checkpoint == checkpoint

    # 4. The customer sees what we are doing now and when they will hear from us next.
    customer.reload()
    callout = customer.inner_text(".status-callout")
    assert note in callout
    assert "Next update by" in callout
    assert checkpoint.strftime("%H:%M") in callout  # in the customer's own zone (London)

    # 5. The agent resolves it: P2's questions appear only for "Resolved", the answers become
    #    the resolution letter, shown for a last read, then sent.
    form = agent.locator("#status-form")
    assert form.locator("#resolution-fields").is_hidden()
    form.locator("select[name=to_status]").select_option("resolved")
    assert form.locator("#resolution-fields").is_visible()
    form.locator("textarea[name=cause]").fill(
        "A faulty power supply in the VPN gateway at our data centre restarted it every few minutes."
    )
    form.locator("textarea[name=done]").fill(
        "We replaced the power supply at 11:40; nothing else remains to be done."
    )
    form.locator("select[name=fully_resolved]").select_option("yes")
    form.locator("textarea[name=recurrence]").fill(
        "To prevent a repeat, we now monitor the gateway's power and are alerted at once."
    )
    form.locator("input[name=checkpoint]").fill(
        (checkpoint + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    form.locator("button[type=submit]").click()
    agent.wait_for_selector("#resolution-written")
    form = agent.locator("#status-form")
    written = form.locator("textarea[name=customer_note]").input_value()
    assert written.startswith("Dear Nancy Davolio,")
    assert "faulty power supply" in written and "fully resolved" in written
    ticket.refresh_from_db()
    assert ticket.status == Status.INVESTIGATING  # nothing sent yet
    form.locator("button[type=submit]").click()
    agent.wait_for_selector('[data-status="resolved"]')
    assert "faulty power supply" in agent.inner_text("#resolution-report")

    # 6. The customer sees it resolved, with the report.
    customer.reload()
    assert "Resolved" in customer.inner_text(".status-callout")
    assert "faulty power supply" in customer.inner_text(".timeline")

    # 7. Choosing another language submits the switch by itself (the page's own script file).
    customer.select_option("header select[name=language]", "ja")
    customer.wait_for_function("document.documentElement.lang === 'ja'")
    # A resolved request says so rather than promising a next update.
    callout = customer.inner_text(".status-callout")
    assert "解決済み" in callout
    assert "に解決しました" in callout
    assert "次回ご連絡予定" not in callout

    # Not one Content-Security-Policy violation on any page of the whole cycle.
    csp.assert_clean()
    customer_ctx.close()
    agent_ctx.close()
