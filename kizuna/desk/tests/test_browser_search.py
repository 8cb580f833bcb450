"""In Chromium, Japanese and English: typing in the desk's search box shows the tickets whose
messages hold the words, with the words marked in a snippet, without pressing Enter."""

from __future__ import annotations

import re

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


@pytest.mark.parametrize(
    ("path", "box", "field", "value"),
    [
        ("/desk/search/", "#s-q", "#s-status", "new"),
        ("/desk/", "#f-q", "#f-status", "new"),
    ],
)
def test_leaving_the_search_box_does_not_reload_the_results(
    browser, live_server, path, box, field, value
):
    """Typing searches; moving on (as a click on a result does) must not search again, or the
    list is swapped under the pointer and the click is lost. The other fields still apply at
    once."""
    people = Personas()
    people.make_personas()
    wanted = services.ticket_open(
        requester=people.outsider, subject="Invoice wrong", body="The invoice lists the wrong plan."
    )
    ctx = browser.new_context(locale="en-GB")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    desk_sign_in(page, live_server, "alice")
    page.goto(live_server.url + path)
    requests = []
    page.on(
        "request",
        lambda r: (
            requests.append(r.url) if r.url.startswith(live_server.url + path + "?") else None
        ),
    )
    with page.expect_response(lambda r: "q=invoice" in r.url.lower()):
        page.locator(box).press_sequentially("Invoice", delay=20)
    page.wait_for_timeout(500)  # the search waits for typing to pause
    typed = len(requests)
    assert typed >= 1
    assert wanted.reference in page.content()
    page.locator(box).press("Tab")
    page.wait_for_timeout(800)
    assert len(requests) == typed, requests[typed:]
    with page.expect_response(lambda r: f"status={value}" in r.url):
        page.locator(field).select_option(value)
    assert len(requests) == typed + 1
    # The address keeps the words with the new filter.
    page.wait_for_url(re.compile(r"status=new"))
    assert "q=Invoice" in page.url
