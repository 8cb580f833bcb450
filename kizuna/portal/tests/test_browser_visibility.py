"""In Chromium, in Japanese and English: a customer sees only their own requests; an office
manager allowed to see the organization's has the tabs "Mine" and "All"."""

from __future__ import annotations

import pytest

from kizuna.desk.tests.test_browser_service_cycle import portal_sign_in
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "ja": {"locale": "ja-JP", "mine": "自分のお問い合わせ", "all": "すべて"},
    "en": {"locale": "en-GB", "mine": "Mine", "all": "All of"},
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_mine_and_all(browser, live_server, mailoutbox, lang):
    people = Personas()
    people.make_personas()
    org = people.org if lang == "ja" else people.other_org
    manager = people.customer if lang == "ja" else people.outsider
    Contact.objects.filter(pk=manager.pk).update(sees_organization=True, language=lang)
    colleague = Contact.objects.create(
        organization=org, name="Colleague", email=f"colleague@{org.domains.first().domain}"
    )
    own = services.ticket_open(requester=manager, subject="Own request", body="Mine.")
    other = services.ticket_open(requester=colleague, subject="Colleague's invoice", body="X.")
    words = WORDS[lang]

    page = browser.new_context(locale=words["locale"]).new_page()
    page.set_default_timeout(15_000)
    portal_sign_in(page, live_server, mailoutbox, manager.email)
    page.goto(f"{live_server.url}/portal/")
    assert other.reference in page.inner_text("main")
    page.locator("nav.tabs a").first.click()
    page.wait_for_url("**/portal/?show=mine")
    main = page.inner_text("main")
    assert own.reference in main and other.reference not in main
    assert page.locator("nav.tabs a[aria-current=page]").inner_text().startswith(words["mine"])
    page.locator("nav.tabs a").nth(1).click()
    page.wait_for_url("**/portal/")
    assert other.reference in page.inner_text("main")

    plain = browser.new_context(locale=words["locale"]).new_page()
    plain.set_default_timeout(15_000)
    portal_sign_in(plain, live_server, mailoutbox, colleague.email)
    plain.goto(f"{live_server.url}/portal/")
    main = plain.inner_text("main")
    assert other.reference in main and own.reference not in main
    assert plain.locator("nav.tabs").count() == 0
