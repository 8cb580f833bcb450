"""Resolving takes P2's answers (desk, API, shell): without the first three nothing changes;
with them the customer gets the resolution letter filled in, checked as a resolution report,
and the report stays on the ticket."""

from django.core import mail

from kizuna.api.tests.transitions_base import TransitionTestCase
from kizuna.closing import services as closing
from kizuna.letters.services import letter_save
from kizuna.test import REPORT, REPORT_JSON
from kizuna.tickets.models import MessageKind, ResolutionReport, Status
from kizuna.tickets.workflow import ResolutionAnswers, TransitionError

CHECKPOINT = "2099-01-05T15:00:00+09:00"


class ResolveThroughTheApiTests(TransitionTestCase):
    def resolve(self, **fields):
        body = {"to_status": "resolved", "checkpoint": CHECKPOINT, **fields}
        with self.captureOnCommitCallbacks(execute=True):
            return self.post(self.url, body)

    def test_without_the_report_nothing_changes_and_the_missing_answers_are_named(self):
        r = self.assert_refused(
            {"to_status": "resolved", "customer_note": "直りました。", "checkpoint": CHECKPOINT},
            field="resolution",
        )
        detail = r.json()["detail"]
        for missing in ("what caused it", "what was done and what remains", "fully resolved"):
            self.assertIn(missing, detail)

    def test_a_partial_report_names_only_what_is_missing(self):
        r = self.assert_refused(
            {
                "to_status": "resolved",
                "checkpoint": CHECKPOINT,
                "resolution": {"cause": "証明書の期限切れでした。", "fully_resolved": "yes"},
            },
            field="resolution",
        )
        self.assertIn("what was done and what remains", r.json()["detail"])
        self.assertNotIn("what caused it", r.json()["detail"])

    def test_blank_looking_answers_count_as_missing(self):
        self.assert_refused(
            {
                "to_status": "resolved",
                "checkpoint": CHECKPOINT,
                "resolution": {**REPORT_JSON, "cause": " \u200b\u3000"},
            },
            field="resolution",
            says="what caused it",
        )

    def test_an_unknown_fully_resolved_answer_is_refused(self):
        self.assert_refused(
            {
                "to_status": "resolved",
                "checkpoint": CHECKPOINT,
                "resolution": {**REPORT_JSON, "fully_resolved": "maybe"},
            },
            field="resolution.fully_resolved",
            says="yes, partly, no",
        )

    def test_a_report_only_goes_with_resolving(self):
        self.assert_refused(
            {
                "to_status": "investigating",
                "customer_note": "調査を開始しました。",
                "checkpoint": CHECKPOINT,
                "resolution": REPORT_JSON,
            },
            field="resolution",
        )

    def test_the_letter_is_filled_with_the_answers_mailed_and_the_check_returned(self):
        mail.outbox.clear()
        r = self.resolve(resolution={**REPORT_JSON, "further_help": "月次の点検もお受けできます。"})
        self.assertEqual(r.status_code, 200, r.content)
        doc = r.json()
        self.assertEqual(doc["status"], "resolved")
        self.assertEqual(doc["resolution"]["cause"], REPORT.cause)
        self.assertEqual(doc["resolution"]["fully_resolved"], "yes")
        self.assertEqual(doc["check"]["lang"], "ja")
        self.assertEqual(
            [f for f in doc["check"]["findings"] if f["severity"] in ("error", "warning")], []
        )
        sent = self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False).last()
        for answer in (REPORT.cause, REPORT.done, REPORT.recurrence, "月次の点検"):
            self.assertIn(answer, sent.body)
        self.assertIn("山田 太郎様", sent.body)
        self.assertIn("完全に解決いたしました", sent.body)
        self.assertEqual(doc["resolution"]["message"], sent.id)
        self.assertIn(REPORT.cause, mail.outbox[-1].body)

    def test_an_agents_own_text_is_sent_as_written_and_checked_as_a_resolution_report(self):
        r = self.resolve(resolution=REPORT_JSON, customer_note="直りました。ご確認ください。")
        self.assertEqual(r.status_code, 422)
        self.assertIn("ja.vague.fixed-please-check", {f["rule"] for f in r.json()["findings"]})
        self.assertEqual(ResolutionReport.objects.count(), 0)
        r = self.resolve(
            resolution=REPORT_JSON,
            customer_note="証明書を更新いたしました。原因は期限切れでした。",
        )
        self.assertEqual(r.status_code, 200, r.content)
        rules = {f["rule"] for f in r.json()["check"]["findings"]}
        self.assertIn("ja.resolution.recurrence", rules)  # a warning, returned with the answer

    def test_a_chosen_letter_must_be_a_resolution_letter_in_the_customers_language(self):
        english = letter_save(
            name="Short report", language="en", purpose="resolution", body="{{ cause }}"
        )
        r = self.assert_refused(
            {
                "to_status": "resolved",
                "checkpoint": CHECKPOINT,
                "resolution": REPORT_JSON,
                "letter": english.id,
            },
            field="letter",
        )
        self.assertIn("English", r.json()["detail"])
        update = letter_save(name="経過", language="ja", purpose="update", body="{{ subject }}")
        self.assert_refused(
            {
                "to_status": "resolved",
                "checkpoint": CHECKPOINT,
                "resolution": REPORT_JSON,
                "letter": update.id,
            },
            field="letter",
        )
        self.assert_refused(
            {
                "to_status": "resolved",
                "checkpoint": CHECKPOINT,
                "resolution": REPORT_JSON,
                "letter": 99999999999,
            },
            field="letter",
        )

    def test_the_report_is_on_the_ticket_and_in_the_list(self):
        self.resolve(resolution=REPORT_JSON)
        doc = self.get(f"/api/v1/tickets/{self.ticket.reference}").json()
        self.assertEqual(doc["resolution"]["done"], REPORT.done)
        [listed] = [
            t
            for t in self.get("/api/v1/tickets", {"status": "resolved"}).json()["results"]
            if t["id"] == self.ticket.id
        ]
        self.assertEqual(listed["resolution"]["recurrence"], REPORT.recurrence)


