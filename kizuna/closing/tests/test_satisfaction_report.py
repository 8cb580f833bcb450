"""The satisfaction report: each request's latest rating, per agent, team or organization,
with the weekly trend, charts drawn on the server and a CSV; for managers, in the desk and the
API."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.urls import reverse

from kizuna.api.tests.base import make_token
from kizuna.closing import reports
from kizuna.closing.models import Satisfaction
from kizuna.lib.charts import is_self_contained
from kizuna.test import PASSWORD, BaseTestCase
from kizuna.tickets.models import Team

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=TOKYO)


class SatisfactionReportTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.night = Team.objects.create(name="Night shift")
        self.manager = get_user_model().objects.create_user(
            "mori", "mori@kizuna.example", PASSWORD, is_staff=True
        )
        a = self.make_ticket()
        b = self.make_ticket()
        c = self.make_ticket(requester=self.outsider, subject="VPN", body="down")
        # a: rated 2, then 5 a week later (only the 5 counts); b: 4; c: 1 (another team).
        self.rate(a, 2, at(2), agent=self.agent, team=self.team)
        self.rate(a, 5, at(9), agent=self.agent, team=self.team)
        self.rate(b, 4, at(10), agent=self.agent, team=self.team)
        self.rate(c, 1, at(11), agent=self.teammate, team=self.night)

    def rate(self, ticket, value, when, *, agent, team):
        Satisfaction.objects.create(
            ticket=ticket, rating=value, created_at=when, agent=agent, team=team
        )

    def report(self, group="agent", start=date(2026, 11, 1), end=date(2026, 12, 1)):
        return reports.satisfaction_report(start=start, end=end, group=group, tz=TOKYO)

    def test_each_request_counts_once_with_its_latest_rating(self):
        report = self.report()
        figures = {row.name: row.figures for row in report.rows}
        self.assertEqual(figures["佐藤"].ratings, 2)
        self.assertEqual(figures["佐藤"].average, 4.5)
        self.assertEqual(figures["佐藤"].satisfied_percent, 100.0)
        self.assertEqual((figures["Alice"].average, figures["Alice"].poor), (1.0, 1))
        self.assertEqual((report.total.ratings, report.total.average), (3, 3.3))

    def test_teams_organizations_and_weeks(self):
        teams = {row.name: row.figures.ratings for row in self.report("team").rows}
        self.assertEqual(teams, {"Hosting": 2, "Night shift": 1})
        orgs = {row.name: row.figures.average for row in self.report("organization").rows}
        self.assertEqual(orgs, {"山田商事株式会社": 4.5, "Northwind Ltd": 1.0})
        weeks = {w.start: w.figures.ratings for w in self.report().weeks}
        self.assertEqual(weeks[date(2026, 11, 2)], 0)  # the 2 was replaced by the later 5
        self.assertEqual(weeks[date(2026, 11, 9)], 3)

    def test_the_period_bounds_are_days_in_the_viewers_zone(self):
        report = self.report(start=date(2026, 11, 10), end=date(2026, 11, 11))
        self.assertEqual(report.total.ratings, 1)

    def test_csv_and_charts(self):
        report = self.report()
        rows = list(csv.reader(io.StringIO(reports.report_csv(report))))
        self.assertEqual(rows[0], reports.CSV_HEADER)
        self.assertEqual(rows[-1][2:4], ["total", ""])
        self.assertEqual(rows[-1][5:7], ["3", "3.3"])
        for svg in reports.report_charts(report).values():
            self.assertTrue(is_self_contained(svg))
            self.assertIn("<svg", svg)

    def test_the_desk_page_is_for_managers(self):
        url = reverse("desk:satisfaction_report")
        query = {"from": "2026-11-01", "to": "2026-12-01", "group": "team"}
        self.client.force_login(self.agent)
        self.assertEqual(self.client.get(url, query).status_code, 404)
        self.client.force_login(self.manager)
        page = self.client.get(url, query)
        self.assertContains(page, "Night shift")
        self.assertContains(page, 'src="data:image/svg+xml;base64,')
        csv_page = self.client.get(url, {**query, "format": "csv"})
        self.assertEqual(csv_page["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("Night shift", csv_page.content.decode("utf-8-sig"))
        bad = self.client.get(url, {"from": "2026-12-01", "to": "2026-11-01"})
        self.assertEqual(bad.status_code, 400)

    def test_the_api_gives_the_same_figures_to_managers_only(self):
        url = "/api/v1/reports/satisfaction"
        query = {"from": "2026-11-01", "to": "2026-12-01", "group": "organization"}
        agent = {"HTTP_AUTHORIZATION": f"Bearer {make_token(self.agent)}"}
        self.assertEqual(self.client.get(url, query, **agent).status_code, 403)
        manager = {"HTTP_AUTHORIZATION": f"Bearer {make_token(self.manager)}"}
        doc = self.client.get(url, query, **manager).json()
        self.assertEqual(doc["total"]["ratings"], 3)
        self.assertEqual({g["name"] for g in doc["groups"]}, {"山田商事株式会社", "Northwind Ltd"})
        too_long = self.client.get(url, {"from": "2025-01-01", "to": "2026-12-01"}, **manager)
        self.assertEqual(too_long.status_code, 400)
        self.assertEqual(
            self.client.get(
                url, {**query, "from": str(date(2026, 11, 1) + timedelta(days=99999))}, **manager
            ).status_code
            // 100,
            4,
        )
