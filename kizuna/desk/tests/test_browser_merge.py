"""In Chromium, in Japanese: an agent merges a duplicate request into the first one; the desk
lands on the survivor, which now shows both conversations and the notice to the customer."""

from __future__ import annotations

import pytest

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import Status

pytestmark = pytest.mark.django_db(transaction=True)


def test_merging_a_duplicate(browser, live_server):
    people = Personas()
    people.make_personas()
    first = services.ticket_open(
        requester=people.customer, subject="VPN が切れる", body="朝から VPN が何度も切れます。"
    )
    duplicate = services.ticket_open(
        requester=people.customer,
        subject="VPN の件",
        body="先ほどの VPN の件、再接続もできません。",
    )
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "sato")
    page.goto(f"{live_server.url}/desk/tickets/{duplicate.id}/")
    page.fill("#merge-target", first.reference)
    page.locator("form[action$='/merge/'] button[type=submit]").click()
    page.wait_for_url(f"**/desk/tickets/{first.id}/")
    assert duplicate.reference in page.inner_text(".flash")
    conversation = page.inner_text("main")
    assert "朝から VPN が何度も切れます" in conversation
    assert "再接続もできません" in conversation
    assert duplicate.reference in page.inner_text("#merged-from")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into_id == first.id
    ctx.close()
