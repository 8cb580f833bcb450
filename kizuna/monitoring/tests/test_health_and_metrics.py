"""/healthz tells a load balancer whether this process can serve and a monitor what lags;
/metrics gives Prometheus the counts of mail, tasks and deadlines, to whoever holds the token."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from kizuna.background.models import WorkerLease
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import Mailbox
from kizuna.mail.tests.builders import make_mail
from kizuna.search.tasks import search_reindex_party
from kizuna.sla.models import Deadline
from kizuna.test import BaseTestCase
from kizuna.tickets.models import Message, MessageKind

QUEUED = override_settings(
    TASKS={"default": {"BACKEND": "kizuna.background.backend.DatabaseBackend"}}
)
TOKEN = "metrics-token-" + "k" * 30


class HealthTests(BaseTestCase):
    def test_a_running_installation_is_ok(self):
        r = self.client.get("/healthz")
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual(body["status"], "ok")
        self.assertTrue(body["database"]["ok"])
        self.assertEqual(body["tasks"]["waiting"], 0)
        self.assertIsNone(body["tasks"]["oldest_waiting_seconds"])
        self.assertEqual(body["mailboxes"], [])
        self.assertIn("no-cache", r["Cache-Control"])

    @QUEUED
    def test_a_task_waiting_too_long_makes_the_queue_lag(self):
        search_reindex_party.enqueue("contact", 1)
        DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
        body = self.client.get("/healthz").json()
        self.assertEqual(body["status"], "degraded")
        self.assertFalse(body["tasks"]["ok"])
        self.assertEqual(body["tasks"]["waiting"], 1)
        self.assertGreaterEqual(body["tasks"]["oldest_waiting_seconds"], 599)
        self.assertEqual(body["tasks"]["workers"], 0)

    @QUEUED
    def test_a_fresh_task_with_no_worker_alive_is_a_lag_and_with_one_it_is_not(self):
        search_reindex_party.enqueue("contact", 1)
        self.assertEqual(self.client.get("/healthz").json()["status"], "degraded")
        WorkerLease.objects.create(worker_id="w1", hostname="app1", pid=1)
        body = self.client.get("/healthz").json()
        self.assertEqual(body["status"], "ok", body)
        self.assertEqual(body["tasks"]["workers"], 1)
        # A task meant to run later (a mail retry) is not waiting yet; once due, it waits
        # from its time on.
        DBTaskResult.objects.update(run_after=timezone.now() + timedelta(minutes=5))
        self.assertEqual(self.client.get("/healthz").json()["tasks"]["waiting"], 0)
        DBTaskResult.objects.update(run_after=timezone.now() - timedelta(minutes=7))
        tasks = self.client.get("/healthz").json()["tasks"]
        self.assertEqual(tasks["waiting"], 1)
        self.assertGreaterEqual(tasks["oldest_waiting_seconds"], 419)

    def test_a_failing_mailbox_is_named_without_its_error(self):
        now = timezone.now()
        Mailbox.objects.create(name="support", host="imap.example", last_polled_at=now)
        Mailbox.objects.create(
            name="billing",
            host="imap.example",
            last_polled_at=now,
            failures=3,
            last_error="LOGIN failed for billing@secret.example",
        )
        Mailbox.objects.create(
            name="old", host="imap.example", last_polled_at=now - timedelta(hours=2)
        )
        r = self.client.get("/healthz")
        self.assertEqual(r.status_code, 200)  # this process still serves pages
        body = r.json()
        self.assertEqual(body["status"], "degraded")
        self.assertEqual(
            [(m["name"], m["ok"], m["failures"]) for m in body["mailboxes"]],
            [("billing", False, 3), ("old", False, 0), ("support", True, 0)],
        )
        self.assertNotIn("secret.example", r.content.decode())


class DatabaseDownTests(TransactionTestCase):
    def test_no_database_answers_503(self):
        settings_dict = connection.settings_dict
        name = settings_dict["NAME"]
        connection.close()
        settings_dict["NAME"] = (
            "/nonexistent/kizuna/db.sqlite3" if connection.vendor == "sqlite" else "kz_missing_db"
        )
        try:
            r = self.client.get("/healthz")
        finally:
            connection.close()
            settings_dict["NAME"] = name
        self.assertEqual(r.status_code, 503)
        self.assertEqual(r.json()["status"], "down")
        self.assertFalse(r.json()["database"]["ok"])


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


class MetricsTests(BaseTestCase):
    def test_off_until_a_token_is_set(self):
        r = self.client.get("/metrics")
        self.assertEqual(r.status_code, 404)
        self.assertIn("KIZUNA_METRICS_TOKEN", r.content.decode())

    @override_settings(KIZUNA_METRICS_TOKEN=TOKEN)
    def test_a_missing_or_wrong_token_is_refused(self):
        for header in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
            r = self.client.get("/metrics", **header)
            self.assertEqual(r.status_code, 401, header)
            self.assertEqual(r["WWW-Authenticate"], 'Bearer realm="metrics"')
            self.assertNotIn("kizuna_", r.content.decode())

    @override_settings(KIZUNA_METRICS_TOKEN=TOKEN)
    def test_counts_mail_tasks_and_deadlines(self):
        ingest_raw(make_mail(), source="test")
        ingest_raw(make_mail(headers={"Auto-Submitted": "auto-replied"}), source="test")
        ingest_raw(make_mail(sender="stranger@unknown.example"), source="test")
        ingest_raw(b"\xff\xfe not a mail", source="test")
        ack = Message.objects.get(ticket__subject="メールが送信できない", kind=MessageKind.OUTBOUND)
        ack.mailed_at = None
        ack.mail_failed_at = timezone.now()
        ack.save()
        first = Deadline.objects.get(ticket=ack.ticket, kind="first_response")
        first.due_at = timezone.now() - timedelta(hours=1)
        first.breached_at = timezone.now()
        first.save()

        r = self.client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r["Content-Type"].startswith("text/plain; version="))
        found = samples(r.content.decode())
        mail = {
            state: found[("kizuna_inbound_mail_total", (("state", state),))]
            for state in ("created", "ignored", "held", "quarantined", "pending")
        }
        self.assertEqual(
            mail, {"created": 1, "ignored": 1, "held": 1, "quarantined": 1, "pending": 0}
        )
        self.assertEqual(found[("kizuna_outbound_mail_failed_total", ())], 1)
        self.assertEqual(found[("kizuna_tasks", (("status", "ready"),))], 0)
        self.assertEqual(
            found[("kizuna_sla_deadlines_breached_total", (("kind", "first_response"),))], 1
        )
        self.assertEqual(found[("kizuna_sla_deadlines_overdue", (("kind", "first_response"),))], 1)
        self.assertGreaterEqual(
            found[("kizuna_sla_deadlines_running", (("kind", "resolution"),))], 0
        )
        self.assertLess(found[("kizuna_sla_next_due_seconds", ())], 0)
