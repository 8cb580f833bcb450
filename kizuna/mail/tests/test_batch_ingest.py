"""A batch of mail (`kizuna ingest`) is written together: new requests are opened in a few
statements for all, and the reading of each message (mood, the request's facts, search) and
the acknowledgements' delivery are handed to the worker as one task. Every outcome must be
what message-by-message processing gives."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from kizuna.intake.models import IntakeFacts
from kizuna.lib import batching
from kizuna.mail.ingest import ingest_many
from kizuna.mail.models import InboundMail
from kizuna.mail.tests.builders import make_bounce, make_mail
from kizuna.mood.models import MessageMood
from kizuna.search.query import search
from kizuna.sla.models import Deadline
from kizuna.test import Personas
from kizuna.tickets.models import Contact, Message, MessageKind, Ticket
from kizuna.tickets.signals import message_received, tickets_opened


@contextlib.contextmanager
def receiving(receiver):
    """`receiver` hears tickets_opened within the block: a fault injected into the batch write."""
    tickets_opened.connect(receiver, dispatch_uid="test-batch-fault")
    try:
        yield
    finally:
        tickets_opened.disconnect(dispatch_uid="test-batch-fault")


QUEUED = override_settings(
    TASKS={"default": {"BACKEND": "kizuna.background.backend.DatabaseBackend"}}
)


def follow_up(to: int, word: str, *, sender: str = "") -> tuple[bytes, str]:
    """A reply to request `to` of `requests()`, by its requester unless `sender` is given."""
    raw = make_mail(
        sender=sender or f"user{to}@yamada.example.jp",
        subject="Re: follow-up",
        body=f"Follow-up {word} on my request.",
        message_id=f"<reply.{word}@yamada.example.jp>",
        in_reply_to=f"<req.{to}@yamada.example.jp>",
    )
    return raw, f"reply:{word}"


def requests(count: int) -> list[tuple[bytes, str]]:
    """`count` new requests from different people of the customer's company, in turn in
    Japanese and English, each naming a word of its own for search."""
    items = []
    for n in range(count):
        if n % 2:
            subject, body = f"Backup job {n} failed", f"The nightly backup of host{n} stopped."
        else:
            subject, body = f"サーバー{n}が応答しません", f"今朝からサーバー{n}に接続できません。"
        raw = make_mail(
            sender=f"user{n}@yamada.example.jp",
            name=f"User {n}",
            subject=subject,
            body=body + f" Code word: zq{n}x. 至急お願いします！",
            message_id=f"<req.{n}@yamada.example.jp>",
        )
        items.append((raw, f"test:{n}"))
    return items


@QUEUED
class QueuedAnalysesTests(Personas, TransactionTestCase):
    def setUp(self):
        super().setUp()
        self.make_personas()

    def run_worker(self):
        call_command("worker", "--batch", "--interval", "0", verbosity=0)

    def test_a_batch_queues_one_task_and_the_worker_completes_its_work(self):
        items = requests(12)
        # A reply, in the same batch, to the third request: it joins that ticket.
        items.append(
            (
                make_mail(
                    sender="user2@yamada.example.jp",
                    subject="Re: サーバー2が応答しません",
                    body="再起動しても直りません。",
                    in_reply_to="<req.2@yamada.example.jp>",
                ),
                "test:reply",
            )
        )
        results = list(ingest_many(items, batch_size=50))

        self.assertEqual([r.outcome for r in results], ["created"] * 12 + ["appended"])
        self.assertEqual(results[-1].ticket, results[2].ticket)
        self.assertEqual(Ticket.objects.count(), 12)
        # Everything the customer relies on is there at once: the acknowledgement, the
        # promised time and its clocks.
        for ticket in Ticket.objects.all():
            ack = ticket.messages.get(kind=MessageKind.OUTBOUND, automatic=True)
            self.assertEqual(ticket.customer_note, ack.body)
            self.assertIn(ticket.reference, ack.body)
            self.assertEqual(ticket.next_due, ticket.next_checkpoint)
            self.assertTrue(Deadline.objects.filter(ticket=ticket, kind="first_response").exists())
        # The reading and the mail are queued as one task for thirteen messages, not one
        # or more per message.
        (queued,) = DBTaskResult.objects.all()
        self.assertEqual(queued.task_path, "kizuna.lib.batching.batch_work")
        (work,) = queued.args_kwargs["args"]
        self.assertEqual(
            sorted(work),
            [
                "kizuna.intake.services.requests_read",
                "kizuna.mail.tasks.deliveries_queue",
                "kizuna.mood.services.messages_assess",
                "kizuna.search.indexing.index_written_items",
            ],
        )
        self.assertEqual(len(work["kizuna.mood.services.messages_assess"]), 13)
        self.assertEqual(len(work["kizuna.intake.services.requests_read"]), 12)
        self.assertEqual(MessageMood.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

        self.run_worker()

        inbound = Ticket.objects.get(subject="サーバー2が応答しません").messages.filter(
            kind=MessageKind.INBOUND
        )
        self.assertEqual(MessageMood.objects.count(), 13)  # every customer message
        self.assertEqual(IntakeFacts.objects.count(), 12)  # every request, not the reply
        read = set(MessageMood.objects.values_list("message_id", flat=True))
        self.assertLessEqual(set(inbound.values_list("id", flat=True)), read)
        # Each request is found by its own word, the reply by its words.
        for n in (0, 7, 11):
            found = search(f"zq{n}x", tickets=Ticket.objects.all())
            self.assertEqual([h.ticket.reference for h in found.hits], [results[n].ticket])
        found = search("再起動", tickets=Ticket.objects.all())
        self.assertEqual([h.ticket.reference for h in found.hits], [results[2].ticket])
        # Each acknowledgement was mailed once, to its own requester.
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            sorted(f"user{n}@yamada.example.jp" for n in range(12)),
        )


class BatchWriteTests(Personas, TransactionTestCase):
    reset_sequences = True  # ticket numbers from 1, to name one before it exists

    def setUp(self):
        super().setUp()
        self.make_personas()

    @QUEUED  # the reading and the mail wait for a worker: only the batch's statements count
    def test_a_batch_makes_no_savepoint_per_reply_or_new_contact(self):
        items = requests(3)
        for n in range(6):
            # Half of the replies from colleagues Kizuna does not know yet: new contacts.
            sender = "" if n % 2 else f"colleague{n % 3}@yamada.example.jp"
            items.append(follow_up(n % 3, str(n), sender=sender))
        with CaptureQueriesContext(connection) as queries:
            results = list(ingest_many(items))
        self.assertEqual([r.outcome for r in results], ["created"] * 3 + ["appended"] * 6)
        self.assertEqual(Contact.objects.filter(email__startswith="colleague").count(), 3)
        made = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
        # Two, whatever the number of replies and new contacts: the batch's raw mail stored,
        # and its new requests opened together before the first reply that needs them.
        self.assertEqual(len(made), 2, made)

    def test_a_message_naming_a_ticket_of_its_own_batch_joins_it(self):
        first = make_mail(sender="hanako@yamada.example.jp", subject="VPNに接続できない")
        # No In-Reply-To: only the reference in the subject ties it to the first (KZ-000001).
        second = make_mail(
            sender="hanako@yamada.example.jp",
            subject="Re: [KZ-000001] VPNに接続できない",
            body="追加の情報です。エラーコードは 809 です。",
            message_id="<other@yamada.example.jp>",
        )
        results = list(ingest_many([(first, "a"), (second, "b")]))
        self.assertEqual([r.outcome for r in results], ["created", "appended"])
        self.assertEqual([r.ticket for r in results], ["KZ-000001", "KZ-000001"])

    def test_mail_answering_what_a_reply_of_its_own_batch_named_joins_the_ticket(self):
        """A reply's outcome and the ids it names are written with the batch's others; a later
        message of the batch that names only one of those ids still finds the ticket."""
        request = make_mail(subject="共有フォルダが開けない", message_id="<req@yamada.example.jp>")
        reply = make_mail(
            subject="Re: 共有フォルダが開けない",
            body="社内の別の担当者にも転送しました。",
            message_id="<reply@yamada.example.jp>",
            in_reply_to="<req@yamada.example.jp>",
            references="<forward@yamada.example.jp> <req@yamada.example.jp>",
        )
        # Names only the forward the reply referred to: no ticket message has that id.
        colleague = make_mail(
            subject="Re: Fwd: 共有フォルダ",
            body="同じ症状が私の端末でも出ています。",
            message_id="<colleague@yamada.example.jp>",
            in_reply_to="<forward@yamada.example.jp>",
        )
        results = list(ingest_many([(request, "a"), (reply, "b"), (colleague, "c")]))
        self.assertEqual([r.outcome for r in results], ["created", "appended", "appended"])
        self.assertEqual({r.ticket for r in results}, {"KZ-000001"})
        self.assertEqual(Ticket.objects.count(), 1)
        states = dict(InboundMail.objects.values_list("message_id", "state"))
        self.assertEqual(
            states,
            {
                "<req@yamada.example.jp>": "created",
                "<reply@yamada.example.jp>": "appended",
                "<colleague@yamada.example.jp>": "appended",
            },
        )

    def test_a_bounce_naming_a_message_of_its_own_batch_is_recorded_on_its_ticket(self):
        request = make_mail(subject="印刷できません", message_id="<print@yamada.example.jp>")
        reply = make_mail(
            subject="Re: 印刷できません",
            body="プリンターの型番は LX-200 です。",
            message_id="<print.reply@yamada.example.jp>",
            in_reply_to="<print@yamada.example.jp>",
        )
        bounce = make_bounce(
            returned_id="<print.reply@yamada.example.jp>",
            returned_subject="Re: x",
            message_id="<bounce.print@mx.yamada.example.jp>",
            text="User unknown.",
            recipient="it@yamada.example.jp",
            status="5.1.1",
        )
        results = list(ingest_many([(request, "a"), (reply, "b"), (bounce, "c")]))
        self.assertEqual([r.outcome for r in results], ["created", "appended", "ignored"])
        self.assertEqual(results[2].ticket, results[0].ticket)
        ticket = Ticket.objects.get()
        self.assertTrue(ticket.events.filter(kind="mail_failed").exists())

    def test_a_reply_delivered_twice_in_one_batch_is_stored_once(self):
        request = make_mail(subject="VPNに接続できない", message_id="<vpn@yamada.example.jp>")
        reply = make_mail(
            subject="Re: VPNに接続できない",
            body="再起動しても同じでした。",
            message_id="<vpn.reply@yamada.example.jp>",
            in_reply_to="<vpn@yamada.example.jp>",
        )
        other = requests(1)
        results = list(ingest_many([(request, "a"), (reply, "b"), *other, (reply, "b again")]))
        self.assertEqual(
            [r.outcome for r in results], ["created", "appended", "created", "duplicate"]
        )
        self.assertEqual(results[3].ticket, results[1].ticket)
        self.assertEqual(Message.objects.filter(body__contains="再起動しても").count(), 1)
        self.assertEqual(
            InboundMail.objects.get(message_id="<vpn.reply@yamada.example.jp>").state, "appended"
        )

    def test_when_the_batch_write_fails_each_message_is_written_alone(self):
        failures = []

        def fail_for_many(sender, tickets, **kwargs):
            # Opening several at once breaks (a fault in the batch write): one at a time works.
            if len(tickets) > 1:
                failures.append(len(tickets))
                raise RuntimeError("batch write failed")

        with receiving(fail_for_many):
            results = list(ingest_many(requests(5)))
        self.assertEqual(failures, [5])
        self.assertEqual([r.outcome for r in results], ["created"] * 5)
        self.assertEqual(len({r.ticket for r in results}), 5)
        self.assertEqual(Ticket.objects.count(), 5)
        self.assertEqual(InboundMail.objects.filter(state="created").count(), 5)
        # Each ticket has one request and one acknowledgement: nothing of the failed attempt.
        for ticket in Ticket.objects.all():
            self.assertEqual(ticket.messages.count(), 2)

    def test_a_reply_held_back_with_requests_opened_alone_keeps_its_outcome(self):
        """A reply's outcome waits for the batch's end; when the batch's requests then fail
        to open together and are opened one by one, the reply's outcome is still written."""
        (first,) = ingest_many(requests(1))
        reply = make_mail(
            sender="user0@yamada.example.jp",
            subject="Re: follow-up",
            body="Follow-up: the backup ran again and stopped at the same place.",
            message_id="<held.reply@yamada.example.jp>",
            in_reply_to="<req.0@yamada.example.jp>",
        )

        def fail_for_many(sender, tickets, **kwargs):
            if len(tickets) > 1:
                raise RuntimeError("batch write failed")

        with receiving(fail_for_many):
            results = list(ingest_many([(reply, "reply"), *requests(3)[1:]]))
        self.assertEqual([r.outcome for r in results], ["appended", "created", "created"])
        self.assertEqual(results[0].ticket, first.ticket)
        self.assertEqual(
            sorted(InboundMail.objects.values_list("state", flat=True)),
            ["appended", "created", "created", "created"],
        )
        self.assertEqual(Message.objects.filter(body__startswith="Follow-up:").count(), 1)

    def test_a_message_that_cannot_be_opened_alone_is_quarantined_and_the_rest_are_kept(self):
        def refuse_one(sender, tickets, **kwargs):
            if any("サーバー2" in t.subject for t in tickets):
                raise RuntimeError("this request cannot be stored")

        with receiving(refuse_one):
            results = list(ingest_many(requests(4)))
        self.assertEqual(
            [r.outcome for r in results], ["created", "created", "quarantined", "created"]
        )
        self.assertIn("this request cannot be stored", results[2].reason)
        self.assertEqual(Ticket.objects.count(), 3)
        self.assertFalse(Ticket.objects.filter(subject__contains="サーバー2").exists())

    def test_a_reply_that_fails_after_writing_leaves_nothing_and_the_batch_is_kept_once(self):
        # A batch is written without a savepoint per message; a message failing halfway (its
        # message already stored) makes the batch be written again, each message alone.
        def fail_on_marker(sender, message, first, **kwargs):
            if "BROKEN" in message.body:
                raise RuntimeError("this reply cannot be stored")

        items = requests(2)
        items += [follow_up(0, "first"), follow_up(1, "BROKEN"), follow_up(0, "second")]
        items += requests(4)[2:]
        message_received.connect(fail_on_marker, dispatch_uid="test-reply-fault")
        try:
            results = list(ingest_many(items))
        finally:
            message_received.disconnect(dispatch_uid="test-reply-fault")
        self.assertEqual(
            [r.outcome for r in results],
            ["created", "created", "appended", "quarantined", "appended", "created", "created"],
            [r.reason for r in results],
        )
        self.assertIn("this reply cannot be stored", results[3].reason)
        self.assertEqual(Ticket.objects.count(), 4)
        self.assertFalse(Message.objects.filter(body__contains="BROKEN").exists())
        self.assertEqual(Message.objects.filter(body__contains="Follow-up").count(), 2)
        # The first writing left nothing behind: one acknowledgement per ticket, and the
        # two follow-ups that were kept on the first request's ticket only.
        for ticket in Ticket.objects.all():
            self.assertEqual(ticket.messages.filter(kind=MessageKind.OUTBOUND).count(), 1)
            follow_ups = ticket.messages.filter(body__startswith="Follow-up").count()
            self.assertEqual(follow_ups, 2 if ticket.reference == results[0].ticket else 0)
        states = sorted(InboundMail.objects.values_list("state", flat=True))
        self.assertEqual(states, ["appended"] * 2 + ["created"] * 4 + ["quarantined"])
        # Each acknowledgement mailed once: nothing of the rolled-back writing was sent.
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            [f"user{n}@yamada.example.jp" for n in range(4)],
        )

    def test_when_the_parsing_process_dies_the_messages_are_parsed_here(self):
        """The process that parses the next batch is killed (out of memory, an operator):
        the ingest goes on without it, every message written and acknowledged once."""
        with ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            pid = pool.submit(os.getpid).result(timeout=60)
            waiting = pool.submit(time.sleep, 60)
            os.kill(pid, signal.SIGKILL)
            with self.assertRaises(BrokenProcessPool):
                waiting.result(timeout=60)
            with self.assertLogs("kizuna.mail.ingest", "WARNING") as logs:
                results = list(ingest_many(requests(5), batch_size=2, parse_pool=pool))
        self.assertEqual([r.outcome for r in results], ["created"] * 5)
        self.assertEqual(len({r.ticket for r in results}), 5)
        self.assertEqual(InboundMail.objects.filter(state="created").count(), 5)
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            [f"user{n}@yamada.example.jp" for n in range(5)],
        )
        self.assertIn("the parsing process is gone", logs.output[0])


