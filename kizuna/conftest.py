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
def _fresh_service_levels():
    """Policies a test created are rolled back with it; none may linger in the process's
    short-lived copy for the next test."""
    from kizuna.sla.services import sla_cache_clear

    sla_cache_clear()
    yield
    sla_cache_clear()


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


# Runs in every document before the page's own scripts: records each Content-Security-Policy
# violation on the page (window.__cspViolations) and reports it to the test at once, so that
# violations on pages navigated away from are not lost.
CSP_LISTENER = """
(() => {
  if (window.__cspViolations) return;
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
      page: document.location.href,
    };
    window.__cspViolations.push(violation);
    if (typeof window.__reportCspViolation === "function") {
      window.__reportCspViolation(violation);
    }
  });
})();
"""


class CspWatch:
    """Collects Content-Security-Policy violations in browser contexts during a test."""

    def __init__(self) -> None:
        self.violations: list[dict] = []
        self.contexts: list = []

    def watch(self, context):
        context.expose_binding(
            "__reportCspViolation", lambda source, violation: self.violations.append(violation)
        )
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        self.contexts.append(context)
        return context

    def _console(self, message) -> None:
        text = message.text
        if "content security policy" in text.lower() or "content-security-policy" in text.lower():
            page = message.page.url if message.page else ""
            self.violations.append({"console": text, "page": page})

    def sync(self) -> None:
        """Add what the pages still open have recorded themselves (normally reported already)."""
        for context in self.contexts:
            for open_page in context.pages:
                if open_page.is_closed():
                    continue
                try:
                    recorded = open_page.evaluate("window.__cspViolations || []")
                except Exception:  # a page in the middle of navigating: its reports came already
                    continue
                self.violations.extend(v for v in recorded if v not in self.violations)

    def assert_clean(self) -> None:
        self.sync()
        assert self.violations == [], f"Content-Security-Policy violations: {self.violations}"


@pytest.fixture
def csp():
    """Watch browser contexts for Content-Security-Policy violations (``csp.watch(context)``);
    the test fails if any occurred."""
    watch = CspWatch()
    yield watch
    watch.assert_clean()


@pytest.fixture
def page(browser, csp):
    context = csp.watch(browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    csp.sync()  # checked by the csp fixture when the test ends
    context.close()


def pytest_terminal_summary(terminalreporter):
    """The reply checker's precision and recall on its labelled corpus, after every run.

    Computed here, in the process that prints the summary, so it also shows when the tests
    themselves ran in worker processes."""
    from kizuna.replycheck.tests.corpus import load_corpus, table

    terminalreporter.write_sep("-", "reply checker precision and recall")
    terminalreporter.write_line(table(load_corpus()))
