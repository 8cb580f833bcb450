"""Two processes at the same mail at the same moment (a mail server delivering one message by
two routes, two workers finishing pending mail): each message still becomes one ticket."""

from __future__ import annotations

import threading

from django.db import connection
from django.test import TransactionTestCase

from kizuna.mail.ingest import ingest_raw, process_pending, store_raw
from kizuna.mail.models import InboundMail
from kizuna.mail.tests.builders import make_mail
from kizuna.test import Personas
from kizuna.tickets.models import Message, MessageKind, Ticket


class ConcurrentIngestTests(Personas, TransactionTestCase):
    def setUp(self):
        super().setUp()
        self.make_personas()

    def together(self, work, count: int = 2) -> list:
        """Run `work` in `count` threads released at the same instant; their results."""
        barrier = threading.Barrier(count)
        results: list = [None] * count

        def run(i: int) -> None:
            try:
                barrier.wait(timeout=10)
                results[i] = work()
            except Exception as exc:  # reported in the results, so the test says what failed
                results[i] = repr(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    def test_one_message_delivered_twice_at_once_opens_one_ticket(self):
        raw = make_mail(message_id="<race.1@yamada.example.jp>", subject="同時に二度届いたメール")
        outcomes = self.together(lambda: ingest_raw(raw, source="race").outcome)
        # Whichever delivery wins, exactly one reports the ticket and the other a duplicate.
        self.assertEqual(sorted(outcomes), ["created", "duplicate"])
        self.assertEqual(Ticket.objects.count(), 1)
        self.assertEqual(InboundMail.objects.count(), 1)
        self.assertEqual(Message.objects.filter(kind=MessageKind.INBOUND).count(), 1)

    def test_two_workers_finishing_pending_mail_process_each_message_once(self):
        for n in range(8):
            store_raw(make_mail(subject=f"保留中のメール {n}"), source=f"pending-{n}")
        runs = self.together(lambda: [r.outcome for r in process_pending()])
        for run in runs:
            self.assertIsInstance(run, list, run)
        self.assertEqual(Ticket.objects.count(), 8)
        self.assertEqual(
            sorted(Ticket.objects.values_list("subject", flat=True)),
            [f"保留中のメール {n}" for n in range(8)],
        )
        self.assertFalse(InboundMail.objects.exclude(state="created").exists())