@QUEUED
class BatchWorkTests(Personas, TransactionTestCase):
    def setUp(self):
        super().setUp()
        self.make_personas()

    def test_the_acknowledgements_go_first_and_one_failing_reader_stops_no_other(self):
        ran = []

        @batching.handler(order=60)
        def fails_late(items):
            ran.append("fails")
            raise RuntimeError("a reader broke")

        name = f"{fails_late.__module__}.{fails_late.__qualname__}"
        self.addCleanup(batching._handlers.pop, name)

        list(ingest_many(requests(3)))  # nothing read yet: the work is queued
        (queued,) = DBTaskResult.objects.all()
        work = dict(queued.args_kwargs["args"][0])
        work[name] = [1]
        with self.assertRaisesMessage(RuntimeError, "fails_late"):
            batching.batch_work.call(work)
        # Every other reader did its work; the failing one ran last, after the mail was
        # queued for delivery.
        self.assertEqual(ran, ["fails"])
        deliveries = DBTaskResult.objects.filter(task_path="kizuna.mail.tasks.message_deliver")
        self.assertEqual(deliveries.count(), 3)
        self.assertEqual(MessageMood.objects.count(), 3)
        self.assertEqual(IntakeFacts.objects.count(), 3)
        self.assertEqual(len(search("zq1x", tickets=Ticket.objects.all()).hits), 1)

    def test_work_runs_in_order_of_what_the_customer_waits_for(self):
        order = []
        names = {
            "kizuna.mail.tasks.deliveries_queue": "mail",
            "kizuna.search.indexing.index_written_items": "search",
            "kizuna.mood.services.messages_assess": "mood",
            "kizuna.intake.services.requests_read": "facts",
        }
        for name, label in names.items():
            original = batching._handlers[name]

            def traced(items, original=original, label=label):
                order.append(label)
                return original(items)

            self.addCleanup(batching._handlers.__setitem__, name, original)
            batching._handlers[name] = traced
        list(ingest_many(requests(2)))
        batching.batch_work.call(DBTaskResult.objects.get().args_kwargs["args"][0])
        self.assertEqual(order[:2], ["mail", "search"])
        self.assertEqual(sorted(order[2:]), ["facts", "mood"])
