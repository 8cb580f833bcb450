"""The end of the cycle in a real browser, in Japanese and in English (P2, P10): the agent
resolves with P2's answers, reads the letter Kizuna wrote and sends it; the customer gets it by
mail, rates the help through the signed link without signing in, and closes the request; an
altered or expired link shows a clear page in the customer's language and changes nothing.

Every page on the way runs under the Content-Security-Policy: any violation fails the test."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from kizuna.closing.models import Satisfaction
from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import Status

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://[^/\s]+(/portal/feedback/([^/\s]+)/)")

CASES = {
    "ja": {
        "contact": "customer",
        "agent": "sato",
        "locale": "ja-JP",
        "answers": {
            "cause": "送信サーバーの証明書の有効期限が切れていました。",
            "done": "本日10時に証明書を更新いたしました。残っている作業はございません。",
            "recurrence": "期限の30日前に通知が届くよう、監視を追加いたしました。",
        },
        "greeting": "山田 太郎様",
        "said": ["完全に解決いたしました", "ログインは不要です"],
        "page": "解決の内容",
        "thanks": "ご回答ありがとうございます",
        "closed": "ありがとうございます。このお問い合わせを完了にしました。",
        "invalid": "このリンクは使用できません",
    },
    "en": {
        "contact": "outsider",
        "agent": "alice",
        "locale": "en-GB",
        "answers": {
            "cause": "The certificate of the mail server had expired.",
            "done": "We renewed the certificate at 10:00 today; nothing else remains to be done.",
            "recurrence": "To prevent this, monitoring now warns us 30 days before expiry.",
        },
        "greeting": "Dear Nancy Davolio,",
        "said": ["fully resolved", "no sign-in needed"],
        "page": "How it was resolved",
        "thanks": "Thank you for your answer",
        "closed": "Thank you. The request is now closed.",
        "invalid": "This link cannot be used",
    },
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_resolve_rate_and_close_through_the_signed_link(
    lang, browser, live_server, mailoutbox, csp
):
    case = CASES[lang]
    people = Personas()
    people.make_personas()
    contact = getattr(people, case["contact"])
    ticket = services.ticket_open(
        requester=contact, subject="メール送信エラー" if lang == "ja" else "Mail bounces", body="…"
    )

    agent_ctx = csp.watch(browser.new_context(locale=case["locale"]))
    agent = agent_ctx.new_page()
    agent.set_default_timeout(15_000)
    desk_sign_in(agent, live_server, case["agent"])
    agent.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")

    # 0. The composer offers the letters for what the agent says the message is.
    agent.select_option("#reply_purpose", "bad-news")
    offered = agent.evaluate(
        "Array.from(document.querySelectorAll('#reply_letter option'))"
        ".filter(o => !o.hidden).map(o => o.dataset.purpose || '')"
    )
    assert "bad-news" in offered and not set(offered) - {"", "any", "bad-news"}, offered

    # 1. Resolve with P2's answers; Kizuna writes the letter, shown before it goes out.
    form = agent.locator("#status-form")
    form.locator("select[name=to_status]").select_option("resolved")
    for name, text in case["answers"].items():
        form.locator(f"textarea[name={name}]").fill(text)
    form.locator("select[name=fully_resolved]").select_option("yes")
    form.locator("button[type=submit]").click()
    agent.wait_for_selector("#resolution-written")
    written = agent.locator("#status-form textarea[name=customer_note]").input_value()
    assert case["greeting"] in written.splitlines()[:2], written[:80]
    mailoutbox.clear()
    agent.locator("#status-form button[type=submit]").click()
    agent.wait_for_selector('[data-status="resolved"]')

    # 2. The customer's mail holds the report and the link.
    [mail] = [m for m in mailoutbox if contact.email in m.to]
    for text in (*case["answers"].values(), *case["said"]):
        assert text in mail.body, text
    path, token = LINK.search(mail.body).groups()

    # 3. The customer rates the help and closes the request, without signing in.
    customer_ctx = csp.watch(browser.new_context(locale=case["locale"]))
    customer = customer_ctx.new_page()
    customer.set_default_timeout(15_000)
    customer.goto(live_server.url + path)
    assert case["page"] in customer.inner_text("main")
    customer.locator("#rating-form input[name=rating][value='4']").check()
    customer.fill(
        "#rating-form textarea[name=comment]", "早い対応でした" if lang == "ja" else "Quick"
    )
    customer.locator("#rating-form button[type=submit]").click()
    customer.wait_for_selector("#feedback-notice")
    assert case["thanks"] in customer.inner_text("#feedback-notice")
    assert Satisfaction.objects.get(ticket=ticket).rating == 4
    customer.locator("#close-form button[type=submit]").click()
    customer.wait_for_selector('[data-status="closed"]')
    assert case["closed"] in customer.inner_text("#feedback-notice")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED

    # 4. An altered and an expired link: a clear page, nothing changed.
    altered = path.replace(token, token[:-3] + ("abc" if not token.endswith("abc") else "xyz"))
    customer.goto(live_server.url + altered)
    assert customer.locator("#feedback-invalid").get_attribute("data-reason") == "invalid"
    assert case["invalid"] in customer.inner_text("main")

    class Then(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int((timezone.now() - timedelta(days=31)).timestamp()))

    expired = Then(salt="kizuna.closing.feedback").sign_object(
        {"t": ticket.id, "n": 1}, serializer=signing.JSONSerializer
    )
    customer.goto(f"{live_server.url}/portal/feedback/{expired}/")
    assert customer.locator("#feedback-invalid").get_attribute("data-reason") == "expired"
    assert Satisfaction.objects.filter(ticket=ticket).count() == 1

    csp.assert_clean()
    agent_ctx.close()
    customer_ctx.close()
