"""Managers read the SLA and promise-keeping report in the desk: tables, charts and CSV, in
Japanese and English; bad parameters are refused with the reason (P12, P13)."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.portal.tests.base import PortalTestCase
from kizuna.sla import reports
from kizuna.sla.tests.report_data import TOKYO, K, ReportData, tokyo
from kizuna.test import PASSWORD, BaseTestCase

URL = reverse("desk:sla_report")
MARCH = {"from": "2025-03-01", "to": "2025-04-01"}
M = timedelta(minutes=1)


class SlaReportPageTests(ReportData, BaseTestCase):
    def setUp(self):
        super().setUp()
        self.manager = get_user_model().objects.create_user(
            "mori", "mori@kizuna.example", PASSWORD, is_staff=True, first_name="Mori"
        )
        self.client.force_login(self.manager)
        self.high = self.make_policy("Gold")
        ticket = self.ticket_for(assignee=self.agent)
        for day, late in ((3, -30 * M), (4, 0 * M), (5, -1 * M), (6, 45 * M)):
            self.deadline(ticket, due=tokyo(2025, 3, day, 12), late=late, policy=self.high)
        self.deadline(ticket, K.PROMISE, due=tokyo(2025, 3, 7, 17), late=-M, created_by=self.agent)

    def get(self, **params):
        return self.client.get(URL, {**MARCH, **params}, HTTP_ACCEPT_LANGUAGE="en")

    def images(self, response) -> list[str]:
        """The SVG of every chart on the page."""
        found = re.findall(
            r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', response.text
        )
        return [base64.b64decode(b).decode("utf-8") for b in found]

    def test_it_shows_the_figures_per_policy_with_charts(self):
        r = self.get()
        self.assertEqual(r.status_code, 200)
        first = re.search(r'id="report-first_response".*?</section>', r.text, re.S).group(0)
        row = re.search(
            rf"<th scope=\"row\">{re.escape(self.high.name)}</th>(.*?)</tr>", first, re.S
        )
        cells = re.findall(r'<td class="num">(.*?)</td>', row.group(1))
        self.assertEqual(cells[:5], ["4", "3", "1", "0", "75.0 %"])
        self.assertEqual(cells[5], "45 min")
        charts = self.images(r)
        self.assertEqual(len(charts), 3)  # the weeks; first responses and promises (no others)
        for svg in charts:
            self.assertTrue(reports.is_self_contained(svg))
        self.assertTrue(any(self.high.name in svg for svg in charts))
        self.assertContains(r, "Download CSV")
        self.assertContains(r, "days in Asia/Tokyo")

    def test_the_page_keeps_the_strict_content_security_policy(self):
        r = self.get()
        policy = r["Content-Security-Policy"]
        self.assertIn("style-src 'self'", policy)
        self.assertIn("img-src 'self' data:", policy)
        self.assertNotIn("unsafe-inline", policy)
        # Nothing inline in the page itself: pygal's stylesheet stays inside the pictures.
        self.assertNotRegex(r.text, r"<style|<svg|\sstyle=")
        self.assertEqual(len(re.findall(r"<script\b", r.text)), 2)  # htmx and kizuna.js

    def test_by_agent_and_by_organization(self):
        r = self.get(group="agent")
        self.assertContains(r, '<th scope="row">佐藤</th>', count=2)  # first response, promise
        r = self.get(group="organization")
        self.assertContains(r, '<th scope="row">山田商事株式会社</th>', count=2)

    def test_without_parameters_it_shows_the_last_30_days(self):
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        start, end = reports.default_range(tz=TOKYO)
        self.assertContains(r, f'value="{start.isoformat()}"')
        self.assertContains(r, f'value="{end.isoformat()}"')

    def test_it_speaks_japanese(self):
        self.client.cookies["django_language"] = "ja"
        r = self.client.get(URL, MARCH, HTTP_ACCEPT_LANGUAGE="ja")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<html lang="ja">')

    def test_the_csv_download(self):
        r = self.get(format="csv", group="organization")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(
            r["Content-Disposition"],
            'attachment; filename="sla-report-organization-2025-03-01-2025-04-01.csv"',
        )
        self.assertIn("sandbox", r["Content-Security-Policy"])
        text = r.content.decode("utf-8-sig")
        lines = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(list(lines[0]), reports.CSV_HEADER)
        first = next(line for line in lines if line["kind"] == "first_response")
        self.assertEqual(first["name"], "山田商事株式会社")
        self.assertEqual((first["met_on_time"], first["missed"]), ("3", "1"))
        self.assertEqual(first["compliance_percent"], "75.0")
        promise = next(line for line in lines if line["kind"] == "promise")
        self.assertEqual(promise["compliance_percent"], "100.0")

    def test_the_page_links_to_the_csv_of_what_it_shows(self):
        r = self.get(group="agent")
        link = re.search(r'href="([^"]*format=csv[^"]*)"', r.text).group(1).replace("&amp;", "&")
        self.assertIn("group=agent", link)
        self.assertIn("from=2025-03-01", link)
        self.assertEqual(self.client.get(link)["Content-Type"], "text/csv; charset=utf-8")

    def test_bad_parameters_are_refused_with_the_reason(self):
        cases = [
            ({"from": "2025-03-10", "to": "2025-03-01"}, "must come after"),
            ({"from": "2024-01-01", "to": "2025-06-01"}, "at most 366 days"),
            ({"from": "yesterday"}, "Enter a valid date"),
            ({"to": "2025-02-30"}, "Enter a valid date"),
            ({"from": "0001-01-01", "to": "0001-01-05"}, "out of range"),
            ({"group": "team"}, "Select a valid choice"),
            ({"format": "pdf"}, "Select a valid choice"),
            ({"from": "2025-03-01\x00"}, "Enter a valid date"),
        ]
        for params, words in cases:
            with self.subTest(params):
                r = self.get(**params)
                self.assertEqual(r.status_code, 400)
                self.assertContains(r, words, status_code=400)
                self.assertNotContains(r, "report-table", status_code=400)
        r = self.get(format="csv", group="team")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r["Content-Type"], "text/html; charset=utf-8")

    def test_hostile_names_are_escaped(self):
        org = self.organization("<script>alert(1)</script>")
        self.deadline(self.ticket_for(org), due=tokyo(2025, 3, 2, 9), late=-M)
        r = self.get(group="organization")
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("<script>alert", r.text)
        self.assertContains(r, "&lt;script&gt;alert(1)&lt;/script&gt;")
        for svg in self.images(r):
            self.assertNotIn("<script", svg)
            self.assertTrue(reports.is_self_contained(svg))

    def test_the_number_of_queries_does_not_grow_with_the_groups(self):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.get(group="organization").status_code, 200)
            return len(ctx.captured_queries)

        self.get(group="organization")  # warm the session and the caches
        few = queries()
        for n in range(5):
            org = self.organization(f"Customer {n}")
            self.deadline(self.ticket_for(org), due=tokyo(2025, 3, 2, 9), late=n * M)
        self.assertEqual(queries(), few)


class SlaReportAccessTests(ReportData, BaseTestCase):
    def test_anonymous_visitors_are_sent_to_sign_in(self):
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("desk:login"), r["Location"])
        r = self.client.get(URL, {"format": "csv"})
        self.assertEqual(r.status_code, 302)

    def test_agents_who_are_not_managers_get_nothing(self):
        self.client.force_login(self.agent)
        self.assertEqual(self.client.get(URL).status_code, 404)
        self.assertEqual(self.client.get(URL, {"format": "csv"}).status_code, 404)

    def test_the_link_shows_to_managers_only(self):
        self.client.force_login(self.agent)
        self.assertNotContains(self.client.get(reverse("desk:queue")), URL)
        manager = get_user_model().objects.create_user("mori", "m@kizuna.example", is_staff=True)
        self.client.force_login(manager)
        self.assertContains(self.client.get(reverse("desk:queue")), URL)

    def test_posting_is_not_allowed(self):
        manager = get_user_model().objects.create_user("mori", "m@kizuna.example", is_staff=True)
        self.client.force_login(manager)
        self.assertEqual(self.client.post(URL).status_code, 405)


class SlaReportCustomerTests(PortalTestCase):
    def test_a_signed_in_customer_gets_nothing(self):
        self.sign_in()
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("desk:login"), r["Location"])
