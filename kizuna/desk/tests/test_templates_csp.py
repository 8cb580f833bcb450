"""Every template works under the Content-Security-Policy: no inline scripts, no event-handler
attributes, no javascript: URLs, no inline styles (see docs/configuration.md, "HTTP headers")."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import SimpleTestCase

import kizuna

ROOT = Path(kizuna.__file__).resolve().parent

SCRIPT_RE = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
TAG_RE = re.compile(r"<[a-zA-Z][^<>]*>")
HANDLER_RE = re.compile(r"(?:^|[\s\"'/])on[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR_RE = re.compile(r"(?:^|[\s\"'/])style\s*=", re.IGNORECASE)
STYLE_ELEMENT_RE = re.compile(r"<style\b", re.IGNORECASE)
JS_URL_RE = re.compile(r"javascript\s*:", re.IGNORECASE)


def problems(source: str) -> list[str]:
    found = []
    for match in SCRIPT_RE.finditer(source):
        attrs, body = match.group(1), match.group(2)
        if body.strip():
            found.append(f"inline script: {body.strip()[:60]!r}")
        elif not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE):
            found.append("script element without src")
    for tag in TAG_RE.findall(source):
        # The tag's name is not an attribute: look only at what follows it.
        attributes = tag.split(None, 1)[1] if len(tag.split(None, 1)) > 1 else ""
        if HANDLER_RE.search(attributes):
            found.append(f"event-handler attribute: {tag[:80]!r}")
        if STYLE_ATTR_RE.search(attributes):
            found.append(f"style attribute: {tag[:80]!r}")
    if STYLE_ELEMENT_RE.search(source):
        found.append("style element")
    if JS_URL_RE.search(source):
        found.append("javascript: URL")
    return found


def templates() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.html") if "templates" in p.parts)


class TemplateScanTests(SimpleTestCase):
    def test_the_scan_sees_templates(self):
        names = {p.name for p in templates()}
        self.assertIn("base.html", names)
        self.assertIn("_ticket_main.html", names)

    def test_no_template_carries_inline_code_or_styles(self):
        report = {}
        for path in templates():
            found = problems(path.read_text(encoding="utf-8"))
            if found:
                report[str(path.relative_to(ROOT))] = found
        self.assertEqual(report, {})

    def test_the_scan_recognises_what_the_policy_refuses(self):
        self.assertTrue(problems("<script>alert(1)</script>"))
        self.assertTrue(problems('<script type="module">\nrun()\n</script>'))
        self.assertTrue(problems('<select name="x" onchange="this.form.submit()">'))
        self.assertTrue(problems("<button\n  onclick='go()'>"))
        self.assertTrue(problems('<a href="javascript:void(0)">'))
        self.assertTrue(problems('<span class="x" style="margin:0">'))
        self.assertTrue(problems("<style>p { color: red }</style>"))
        self.assertEqual(problems('<script src="/static/kizuna/kizuna.js" defer></script>'), [])
        self.assertEqual(problems('<select data-autosubmit name="online">'), [])
        self.assertEqual(problems('<input name="onion" value="only">'), [])
