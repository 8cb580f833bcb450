"""The composer in a real browser: findings appear while the agent types, and a message that
breaks the standard leaves only with an explicit, recorded override (P3, P12)."""

from __future__ import annotations

import re

import pytest

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.standards.models import CheckOverride
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind

pytestmark = pytest.mark.django_db(transaction=True)


def test_findings_appear_while_typing_and_sending_needs_an_override(browser, live_server):
    people = Personas()
    people.make_personas()
    ticket = services.ticket_open(
        requester=people.customer, subject="メールが送信できない", body="今朝から送信できません。"
    )
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "sato")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")

    composer = page.locator("#reply_body")
    composer.press_sequentially("これはお客様の操作ミスです。", delay=20)
    finding = page.locator('#reply-findings .finding[data-rule="ja.blame.customer-mistake"]')
    finding.wait_for()
    assert "P3" in finding.inner_text()
    assert page.locator("#reply-findings mark.sev-error").inner_text() == "お客様の操作ミス"

    page.locator("form[hx-post$='/reply/'] button[name=send]").click()
    override = page.locator("input[name=override_check]")
    override.wait_for()
    assert not ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).exists()

    override.check()
    page.locator("form[hx-post$='/reply/'] button[name=send]").click()
    page.wait_for_selector(f'article.msg.outbound:has-text("{"操作ミス"}")')
    assert CheckOverride.objects.filter(ticket=ticket, user=people.agent).count() == 1
    assert re.search("操作ミス", ticket.messages.filter(kind=MessageKind.OUTBOUND).last().body)
    ctx.close()


@pytest.mark.parametrize(
    "lang, agent, draft, rule, marked",
    [
        (
            "ja",
            "sato",
            "原因はお客様側の設定の誤りです。",
            "ja.blame.customer-at-fault",
            "お客様側の設定の誤り",
        ),
        (
            "en",
            "alice",
            "The problem is caused by your own configuration.",
            "en.blame.your-side-caused-it",
            "is caused by your own configuration",
        ),
    ],
)
def test_paraphrased_blame_is_underlined_with_its_suggestion(
    browser, live_server, lang, agent, draft, rule, marked
):
    people = Personas()
    people.make_personas()
    contact = people.customer if lang == "ja" else people.outsider
    ticket = services.ticket_open(requester=contact, subject="Mail", body="…")
    ctx = browser.new_context(locale="ja-JP" if lang == "ja" else "en-GB")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")
    page.locator("#reply_body").press_sequentially(draft, delay=10)
    finding = page.locator(f'#reply-findings .finding[data-rule="{rule}"]')
    finding.wait_for()
    assert "P3" in finding.inner_text()
    assert page.locator("#reply-findings mark.sev-error").inner_text() == marked
    # The suggestion says what to write instead, in the draft's language.
    assert ("例" in finding.inner_text()) if lang == "ja" else ("will" in finding.inner_text())
    ctx.close()
