"""The composer shows the promises with a time it found before a reply or status note goes
out; the agent keeps, corrects or drops each, and kept ones are tracked (P13)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kizuna.sla.models import Deadline, DeadlineKind
from kizuna.test import BaseTestCase
from kizuna.tickets.models import EventKind, MessageKind

PROMISE = "明日15時までにご連絡します"
BODY = f"ログを確認しております。{PROMISE}。"


class PromiseReviewTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.agent)
        self.ticket = self.make_ticket()
        self.url = reverse("desk:reply", args=[self.ticket.id])

    def sent(self):
        return self.ticket.messages.filter(kind=MessageKind.OUTBOUND, automatic=False)

    def promises(self):
        return Deadline.objects.filter(ticket=self.ticket, kind=DeadlineKind.PROMISE)

    def shown(self, html: str) -> list[tuple[str, str]]:
        """The promises the review shows: their words and due time."""
        texts = re.findall(r'name="promise-\d+-text" value="([^"]*)"', html)
        dues = re.findall(r'name="promise-\d+-due" value="([^"]*)"', html)
        return list(zip(texts, dues, strict=True))

    def test_the_first_send_shows_the_promises_found_and_sends_nothing(self):
        r = self.client.post(self.url, {"body": BODY})
        self.assertEqual(r.status_code, 400)
        html = r.content.decode()
        self.assertIn("data-promise-review", html)
        [(text, due)] = self.shown(html)
        self.assertEqual(text, "明日15時までに")
        tomorrow = timezone.localtime(timezone.now() + timedelta(days=1))
        self.assertEqual(due, f"{tomorrow:%Y-%m-%d}T15:00")
        self.assertFalse(self.sent().exists())
        self.assertFalse(self.promises().exists())

    def confirm(self, body=BODY, **changes):
        first = self.client.post(self.url, {"body": body}).content.decode()
        data = {"body": body, "promises_reviewed": "1"}
        for n, (text, due) in enumerate(self.shown(first)):
            data.update({f"promise-{n}-text": text, f"promise-{n}-due": due})
            data[f"promise-{n}-keep"] = "on"
        data.update(changes)
        data = {k: v for k, v in data.items() if v is not None}
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url, data)

    def test_a_confirmed_promise_is_sent_and_tracked(self):
        r = self.confirm()
        self.assertEqual(r.status_code, 302)
        [message] = self.sent()
        [promise] = self.promises()
        self.assertEqual(promise.text, "明日15時までに")
        self.assertEqual(promise.message, message)
        self.assertEqual(promise.created_by, self.agent)
        local = timezone.localtime(promise.due_at)
        self.assertEqual((local.hour, local.minute), (15, 0))
        self.assertIsNotNone(promise.warn_at)
        self.assertLess(promise.warn_at, promise.due_at)
        event = self.ticket.events.get(kind=EventKind.PROMISE)
        self.assertEqual(event.data["text"], "明日15時までに")
        self.assertEqual(event.checkpoint, promise.due_at)
        self.ticket.refresh_from_db()
        self.assertLessEqual(self.ticket.next_due, promise.due_at)

    def test_the_agent_corrects_the_time(self):
        later = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=11, minute=0)
        self.confirm(**{"promise-0-due": later.strftime("%Y-%m-%dT%H:%M")})
        [promise] = self.promises()
        self.assertEqual(promise.due_at, later.replace(second=0, microsecond=0))

    def test_an_unticked_promise_is_sent_but_not_tracked(self):
        r = self.confirm(**{"promise-0-keep": None})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.sent().count(), 1)
        self.assertFalse(self.promises().exists())

    def test_words_changed_after_the_review_show_the_promises_again(self):
        first = self.client.post(self.url, {"body": BODY}).content.decode()
        [(text, due)] = self.shown(first)
        changed = "ログを確認しております。明後日17時までにご報告いたします。"
        r = self.client.post(
            self.url,
            {
                "body": changed,
                "promises_reviewed": "1",
                "promise-0-text": text,
                "promise-0-due": due,
                "promise-0-keep": "on",
            },
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("check the promises again", r.content.decode())
        [(text, _due)] = self.shown(r.content.decode())
        self.assertEqual(text, "明後日17時までに")
        self.assertFalse(self.sent().exists())

    def test_a_corrected_time_in_the_past_or_unreadable_is_refused(self):
        for bad in ("2020-01-01T10:00", "not a time", "９９９９-01-01T10:00"):
            r = self.confirm(**{"promise-0-due": bad})
            self.assertEqual(r.status_code, 400, bad)
            self.assertIn('role="alert"', r.content.decode())
        self.assertFalse(self.sent().exists())
        self.assertFalse(self.promises().exists())

    def test_a_reply_without_a_promise_goes_at_once(self):
        r = self.client.post(self.url, {"body": "ログを確認しております。"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.sent().count(), 1)

    def test_a_request_to_the_customer_is_not_a_promise(self):
        r = self.client.post(self.url, {"body": "明日15時までにログをお送りください。"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(self.promises().exists())

    def test_a_status_note_with_a_promise_is_reviewed_too(self):
        url = reverse("desk:status", args=[self.ticket.id])
        checkpoint = timezone.localtime(timezone.now() + timedelta(hours=3))
        data = {
            "to_status": "investigating",
            "customer_note": "We are checking the logs and will update you by 5 pm tomorrow.",
            "checkpoint": checkpoint.strftime("%Y-%m-%dT%H:%M"),
            "checkpoint_reason": "",
        }
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 400)
        [(text, due)] = self.shown(r.content.decode())
        self.assertIn("5 pm tomorrow", text)
        data.update(
            {
                "promises_reviewed": "1",
                "promise-0-text": text,
                "promise-0-due": due,
                "promise-0-keep": "on",
            }
        )
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 302)
        self.ticket.refresh_from_db()
        self.assertEqual(self.ticket.status, "investigating")
        [promise] = self.promises()
        self.assertEqual(timezone.localtime(promise.due_at).hour, 17)
