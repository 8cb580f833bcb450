"""In Chromium: files over the limits are refused as soon as they are chosen, in the server's
own words, and nothing is uploaded until the choice fits."""

from __future__ import annotations

import pytest

from kizuna.desk.tests.test_browser_service_cycle import portal_sign_in
from kizuna.lib.upload_limit import file_too_large_message, too_large_message
from kizuna.test import Personas
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind

MB = 1048576


@pytest.fixture
def limits(settings):
    settings.KIZUNA_MAX_ATTACHMENT_BYTES = 1 * MB
    settings.KIZUNA_MAX_UPLOAD_BYTES = 2 * MB
    return settings


def test_files_over_the_limits_are_refused_before_upload(
    browser, live_server, mailoutbox, limits, csp
):
    people = Personas()
    people.make_personas()
    ticket = services.ticket_open(requester=people.outsider, subject="Logs", body="Mail stops.")
    ctx = csp.watch(browser.new_context(locale="en-GB"))
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    portal_sign_in(page, live_server, mailoutbox, people.outsider.email)
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    form = page.locator(".reply-box form")
    form.locator("textarea").fill("Here are the logs.")
    files = form.locator("input[type=file]")
    problem = form.locator("[data-upload-problem]")

    # One file over the per-file limit: refused at once, with the server's sentence.
    big = {"name": "mail.log", "mimeType": "text/plain", "buffer": b"x" * (MB + MB // 2)}
    files.set_input_files([big])
    assert problem.inner_text() == file_too_large_message("mail.log", MB + MB // 2, MB)
    form.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert posts == []

    # Each file fits, but together they are over what one message may carry.
    parts = [
        {"name": f"part{n}.log", "mimeType": "text/plain", "buffer": b"x" * (MB - 1000)}
        for n in range(3)
    ]
    files.set_input_files(parts)
    assert problem.inner_text() == too_large_message(3 * (MB - 1000), 2 * MB)
    form.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert posts == []
    assert not ticket.messages.filter(kind=MessageKind.INBOUND, body="Here are the logs.").exists()

    # A choice that fits clears the refusal and goes out.
    files.set_input_files(parts[:1])
    assert problem.count() == 0
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Here are the logs.")
    assert len(posts) == 1
    sent = ticket.messages.get(kind=MessageKind.INBOUND, body="Here are the logs.")
    assert [a.filename for a in sent.attachments.all()] == ["part0.log"]
