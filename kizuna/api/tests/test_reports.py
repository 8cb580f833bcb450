"""GET /api/v1/reports/service-levels: the SLA report's figures as JSON, for managers."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from kizuna.api.tests.base import ApiTestCase, make_token
from kizuna.sla import reports
from kizuna.sla.tests.report_data import K, ReportData, tokyo
from kizuna.tickets.models import AgentProfile

URL = "/api/v1/reports/service-levels"
MARCH = {"from": "2025-03-01", "to": "2025-04-01"}
M = timedelta(minutes=1)
KINDS = ["first_response", "checkpoint", "resolution", "promise"]


class ReportApiTests(ReportData, ApiTestCase):
    def setUp(self):
        super().setUp()
        self.manager = get_user_model().objects.create_user(
            "mori", "mori@kizuna.example", is_staff=True
        )
        self.manager_token = make_token(self.manager)
        self.gold = self.make_policy("Gold")
        ticket = self.ticket_for(assignee=self.agent)
        for day, late in ((3, -30 * M), (4, 0 * M), (5, -M), (6, 45 * M)):
            self.deadline(ticket, due=tokyo(2025, 3, day, 12), late=late, policy=self.gold)
        self.deadline(ticket, K.PROMISE, due=tokyo(2025, 3, 7, 17), late=-M, created_by=self.agent)

    def report(self, **params):
        return self.get(URL, {**MARCH, **params}, token=self.manager_token)

    def test_it_returns_the_figures_per_policy(self):
        r = self.report()
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(
            list(body), ["from", "to", "group", "timezone", "groups", "totals", "weeks"]
        )
        self.assertEqual((body["from"], body["to"]), ("2025-03-01", "2025-04-01"))
        self.assertEqual((body["group"], body["timezone"]), ("policy", "Asia/Tokyo"))
        gold, nothing = body["groups"]
        self.assertEqual((gold["id"], gold["name"]), (self.gold.id, "Gold"))
        self.assertEqual(list(gold["figures"]), KINDS)
        self.assertEqual(
            gold["figures"]["first_response"],
            {
                "due": 4,
                "met": 3,
                "missed": 1,
                "open": 0,
                "compliance": 75.0,
                "median_minutes_late": 45,
            },
        )
        self.assertEqual(gold["figures"]["resolution"]["compliance"], None)
        self.assertEqual((nothing["id"], nothing["name"]), (None, "(no policy)"))
        self.assertEqual(nothing["figures"]["promise"]["met"], 1)
        self.assertEqual(body["totals"]["first_response"]["compliance"], 75.0)
        self.assertEqual(body["totals"]["promise"]["compliance"], 100.0)

    def test_weeks_carry_the_counts(self):
        weeks = self.report().json()["weeks"]
        self.assertEqual(weeks[0]["start"], "2025-02-24")
        self.assertEqual(len(weeks), 6)
        week = next(w for w in weeks if w["start"] == "2025-03-03")
        self.assertEqual(
            week["figures"]["first_response"],
            {"due": 4, "met": 3, "missed": 1, "open": 0, "compliance": 75.0},
        )

    def test_the_same_figures_as_the_report(self):
        for group in reports.GROUPS:
            with self.subTest(group):
                body = self.report(group=group).json()
                report = reports.sla_report(
                    start=tokyo(2025, 3, 1).date(),
                    end=tokyo(2025, 4, 1).date(),
                    group=group,
                    tz=tokyo(2025, 3, 1).tzinfo,
                )
                self.assertEqual([g["name"] for g in body["groups"]], [r.name for r in report.rows])
                for g, row in zip(body["groups"], report.rows, strict=True):
                    for kind in reports.KINDS:
                        self.assertEqual(g["figures"][kind.value], row.figures[kind].to_dict())

    def test_by_agent(self):
        body = self.report(group="agent").json()
        [sato] = body["groups"]
        self.assertEqual((sato["id"], sato["name"]), (self.agent.id, "佐藤"))
        self.assertEqual(sato["figures"]["promise"]["due"], 1)

    def test_dates_are_days_in_the_agents_time_zone(self):
        AgentProfile.objects.create(user=self.manager, timezone="America/New_York")
        # 1 March 00:00 in Tokyo is still 28 February in New York.
        self.deadline(self.ticket_for(), due=tokyo(2025, 3, 1, 0, 30), late=-M, policy=self.gold)
        body = self.get(
            URL, {"from": "2025-02-28", "to": "2025-03-01"}, token=self.manager_token
        ).json()
        self.assertEqual(body["timezone"], "America/New_York")
        self.assertEqual(body["totals"]["first_response"]["due"], 1)

    def test_without_dates_it_covers_the_last_30_days(self):
        r = self.get(URL, token=self.manager_token)
        self.assertEqual(r.status_code, 200)
        start, end = reports.default_range(tz=tokyo(2025, 1, 1).tzinfo)
        self.assertEqual((r.json()["from"], r.json()["to"]), (start.isoformat(), end.isoformat()))

    def test_bad_input_gets_a_clear_error(self):
        cases = [
            ({"from": "2025-03-10", "to": "2025-03-01"}, 400, "to", "must come after"),
            ({"from": "2024-01-01", "to": "2025-06-01"}, 400, "to", "at most 366 days"),
            ({"from": "0001-01-01", "to": "0001-01-05"}, 400, "from", "out of range"),
            ({"group": "team"}, 400, "group", "team"),
            ({"from": "yesterday"}, 422, "from", "date"),
            ({"to": "2025-02-30"}, 422, "to", "date"),
        ]
        for params, status, field, words in cases:
            with self.subTest(params):
                r = self.report(**params)
                self.assertEqual(r.status_code, status, r.content)
                self.assertEqual(r.json()["field"], field)
                self.assertIn(words, r.json()["detail"])

    def test_it_is_for_managers_with_a_token(self):
        self.assertEqual(self.get(URL, MARCH, token="").status_code, 401)
        self.assertEqual(self.get(URL, MARCH, token="not-a-token").status_code, 401)
        r = self.get(URL, MARCH)  # the agent's token: an agent, not a manager
        self.assertEqual(r.status_code, 403)
        self.assertIn("managers", r.json()["detail"])
        # A desk session is not an API credential.
        self.client.force_login(self.manager)
        self.assertEqual(self.client.get(URL, MARCH).status_code, 401)

    def test_it_is_in_the_openapi_document(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        operation = doc["paths"][URL]["get"]
        self.assertEqual(operation["operationId"], "report_service_levels")
        names = {p["name"] for p in operation["parameters"]}
        self.assertEqual(names, {"from", "to", "group"})
        schema = doc["components"]["schemas"]["SlaReportOut"]
        self.assertIn("from", schema["properties"])
