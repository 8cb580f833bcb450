"""Fixtures shared across apps: a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os

import pytest

# Real mail servers (a private Dovecot per test process) for the mail tests.
from kizuna.mail.tests.servers import dovecot, mail_user, trust_dovecot  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language, whatever a request before it activated."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("KIZUNA_BROWSER", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"Browser tests need Chromium at {executable}; scripts/test.sh installs it.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def pytest_terminal_summary(terminalreporter):
    """The reply checker's precision and recall on its labelled corpus, after every run.

    Computed here, in the process that prints the summary, so it also shows when the tests
    themselves ran in worker processes."""
    from kizuna.replycheck.tests.corpus import load_corpus, table

    terminalreporter.write_sep("-", "reply checker precision and recall")
    terminalreporter.write_line(table(load_corpus()))
