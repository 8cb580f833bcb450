"""Notices from list managers and mail servers: recognised by the signals they really send,
never a ticket or a customer's reply."""

from __future__ import annotations

import pytest

from kizuna.mail.ingest import ingest_raw
from kizuna.mail.parsing import parse_message
from kizuna.mail.tests.builders import make_mail
from kizuna.mail.tests.corpus import FIXTURES_DIR
from kizuna.test import BaseTestCase
from kizuna.tickets.models import EventKind, Message, MessageKind, Ticket


def _notice(headers: str, body: str = "Your post was not accepted.") -> bytes:
    return (headers.strip().replace("\n", "\r\n") + "\r\n\r\n" + body + "\r\n").encode()


LIST_NOTICES = {
    "mailman 2 held post": "From: users-bounces@lists.example.jp\n"
    "Subject: Your message to users awaits moderator approval\nX-Mailman-Version: 2.1.39",
    "mailman 3 rejection": "From: users-owner@lists.example.jp\n"
    "Subject: Your message to users@lists.example.jp was rejected\nX-Mailman-Rule-Hits: nonmember-moderation",
    "majordomo": "From: Majordomo@lists.example.jp\nSubject: Majordomo results: not a member",
    "majordomo owner address": "From: owner-users@lists.example.jp\nSubject: BOUNCE users: Non-member submission",
    "ezmlm": "From: users-help@lists.example.jp\nSubject: ezmlm response\n"
    "Mailing-List: contact users-help@lists.example.jp; run by ezmlm",
    "ezmlm return path": "Return-Path: <users-return-42-support=kizuna.example@lists.example.jp>\n"
    "From: users-help@lists.example.jp\nSubject: confirm your post",
    "listserv": 'From: "L-Soft list server at LISTS.EXAMPLE.JP" <LISTSERV@LISTS.EXAMPLE.JP>\n'
    "Subject: Your message to USERS has been rejected",
    "fml": "From: users-admin-request@lists.example.jp\nSubject: 投稿できませんでした\nX-ML-Name: users",
    "list headers only": "From: news@lists.example.jp\nSubject: Weekly notes\nList-Post: <mailto:news@lists.example.jp>",
    "request address": "From: users-request@lists.example.jp\nSubject: Welcome to the users list",
}  # fmt: skip


@pytest.mark.parametrize("headers", LIST_NOTICES.values(), ids=LIST_NOTICES.keys())
def test_a_list_managers_notice_is_automatic(headers: str):
    parsed = parse_message(_notice(headers))
    assert parsed.auto_reason
    assert not parsed.is_bounce


DAEMON_NOTICES = {
    "james, daemon without domain": "From: MAILER-DAEMON\nSubject: Error: Your request was received",
    "named daemon without domain": 'From: "Mail Delivery Subsystem" <MAILER-DAEMON>\nSubject: failure notice',
    "daemon with comment": "From: MAILER-DAEMON@mx.example.jp (Mail Delivery System)\nSubject: Undeliverable",
    "postmaster": "From: Postmaster <postmaster@mx.example.jp>\nSubject: Delivery failure",
    "sender header": "From: Mail System <mail@mx.example.jp>\nSender: MAILER-DAEMON@mx.example.jp\nSubject: Returned mail",
}  # fmt: skip


@pytest.mark.parametrize("headers", DAEMON_NOTICES.values(), ids=DAEMON_NOTICES.keys())
def test_a_mail_servers_notice_is_a_bounce(headers: str):
    parsed = parse_message(_notice(headers, "The message could not be delivered."))
    assert parsed.is_bounce


def test_a_bounce_from_an_ordinary_address_is_known_by_its_text_and_returned_headers():
    raw = _notice(
        "From: Mail Server <mail@oldhost.example.jp>\nSubject: Error: delivery to kato",
        "Your message could not be delivered to kato@oldhost.example.jp.\r\n\r\n"
        "Message-ID: <KZ-000123.1.abc@kizuna.example>\r\nSubject: [KZ-000123] received",
    )
    assert parse_message(raw).auto_reason == "bounce text"


PERSONS = {
    "an error report": ("Subject: Error: cannot log in to the portal",
                        "Since this morning I get an error and my mail could not be sent."),
    "a postmaster team's name": ('Subject: DNS change\nFrom: "Postmaster Team" <it@yamada.example.jp>',
                                 "Please update the MX record."),
    "a help address": ("Subject: VPN\nFrom: it-help@yamada.example.jp", "The VPN is down."),
    "mail about a list": ("Subject: Our mailing list users-request address", "Can you set up a list?"),
}  # fmt: skip


@pytest.mark.parametrize("headers, body", PERSONS.values(), ids=PERSONS.keys())
def test_a_persons_mail_that_mentions_failures_or_lists_is_not_a_notice(headers: str, body: str):
    if "From:" not in headers:
        headers = "From: taro@yamada.example.jp\n" + headers
    parsed = parse_message(_notice(headers, body))
    assert (parsed.auto_reason, parsed.is_bounce) == ("", False)


class NoticeIngestTests(BaseTestCase):
    def _open_ticket(self) -> tuple[Ticket, str]:
        with self.captureOnCommitCallbacks(execute=True):
            ingest_raw(make_mail(), source="test")
        ticket = Ticket.objects.get()
        return ticket, ticket.messages.get(kind=MessageKind.OUTBOUND).email_message_id

    def test_a_moderation_notice_about_our_mail_is_ignored_not_appended(self):
        ticket, _ = self._open_ticket()
        raw = (FIXTURES_DIR / "mailman-moderation.eml").read_bytes()
        raw = raw.replace(b"KZ-000123", ticket.reference.encode())
        result = ingest_raw(raw, source="test")
        self.assertEqual(result.outcome, "ignored")
        self.assertEqual(Message.objects.filter(kind=MessageKind.INBOUND).count(), 1)
        self.assertEqual(Ticket.objects.count(), 1)

    def test_an_old_servers_bounce_of_our_mail_is_recorded_on_the_ticket(self):
        ticket, ack_id = self._open_ticket()
        raw = (FIXTURES_DIR / "james-bounce.eml").read_bytes()
        raw = raw.replace(b"<KZ-000123.1.abc@kizuna.example>", ack_id.encode())
        raw = raw.replace(b"KZ-000123", ticket.reference.encode())
        with self.captureOnCommitCallbacks(execute=True):
            result = ingest_raw(raw, source="test")
        self.assertEqual((result.outcome, result.ticket), ("ignored", ticket.reference))
        self.assertTrue(ticket.events.filter(kind=EventKind.MAIL_FAILED).exists())
        self.assertEqual(Message.objects.filter(kind=MessageKind.INBOUND).count(), 1)

    def test_a_daemon_notice_without_a_sender_domain_is_ignored_not_quarantined(self):
        raw = _notice(DAEMON_NOTICES["james, daemon without domain"], "could not be delivered")
        self.assertEqual(ingest_raw(raw, source="test").outcome, "ignored")