class ResolveInTheShellTests(TransitionTestCase):
    def test_the_service_refuses_a_missing_report_and_keeps_each_resolution(self):
        with self.assertRaises(TransitionError) as cm:
            closing.ticket_resolve(
                ticket=self.ticket,
                actor_user=self.agent,
                answers=ResolutionAnswers(cause="x"),
                checkpoint=self.later(days=3),
            )
        self.assertEqual(cm.exception.field, "resolution")
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, Status.NEW)
        closing.ticket_resolve(
            ticket=self.ticket, actor_user=self.agent, answers=REPORT, checkpoint=self.later(days=3)
        )
        self.assertEqual(self.ticket.status, Status.RESOLVED)
        self.assertEqual(self.ticket.resolution_reports.get().created_by, self.agent)

    def test_a_hostile_answer_is_refused_with_its_field(self):
        for cause, field in (("\ud800", "resolution.cause"), ("x" * 5001, "resolution.cause")):
            with self.subTest(field=field), self.assertRaises(TransitionError) as cm:
                closing.ticket_resolve(
                    ticket=self.ticket,
                    actor_user=self.agent,
                    answers=ResolutionAnswers(cause=cause, done="d", fully_resolved="no"),
                    checkpoint=self.later(days=3),
                )
            self.assertEqual(cm.exception.field, field)
        self.assertFalse(ResolutionReport.objects.exists())


class ReplyPurposeThroughTheApiTests(TransitionTestCase):
    def test_a_reply_says_what_it_is_and_gets_its_check_back(self):
        url = f"/api/v1/tickets/{self.ticket.reference}/replies"
        news = "バックアップからの復元はできませんでした。"
        with self.captureOnCommitCallbacks(execute=True):
            plain = self.post(url, {"body": news})
            bad_news = self.post(url, {"body": news, "purpose": "bad-news"})
        self.assertEqual(plain.status_code, 201, plain.content)
        self.assertEqual(bad_news.status_code, 201, bad_news.content)
        rules = {f["rule"] for f in bad_news.json()["check"]["findings"]}
        self.assertIn("ja.bad-news.no-empathy", rules)
        self.assertNotIn(
            "ja.bad-news.no-empathy", {f["rule"] for f in plain.json()["check"]["findings"]}
        )
        r = self.post(url, {"body": news, "purpose": "poem"})
        self.assertIn(r.status_code, (400, 422))
