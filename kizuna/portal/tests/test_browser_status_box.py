"""In Chromium, in Japanese and English: the customer keeps their request open in the portal;
an agent answers in the desk with the next update time, and the portal's status box shows the
agent's note and the new time without the customer reloading the page (P1)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in, portal_sign_in
from kizuna.portal import views as portal_views
from kizuna.test import Personas
from kizuna.tickets import services

pytestmark = pytest.mark.django_db(transaction=True)

CASES = {
    "ja": (
        "sato",
        "ja-JP",
        "Asia/Tokyo",
        "ルーターの設定を確認しております。",
    ),
    "en": (
        "alice",
        "en-GB",
        "Europe/London",
        "We are checking the settings of your router now.",
    ),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_an_agent_reply_updates_the_portal_status_box(
    browser, live_server, mailoutbox, monkeypatch, lang
):
    monkeypatch.setattr(portal_views, "STATUS_REFRESH_SECONDS", 1)
    people = Personas()
    people.make_personas()
    username, locale, zone, reply = CASES[lang]
    contact = people.customer if lang == "ja" else people.outsider
    ticket = services.ticket_open(requester=contact, subject="VPN", body="VPN が切れます。")

    customer = browser.new_context(locale=locale, timezone_id=zone).new_page()
    customer.set_default_timeout(15_000)
    portal_sign_in(customer, live_server, mailoutbox, contact.email)
    customer.goto(f"{live_server.url}/portal/tickets/{ticket.id}/")
    assert reply[:10] not in customer.inner_text("#status-box")

    agent = browser.new_context(locale=locale, timezone_id=zone).new_page()
    agent.set_default_timeout(15_000)
    desk_sign_in(agent, live_server, username)
    agent.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")
    # Sooner than the policy's longest wait for news (a later time would need a reason).
    when = (timezone.now() + timedelta(minutes=95)).astimezone(ZoneInfo(zone))
    when = when.replace(minute=when.minute - when.minute % 5, second=0, microsecond=0)
    agent.fill("#reply_body", reply)
    agent.fill("form[hx-post$='/reply/'] input[name=checkpoint]", when.strftime("%Y-%m-%dT%H:%M"))
    agent.locator("form[hx-post$='/reply/'] button[name=send]").click()
    agent.wait_for_selector(f'article.msg.outbound:has-text("{reply}")')

    # No reload: the box asks for news by itself.
    shown = when.strftime("%H:%M")
    customer.wait_for_function(
        "text => document.querySelector('#status-box').innerText.includes(text)", arg=shown
    )
    assert reply in customer.inner_text("#status-box")
