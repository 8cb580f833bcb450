"""The SLA and promise-keeping report: what counts as met, missed and open, the date range in
the viewer's time zone, the groups, the CSV and the charts (P12, P13)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pygal
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.sla import reports
from kizuna.sla.tests.report_data import MARCH, TOKYO, K, ReportData, tokyo
from kizuna.test import BaseTestCase
from kizuna.tickets.workflow import TicketError

LONDON = ZoneInfo("Europe/London")
M = timedelta(minutes=1)


class ReportTestCase(ReportData, BaseTestCase):
    def report(self, group="policy", start=MARCH[0], end=MARCH[1], tz=TOKYO, **kwargs):
        return reports.sla_report(start=start, end=end, group=group, tz=tz, **kwargs)

    def row(self, report, name):
        [row] = [r for r in report.rows if r.name == name]
        return row


class FiguresTests(ReportTestCase):
    def test_three_met_on_time_and_one_missed_is_75_percent(self):
        high = self.make_policy("Gold")
        ticket = self.ticket_for()
        for day, late in ((3, -30 * M), (4, 0 * M), (5, -1 * M), (6, 45 * M)):
            self.deadline(ticket, due=tokyo(2025, 3, day, 12), late=late, policy=high)
        f = self.row(self.report(), high.name).figures[K.FIRST_RESPONSE]
        self.assertEqual((f.due, f.met, f.missed, f.open), (4, 3, 1, 0))
        self.assertEqual(f.compliance, 75.0)
        self.assertEqual(f.median_minutes_late, 45)

    def test_every_way_of_missing_counts_and_open_ones_stay_out_of_the_rate(self):
        t = self.ticket_for()
        due = tokyo(2025, 3, 10, 12)
        self.deadline(t, K.CHECKPOINT, due=due, late=-M)  # met on time
        self.deadline(t, K.CHECKPOINT, due=due, late=10 * M)  # met late
        self.deadline(t, K.CHECKPOINT, due=due, breached=due + M)  # breach recorded, open
        self.deadline(t, K.CHECKPOINT, due=due)  # open, its time long gone
        self.deadline(t, K.CHECKPOINT, due=due, cancelled=due + 30 * M)  # closed too late
        self.deadline(t, K.CHECKPOINT, due=due, cancelled=due - M)  # cancelled in time: open
        self.deadline(t, K.CHECKPOINT, due=due, paused=due - M)  # paused: open
        f = self.report().totals[K.CHECKPOINT]
        self.assertEqual((f.due, f.met, f.missed, f.open), (7, 1, 4, 2))
        self.assertEqual(f.compliance, 20.0)

    def test_a_deadline_still_running_is_open(self):
        t = self.ticket_for()
        now = timezone.now()
        self.deadline(t, K.RESOLUTION, due=now + timedelta(hours=3))
        self.deadline(t, K.RESOLUTION, due=now - timedelta(hours=3), late=-M)
        today = timezone.localdate(timezone=TOKYO)
        report = self.report(start=today - timedelta(days=1), end=today + timedelta(days=2))
        f = report.totals[K.RESOLUTION]
        self.assertEqual((f.due, f.met, f.missed, f.open, f.compliance), (2, 1, 0, 1, 100.0))

    def test_nothing_decided_has_no_rate(self):
        self.assertIsNone(self.report().totals[K.PROMISE].compliance)
        self.assertEqual(self.report().rows, [])

    def test_the_median_lateness_is_the_middle_of_the_missed_ones(self):
        t = self.ticket_for()
        due = tokyo(2025, 3, 10, 12)
        for minutes in (10, 60, 20):
            self.deadline(t, K.RESOLUTION, due=due, late=minutes * M)
        self.deadline(t, K.FIRST_RESPONSE, due=due, late=10 * M)
        self.deadline(t, K.FIRST_RESPONSE, due=due, late=21 * M)
        self.deadline(t, K.FIRST_RESPONSE, due=due, late=-5 * M)  # on time: not in the median
        report = self.report()
        self.assertEqual(report.totals[K.RESOLUTION].median_minutes_late, 20)
        self.assertEqual(report.totals[K.FIRST_RESPONSE].median_minutes_late, 16)  # 15.5
        self.assertIsNone(report.totals[K.CHECKPOINT].median_minutes_late)
        # A missed deadline still open is as late as it is by now.
        self.deadline(t, K.PROMISE, due=due, created_by=self.agent)
        now = due + timedelta(hours=2)
        late = self.report(now=now).totals[K.PROMISE]
        self.assertEqual((late.missed, late.median_minutes_late), (1, 120))


class RangeTests(ReportTestCase):
    def test_the_range_is_from_midnight_to_midnight_in_the_viewers_time_zone(self):
        t = self.ticket_for()
        self.deadline(t, due=tokyo(2025, 3, 1, 0, 0), late=-M)  # first instant: counted
        self.deadline(t, due=tokyo(2025, 3, 31, 23, 59), late=-M)  # last minute: counted
        self.deadline(t, due=tokyo(2025, 4, 1, 0, 0), late=-M)  # "to" itself: not counted
        self.deadline(t, due=tokyo(2025, 2, 28, 23, 59), late=-M)  # before: not counted
        self.assertEqual(self.report().totals[K.FIRST_RESPONSE].due, 2)
        # In London, 1 March 00:00 Tokyo is still February; 1 April 00:00 Tokyo is March.
        london = self.report(tz=LONDON)
        self.assertEqual(london.totals[K.FIRST_RESPONSE].due, 2)
        self.assertEqual(london.timezone_name, "Europe/London")

    def test_the_default_range_is_the_last_30_days_with_today(self):
        start, end = reports.default_range(tz=TOKYO, today=date(2026, 3, 10))
        self.assertEqual((start, end), (date(2026, 2, 9), date(2026, 3, 11)))
        self.assertEqual((end - start).days, 30)

    def test_bad_ranges_and_groups_are_refused_with_the_reason(self):
        cases = [
            ({"start": date(2025, 3, 5), "end": date(2025, 3, 1)}, "to", "after"),
            ({"start": date(2025, 3, 5), "end": date(2025, 3, 5)}, "to", "next day"),
            ({"start": date(2024, 1, 1), "end": date(2025, 1, 2)}, "to", "367 days"),
            ({"start": date(1, 1, 1), "end": date(1, 1, 10)}, "from", "out of range"),
            ({"start": date(9999, 12, 1), "end": date(9999, 12, 31)}, "from", "out of range"),
            ({"group": "team"}, "group", "team"),
        ]
        for kwargs, field, words in cases:
            with self.subTest(kwargs), self.assertRaises(TicketError) as caught:
                self.report(**kwargs)
            self.assertEqual(caught.exception.field, field)
            self.assertIn(words, caught.exception.message)

    def test_a_leap_year_fits_in_one_report(self):
        self.report(start=date(2024, 1, 1), end=date(2025, 1, 1))  # 366 days

    def test_weeks_start_on_monday_and_cover_the_range(self):
        t = self.ticket_for()
        self.deadline(t, due=tokyo(2025, 3, 3, 9), late=-M)  # Monday 3 March
        self.deadline(t, due=tokyo(2025, 3, 9, 23, 30), late=M)  # Sunday 9 March
        self.deadline(t, due=tokyo(2025, 3, 10, 0, 30), late=-M)  # Monday 10 March
        weeks = self.report().weeks
        self.assertEqual(weeks[0].start, date(2025, 2, 24))  # the week of 1 March
        self.assertEqual(weeks[-1].start, date(2025, 3, 31))
        by_start = {w.start: w.figures[K.FIRST_RESPONSE] for w in weeks}
        self.assertEqual(by_start[date(2025, 3, 3)].compliance, 50.0)
        self.assertEqual(by_start[date(2025, 3, 10)].compliance, 100.0)
        self.assertIsNone(by_start[date(2025, 3, 17)].compliance)


class GroupTests(ReportTestCase):
    def test_by_policy_with_the_deadlines_of_no_policy_last(self):
        urgent = self.make_policy("Platinum")
        t = self.ticket_for()
        self.deadline(t, due=tokyo(2025, 3, 2, 9), late=-M, policy=urgent)
        self.deadline(t, K.PROMISE, due=tokyo(2025, 3, 2, 9), late=M)
        report = self.report()
        self.assertEqual([r.name for r in report.rows], [urgent.name, "(no policy)"])
        self.assertEqual(report.rows[0].key, urgent.id)
        self.assertEqual(report.rows[1].figures[K.PROMISE].missed, 1)

    def test_by_organization(self):
        northwind = self.ticket_for(self.other_org)
        yamada = self.ticket_for(self.org)
        self.deadline(northwind, K.RESOLUTION, due=tokyo(2025, 3, 2, 9), late=M)
        self.deadline(yamada, K.RESOLUTION, due=tokyo(2025, 3, 2, 9), late=-M)
        self.deadline(yamada, K.RESOLUTION, due=tokyo(2025, 3, 3, 9), late=-M)
        report = self.report("organization")
        self.assertEqual([r.name for r in report.rows], ["Northwind Ltd", "山田商事株式会社"])
        self.assertEqual(self.row(report, "Northwind Ltd").figures[K.RESOLUTION].compliance, 0.0)
        self.assertEqual(self.row(report, "山田商事株式会社").figures[K.RESOLUTION].met, 2)
        self.assertEqual(report.totals[K.RESOLUTION].compliance, 66.7)

    def test_by_agent_promises_belong_to_who_made_them(self):
        mine = self.ticket_for(assignee=self.agent)
        nobodys = self.ticket_for()
        due = tokyo(2025, 3, 4, 15)
        # Alice promised on Sato's ticket; a promise with no maker falls to the assignee.
        self.deadline(mine, K.PROMISE, due=due, late=M, created_by=self.teammate)
        self.deadline(mine, K.PROMISE, due=due, late=-M)
        self.deadline(mine, K.FIRST_RESPONSE, due=due, late=-M)
        self.deadline(nobodys, K.FIRST_RESPONSE, due=due, late=M)
        report = self.report("agent")
        self.assertEqual([r.name for r in report.rows], ["Alice", "佐藤", "(unassigned)"])
        alice, sato, nobody = report.rows
        self.assertEqual((alice.figures[K.PROMISE].missed, alice.figures[K.PROMISE].due), (1, 1))
        self.assertEqual(alice.figures[K.FIRST_RESPONSE].due, 0)
        self.assertEqual(sato.figures[K.PROMISE].met, 1)
        self.assertEqual(sato.figures[K.FIRST_RESPONSE].met, 1)
        self.assertEqual(nobody.key, None)
        self.assertEqual(nobody.figures[K.FIRST_RESPONSE].missed, 1)

    def test_the_number_of_queries_does_not_grow_with_the_groups(self):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.report("organization")
            return len(ctx.captured_queries)

        self.deadline(self.ticket_for(), due=tokyo(2025, 3, 2, 9), late=M)
        few = queries()
        for n in range(6):
            org = self.organization(f"Customer {n}")
            self.deadline(self.ticket_for(org), due=tokyo(2025, 3, 2, 9), late=n * M)
        self.assertEqual(queries(), few)
        self.assertLessEqual(few, 6)


class CsvTests(ReportTestCase):
    def test_one_line_per_group_and_kind_under_a_header(self):
        org = self.organization('=HYPERLINK("http://evil.example")')
        t = self.ticket_for(org)
        for late in (-M, -M, -M, 5 * M):
            self.deadline(t, due=tokyo(2025, 3, 2, 9), late=late)
        report = self.report("organization")
        lines = list(csv.reader(io.StringIO(reports.report_csv(report))))
        self.assertEqual(lines[0], reports.CSV_HEADER)
        self.assertEqual(len(lines), 1 + 4)
        first = dict(zip(lines[0], lines[1], strict=True))
        self.assertEqual(first["name"], '\'=HYPERLINK("http://evil.example")')
        self.assertEqual(first["id"], str(org.id))
        self.assertEqual(first["kind"], "first_response")
        self.assertEqual(
            [first[k] for k in ("due", "met_on_time", "missed", "open", "compliance_percent")],
            ["4", "3", "1", "0", "75.0"],
        )
        self.assertEqual((first["from"], first["to"]), ("2025-03-01", "2025-04-01"))
        self.assertEqual(first["median_minutes_late"], "5")
        promise = dict(zip(lines[0], lines[4], strict=True))
        self.assertEqual(
            (promise["kind"], promise["due"], promise["compliance_percent"]), ("promise", "0", "")
        )
        self.assertEqual(
            reports.csv_filename(report), "sla-report-organization-2025-03-01-2025-04-01.csv"
        )


SVG_NAMESPACE = "http://www.w3.org/2000/svg"


class ChartTests(ReportTestCase):
    def charts(self, group="organization"):
        return reports.report_charts(self.report(group))

    def test_charts_are_svg_with_nothing_remote(self):
        t = self.ticket_for()
        self.deadline(t, due=tokyo(2025, 3, 2, 9), late=-M)
        self.deadline(t, K.PROMISE, due=tokyo(2025, 3, 9, 9), late=M, created_by=self.agent)
        charts = self.charts()
        self.assertEqual(set(charts), {*(k.value for k in reports.KINDS), "weeks"})
        for name, svg in charts.items():
            with self.subTest(name):
                self.assertTrue(svg.startswith("<svg"), svg[:40])
                self.assertNotIn("<?xml", svg)
                root = ElementTree.fromstring(svg)
                self.assertEqual(root.tag, f"{{{SVG_NAMESPACE}}}svg")
                self.assertEqual(re.findall(r"https?://[^\s\"'<>)]*", svg), [SVG_NAMESPACE])
                self.assertNotIn("<script", svg)
                self.assertNotIn("href", svg)
                self.assertNotRegex(svg, r"(?i)@import|url\(|<!--")
                self.assertTrue(reports.is_self_contained(svg))
        self.assertIn("山田商事株式会社", charts[K.FIRST_RESPONSE])
        self.assertIn("100%", charts[K.FIRST_RESPONSE])
        # The bars themselves are drawn (one per group), and the points of the weeks.
        bars = ElementTree.fromstring(charts[K.FIRST_RESPONSE]).iter(f"{{{SVG_NAMESPACE}}}rect")
        self.assertEqual(len([b for b in bars if "rect" in b.get("class", "").split()]), 1)
        self.assertIn('class="dot reactive', charts["weeks"])
        self.assertIn("Promises kept", charts["weeks"])

    def test_pygal_left_to_itself_would_load_a_script_from_the_web(self):
        # Why the charts are configured as they are: pygal's defaults fetch its tooltips.
        svg = pygal.Bar().render(is_unicode=True)
        self.assertIn("//kozea.github.io/", svg)
        self.assertFalse(reports.is_self_contained(svg))

    def test_hostile_names_stay_text(self):
        org = self.organization("<script>alert(1)</script>")
        evil = self.organization('"><image href="http://evil.example/x.png"/>')
        for o in (org, evil):
            self.deadline(self.ticket_for(o), due=tokyo(2025, 3, 2, 9), late=-M)
        for svg in self.charts().values():
            self.assertNotIn("<script", svg)
            self.assertNotIn("<image", svg)
            self.assertTrue(reports.is_self_contained(svg))
        chart = self.charts()[K.FIRST_RESPONSE]
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", chart)
        texts = [e.text for e in ElementTree.fromstring(chart).iter() if e.text]
        self.assertIn("<script>alert(1)</script>", texts)

    def test_characters_xml_cannot_carry_are_left_out_of_labels(self):
        get_user_model().objects.filter(pk=self.agent.pk).update(first_name="佐\x01藤")
        self.deadline(self.ticket_for(assignee=self.agent), due=tokyo(2025, 3, 2, 9), late=-M)
        chart = self.charts("agent")[K.FIRST_RESPONSE]
        ElementTree.fromstring(chart)  # well-formed
        self.assertIn("佐藤", chart)

    def test_no_data_says_so(self):
        charts = self.charts()
        self.assertIn("No deadlines fell due", charts[K.PROMISE])
        self.assertTrue(reports.is_self_contained(charts[K.PROMISE]))

    def test_a_chart_becomes_a_data_address_for_an_image(self):
        uri = reports.data_uri("<svg xmlns='http://www.w3.org/2000/svg'>佐藤</svg>")
        self.assertTrue(uri.startswith("data:image/svg+xml;base64,"))
        self.assertNotIn("<", uri)
