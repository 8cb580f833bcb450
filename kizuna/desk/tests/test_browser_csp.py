"""The browser tests' Content-Security-Policy watch sees a violation when there is one, and
the pages' own script file does its work under the policy."""

from __future__ import annotations

import re

import pytest

from kizuna.test import Personas

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inline_script_is_refused_and_reported(browser, live_server):
    from kizuna.conftest import CspWatch

    watch = CspWatch()
    context = watch.watch(browser.new_context(locale="en-GB"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/desk/login/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.body.dataset.ran = 'yes'";
            document.head.append(script);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("document.body.dataset.ran") is None  # the policy stopped it
    watch.sync()
    directives = {v.get("directive") for v in watch.violations}
    assert "script-src-elem" in directives
    context.close()


def test_the_language_switch_works_without_inline_code(page, live_server):
    Personas().make_personas()
    page.goto(f"{live_server.url}/desk/login/")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.select_option("header select[name=language]", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert re.search("Sign in to the desk", page.inner_text("main"))
    assert page.evaluate("document.querySelectorAll('style, [style]').length") == 0


def test_a_customers_html_mail_shows_in_its_frame_without_violations(page, live_server):
    from kizuna.desk.tests.test_browser_service_cycle import desk_sign_in
    from kizuna.mail.html import sanitize_html
    from kizuna.tickets.models import MessageKind

    people = Personas()
    people.make_personas()
    ticket = people.make_ticket()
    html = sanitize_html(
        "<p style='color:red' onclick='steal()'>The printer on <b>floor 3</b> is offline.</p>"
        "<script>steal()</script><img src='https://tracker.example/p.gif' alt='tracker'>"
        "<table><tr><td align='right'>Raj</td></tr></table>"
    )
    ticket.messages.filter(kind=MessageKind.INBOUND).update(body_html=html)
    desk_sign_in(page, live_server, "sato")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.id}/")
    page.click("details.html-view summary")
    frame = page.frame_locator("details.html-view iframe")
    assert "floor 3" in frame.locator("body").inner_text()
