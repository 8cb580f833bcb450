"""Promised times in a real browser: the queue marks what is overdue and due soon, and the
composer shows the promises it found in a reply for the agent to confirm or correct before it
goes out (P1, P12, P13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_queue_marks_overdue_and_due_soon_tickets(browser, live_server, csp):
    people = Personas()
    people.make_personas()
    overdue, soon, later = (
        services.ticket_open(requester=people.customer, subject=s, body="本文です。")
        for s in ("期限切れの依頼", "まもなく期限の依頼", "後日の依頼")
    )
    now = timezone.now()
    for ticket, due in ((overdue, -20), (soon, 30), (later, 60 * 24 * 3)):
        Ticket.objects.filter(pk=ticket.pk).update(
            next_due=now + timedelta(minutes=due), next_checkpoint=now + timedelta(minutes=due)
        )
    ctx = csp.watch(browser.new_context(locale="en-GB", timezone_id="Asia/Tokyo"))
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "sato")
    rows = page.locator("#queue-table tbody tr")
    assert rows.nth(0).get_attribute("data-ticket") == overdue.reference
    assert rows.nth(1).get_attribute("data-ticket") == soon.reference
    assert rows.nth(0).locator(".badge.overdue").is_visible()
    assert rows.nth(1).locator(".badge.due-soon").is_visible()
    assert rows.nth(2).locator(".badge.overdue, .badge.due-soon").count() == 0
    # "Due in the next hour" keeps the first two.
    page.select_option("#f-due", "1h")
    page.wait_for_url("**due=1h**")
    page.wait_for_function("document.querySelectorAll('#queue-table tbody tr').length === 2")
    ctx.close()


def test_the_composer_shows_a_promise_to_confirm_and_tracks_it(browser, live_server, csp):
    people = Personas()
    people.make_personas()
    ticket = services.ticket_open(
        requester=people.customer, subject="メールが送信できない", body="今朝から送信できません。"
    )
    ctx = csp.watch(browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo"))
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "sato")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")

    page.fill("#reply_body", "ログを確認しております。明日15時までにご連絡いたします。")
    send = page.locator("form[hx-post$='/reply/'] button[name=send]")
    send.click()
    review = page.locator("[data-promise-review]")
    review.wait_for()
    assert "“明日15時までに”" in review.inner_text()
    assert not ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()
    # The agent moves the promise to the day after tomorrow, 11:00, and sends.
    when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=11, minute=0)
    review.locator("input.promise-due").fill(when.strftime("%Y-%m-%dT%H:%M"))
    send.click()
    page.wait_for_selector('article.msg.outbound:has-text("明日15時までに")')
    [promise] = Deadline.objects.filter(ticket=ticket, kind=DeadlineKind.PROMISE)
    assert promise.due_at == when.replace(second=0, microsecond=0)
    # The ticket page lists it among the promised times, in the agent's words.
    assert "“明日15時までに”" in page.inner_text("#clocks")
    ctx.close()
