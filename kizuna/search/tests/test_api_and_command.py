"""The same search from the API (GET /api/v1/search) and the shell (kizuna search)."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command

from kizuna.api.tests.base import ApiTestCase
from kizuna.search.models import SearchDocument
from kizuna.tickets import services

URL = "/api/v1/search"


class SearchApi(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.disk = self.make_ticket(
            subject="ディスク容量", body="ディスクの使用率が95%を超えました。"
        )
        self.cert = self.make_ticket(
            requester=self.outsider, subject="Certificate", body="The TLS certificate expires soon."
        )

    def test_results_carry_ticket_subject_snippet_and_score(self):
        r = self.get(URL, {"q": "ディスク"})
        self.assertEqual(r.status_code, 200, r.content)
        [result] = r.json()["results"]
        self.assertEqual(result["ticket"], self.disk.reference)
        self.assertEqual(result["subject"], "ディスク容量")
        self.assertIsInstance(result["score"], float)
        start, end = result["highlights"][0]
        self.assertEqual(result["snippet"][start:end], "ディスク")

    def test_english_words_in_any_form(self):
        [result] = self.get(URL, {"q": "certificates expiring"}).json()["results"]
        self.assertEqual(result["ticket"], self.cert.reference)

    def test_filters(self):
        self.assertEqual(self.get(URL, {"q": "ディスク", "status": "closed"}).json()["results"], [])
        self.assertEqual(
            len(self.get(URL, {"q": "ディスク", "organization": self.org.pk}).json()["results"]), 1
        )
        self.assertEqual(self.get(URL, {"q": "ディスク", "assignee": "me"}).json()["results"], [])
        services.ticket_assign(ticket=self.disk, actor_user=self.agent, assignee=self.agent)
        self.assertEqual(
            len(self.get(URL, {"q": "ディスク", "assignee": "me"}).json()["results"]), 1
        )
        self.assertEqual(
            self.get(URL, {"q": "ディスク", "from": "2999-01-01"}).json()["results"], []
        )

    def test_a_reference_comes_first(self):
        results = self.get(URL, {"q": self.cert.reference}).json()["results"]
        self.assertEqual(results[0]["ticket"], self.cert.reference)

    def test_bad_input_gets_a_clear_error(self):
        for params, field in [
            ({"q": ""}, "q"),
            ({}, "q"),
            ({"q": "x", "limit": 0}, "limit"),
            ({"q": "x", "status": "lost"}, "status"),
            ({"q": "x", "from": "2026-13-01"}, "from"),
            ({"q": "x", "from": "2026-12-02", "to": "2026-12-01"}, "from"),
            ({"q": "x", "organization": "9" * 40}, "organization"),
            ({"q": "x\x00y"}, "q"),
        ]:
            r = self.get(URL, params)
            self.assertIn(r.status_code, (400, 422), (params, r.content))
            self.assertIn(field, json.dumps(r.json()), params)

    def test_long_and_odd_queries_are_answered(self):
        r = self.get(URL, {"q": "ディスク " + "ａ" * 900})
        self.assertEqual(r.status_code, 200, r.content)

    def test_it_needs_a_token(self):
        self.assertEqual(self.get(URL, {"q": "x"}, token="").status_code, 401)


class SearchCommand(ApiTestCase):
    def test_json_output(self):
        ticket = self.make_ticket(body="バックアップの復元をお願いします。")
        out = StringIO()
        call_command("search", "--format", "json", "--limit", "5", "バックアップ", stdout=out)
        body = json.loads(out.getvalue())
        self.assertEqual(list(body), ["results"])
        self.assertEqual(body["results"][0]["ticket"], ticket.reference)
        self.assertEqual(set(body["results"][0]) >= {"ticket", "subject", "snippet", "score"}, True)

    def test_text_output_marks_the_words(self):
        self.make_ticket(body="バックアップの復元をお願いします。")
        out = StringIO()
        call_command("search", "復元", stdout=out)
        self.assertIn("【復元】", out.getvalue())

    def test_bad_limit(self):
        with self.assertRaisesRegex(CommandError, "--limit"):
            call_command("search", "--limit", "0", "x", stdout=StringIO())


class ReindexCommand(ApiTestCase):
    def test_a_bad_batch_size_is_refused_and_nothing_is_rebuilt(self):
        self.make_ticket()
        before = SearchDocument.objects.count()
        with self.assertRaisesRegex(CommandError, "--batch must be at least 1"):
            call_command("reindex", "--batch", "0", stdout=StringIO())
        self.assertEqual(SearchDocument.objects.count(), before)

    def test_reindex_reports_what_it_wrote(self):
        self.make_ticket()
        out = StringIO()
        call_command("reindex", stdout=out)
        self.assertIn("Reindexed: 2 documents", out.getvalue())
