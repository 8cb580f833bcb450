"""In Chromium at a phone's width (390 px), in Japanese and English: the desk and the portal
fit the screen; nothing runs off to the side."""

from __future__ import annotations

import pytest

from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in, portal_sign_in
from kizuna.test import Personas
from kizuna.tickets import services

# Wider than the viewport by more than a pixel of rounding: the page scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && getComputedStyle(el).position !== "fixed") {
      wide.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ").join(".") : ""} right=${Math.round(box.right)}`);
    }
  }
  // A menu entry broken over several lines (one character per line in Japanese).
  const broken = [];
  for (const el of document.querySelectorAll(".topnav a, .topnav button, .brand, .msg header > *")) {
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
    if (el.getBoundingClientRect().height > line * 1.8) broken.push(el.textContent.trim());
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 30), broken};
}"""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_desk_and_portal_fit_a_phone(browser, live_server, mailoutbox, lang):
    people = Personas()
    people.make_personas()
    contact = people.customer if lang == "ja" else people.outsider
    ticket = services.ticket_open(
        requester=contact,
        # A long host name: a title must wrap it rather than run off the screen.
        subject="mail01.yamada-shoji.example.jp からメールが送信できない"
        if lang == "ja"
        else "Cannot send mail through mail01.northwind-traders.example.com",
        body="今朝から送信できません。" if lang == "ja" else "Since this morning.",
    )
    locale = "ja-JP" if lang == "ja" else "en-GB"
    ctx = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    problems = []
    desk_sign_in(page, live_server, "sato" if lang == "ja" else "alice")
    # The header folds its menu behind a button; unfolded, every entry is on one line.
    page.goto(live_server.url + "/desk/")
    assert page.locator("#topnav").is_hidden()
    page.locator("[data-menu-toggle]").click()
    assert page.locator("#topnav").is_visible()
    assert page.locator("[data-menu-toggle]").get_attribute("aria-expanded") == "true"
    unfolded = page.evaluate(OVERFLOW)
    if unfolded["scroll"] > unfolded["width"] + 1 or unfolded["broken"]:
        problems.append(("menu unfolded", unfolded))
    page.locator("#topnav a[href='/desk/search/']").click()
    page.wait_for_url("**/desk/search/")
    for path in (
        "/desk/",
        f"/desk/tickets/{ticket.id}/",
        "/desk/tickets/new/",
        "/desk/search/?q=" + ("送信" if lang == "ja" else "morning"),
    ):
        page.goto(live_server.url + path)
        result = page.evaluate(OVERFLOW)
        if result["scroll"] > result["width"] + 1 or result["broken"]:
            problems.append((path, result))
    customer = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    cpage = customer.new_page()
    cpage.set_default_timeout(15_000)
    portal_sign_in(cpage, live_server, mailoutbox, contact.email)
    for path in ("/portal/", f"/portal/tickets/{ticket.id}/", "/portal/new/"):
        cpage.goto(live_server.url + path)
        result = cpage.evaluate(OVERFLOW)
        if result["scroll"] > result["width"] + 1 or result["broken"]:
            problems.append((path, result))
    assert not problems, problems
