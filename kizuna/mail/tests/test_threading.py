"""Threading: In-Reply-To and References against every Message-ID a ticket knows, then the
reference tag in the subject, else a new ticket — whatever order the mail arrives in."""

from __future__ import annotations

from django.core import mail

from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import InboundMail
from kizuna.mail.tests.builders import make_mail
from kizuna.test import BaseTestCase
from kizuna.tickets.models import Contact, MessageKind, Ticket


class ThreadingTests(BaseTestCase):
    def open_by_mail(self, **kwargs) -> Ticket:
        with self.captureOnCommitCallbacks(execute=True):
            result = ingest_raw(make_mail(**kwargs), source="test")
        self.assertEqual(result.outcome, "created")
        return Ticket.objects.get(pk=int(result.ticket[3:]))

    def test_a_reply_to_our_acknowledgement_joins_the_ticket(self):
        ticket = self.open_by_mail()
        ack_id = mail.outbox[0].extra_headers["Message-ID"]
        reply = make_mail(
            subject="Re: お問い合わせ", body="よろしくお願いします。", in_reply_to=ack_id
        )
        result = ingest_raw(reply, source="test")
        self.assertEqual((result.outcome, result.ticket), ("appended", ticket.reference))
        self.assertEqual(ticket.messages.filter(kind=MessageKind.INBOUND).count(), 2)

    def test_references_thread_when_in_reply_to_is_missing_or_unknown(self):
        ticket = self.open_by_mail(message_id="<orig@yamada.example.jp>")
        reply = make_mail(
            subject="件名を変えました",
            in_reply_to="<never-seen@elsewhere.example>",
            references="<orig@yamada.example.jp> <never-seen@elsewhere.example>",
        )
        self.assertEqual(ingest_raw(reply, source="test").ticket, ticket.reference)
        self.assertEqual(Ticket.objects.count(), 1)

    def test_the_reference_tag_in_the_subject_threads_a_reply_without_headers(self):
        ticket = self.open_by_mail()
        for subject in (
            f"Re: [{ticket.reference}] メールが送信できない",
            f"返信: {ticket.reference} メールが送信できない",
            f"転送: 件名 {ticket.reference.lower()}",
        ):
            result = ingest_raw(make_mail(subject=subject, body="追記です。"), source="test")
            self.assertEqual(
                (result.outcome, result.ticket), ("appended", ticket.reference), subject
            )
        self.assertEqual(Ticket.objects.count(), 1)

    def test_a_tag_for_a_ticket_that_does_not_exist_opens_a_new_ticket(self):
        result = ingest_raw(make_mail(subject="Re: [KZ-999999] 古い件"), source="test")
        self.assertEqual(result.outcome, "created")

    def test_a_reply_that_arrives_before_its_original_is_joined_by_the_original(self):
        original = make_mail(message_id="<orig@yamada.example.jp>", body="最初のメールです。")
        reply = make_mail(
            subject="Re: メールが送信できない",
            body="追加です。",
            in_reply_to="<orig@yamada.example.jp>",
            references="<orig@yamada.example.jp>",
        )
        first = ingest_raw(reply, source="test")
        late = ingest_raw(original, source="test")
        self.assertEqual(first.outcome, "created")
        self.assertEqual((late.outcome, late.ticket), ("appended", first.ticket))
        self.assertEqual(Ticket.objects.count(), 1)

    def test_a_colleague_from_the_same_domain_may_reply_and_becomes_a_contact(self):
        ticket = self.open_by_mail(message_id="<orig@yamada.example.jp>")
        reply = make_mail(
            sender="jiro@yamada.example.jp",
            name="山田 次郎",
            in_reply_to="<orig@yamada.example.jp>",
        )
        self.assertEqual(ingest_raw(reply, source="test").outcome, "appended")
        jiro = Contact.objects.get(email="jiro@yamada.example.jp")
        self.assertEqual(jiro.organization, self.org)
        self.assertTrue(ticket.messages.filter(author_contact=jiro).exists())

    def test_a_reply_from_someone_outside_the_organization_is_held_not_appended(self):
        ticket = self.open_by_mail(message_id="<orig@yamada.example.jp>")
        for sender in ("nancy@northwind.example", "stranger@gmail.example"):
            reply = make_mail(
                sender=sender, body="見えていますか？", in_reply_to="<orig@yamada.example.jp>"
            )
            result = ingest_raw(reply, source="test")
            self.assertEqual((result.outcome, result.ticket), ("held", ticket.reference), sender)
        self.assertEqual(ticket.messages.filter(kind=MessageKind.INBOUND).count(), 1)
        self.assertEqual(InboundMail.objects.filter(state="held").count(), 2)

    def test_a_tagged_subject_from_an_outsider_is_held_too(self):
        ticket = self.open_by_mail()
        raw = make_mail(sender="nancy@northwind.example", subject=f"Re: [{ticket.reference}] x")
        self.assertEqual(ingest_raw(raw, source="test").outcome, "held")
