"""In Chromium, Japanese and English: typing in the desk's search box shows the tickets whose
messages hold the words, with the words marked in a snippet, without pressing Enter."""

from __future__ import annotations

import pytest

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
from kizuna.test import Personas
from kizuna.tickets import services

CASES = {
    "ja": ("sato", "パスワード", "パスワードを変更したあと、ログインできなくなりました。"),
    "en": ("alice", "invoices", "The invoice for November lists the wrong plan."),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_typing_finds_words_in_messages_with_snippets(browser, live_server, lang):
    people = Personas()
    people.make_personas()
    username, query, body = CASES[lang]
    contact = people.customer if lang == "ja" else people.outsider
    wanted = services.ticket_open(requester=contact, subject="Account", body=body)
    services.ticket_open(requester=contact, subject="Other", body="Nothing to do with it.")
    ctx = browser.new_context(locale="ja-JP" if lang == "ja" else "en-GB")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, username)
    page.goto(live_server.url + "/desk/search/")
    page.locator("#s-q").press_sequentially(query, delay=20)
    hit = page.locator(".search-hit")
    hit.first.wait_for()
    assert hit.count() == 1
    assert wanted.reference in hit.first.inner_text()
    marked = hit.first.locator(".snippet mark").first.inner_text()
    # The word as the customer wrote it (invoice for "invoices").
    assert marked == ("パスワード" if lang == "ja" else "invoice")
    # The address bar follows, so the results can be bookmarked or shared.
    assert "q=" in page.url
    page.locator(".search-hit a").first.click()
    page.wait_for_url(f"**/desk/tickets/{wanted.id}/")
