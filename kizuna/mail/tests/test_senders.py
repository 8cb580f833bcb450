"""Who wrote a message: a usable sender address whatever the From header looks like."""

from __future__ import annotations

import pytest

from kizuna.mail.ingest import ingest_raw
from kizuna.mail.parsing import parse_message
from kizuna.test import BaseTestCase
from kizuna.tickets.models import Contact, Ticket

BODY = "\r\n明日の打ち合わせの件でご相談があります。\r\n".encode()


def _mail(headers: str) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"Subject: meeting\r\n" + BODY


@pytest.mark.parametrize(
    "header, address",
    [
        ("From: Taro <taro@yamada.example.jp.>\n", "taro@yamada.example.jp"),
        ("From: taro@Yamada.Example.JP.\n", "taro@yamada.example.jp"),
        ("From: <mailto:taro@yamada.example.jp>\n", "taro@yamada.example.jp"),
    ],
)
def test_it_normalises_the_sender_address(header: str, address: str):
    assert parse_message(_mail(header)).from_address == address


@pytest.mark.parametrize(
    "headers, address",
    [
        # No From at all.
        ("Sender: hanako@yamada.example.jp\nReply-To: desk@yamada.example.jp\n",
         "hanako@yamada.example.jp"),
        ("Reply-To: desk@yamada.example.jp\n", "desk@yamada.example.jp"),
        # A From without an address.
        ('From: "me" <>\nSender: hanako@yamada.example.jp\n', "hanako@yamada.example.jp"),
        ('From: "me" <>\nReply-To: desk@yamada.example.jp\n', "desk@yamada.example.jp"),
        ("From: undisclosed\nReply-To: desk@yamada.example.jp\n", "desk@yamada.example.jp"),
        # A From no contact could be created with.
        ("From: taro..x@yamada.example.jp\nSender: hanako@yamada.example.jp\n",
         "hanako@yamada.example.jp"),
    ],
)  # fmt: skip
def test_without_a_usable_from_it_falls_back_to_sender_then_reply_to(headers: str, address: str):
    parsed = parse_message(_mail(headers))
    assert parsed.from_address == address
    assert any("no usable From address" in d for d in parsed.defects)


def test_a_from_header_with_spaces_before_its_colon_is_read():
    # An old header form ("field-name WSP :"); the parser alone takes it for an mbox line.
    parsed = parse_message(
        _mail("From  : Taro <taro@yamada.example.jp>\nTo : support@kizuna.example\n")
    )
    assert (parsed.from_name, parsed.from_address) == ("Taro", "taro@yamada.example.jp")
    assert parsed.to == ["support@kizuna.example"]
    assert "明日の打ち合わせ" in parsed.text


def test_it_returns_no_sender_rather_than_an_unusable_one():
    assert parse_message(_mail('From: "me" <>\n')).from_address == ""


class SenderIngestTests(BaseTestCase):
    def test_a_sender_with_a_trailing_dot_becomes_a_contact_and_opens_a_ticket(self):
        raw = _mail(
            "From: Hanako <hanako@yamada.example.jp.>\nMessage-ID: <dot@yamada.example.jp>\n"
        )
        result = ingest_raw(raw, source="test")
        self.assertEqual(result.outcome, "created", result.reason)
        self.assertEqual(Ticket.objects.get().requester.email, "hanako@yamada.example.jp")
        # The same person without the dot is the same contact.
        again = _mail("From: hanako@yamada.example.jp\nMessage-ID: <nodot@yamada.example.jp>\n")
        self.assertEqual(ingest_raw(again, source="test").outcome, "created")
        self.assertEqual(Contact.objects.filter(email__startswith="hanako@").count(), 1)

    def test_mail_with_an_empty_from_is_answered_to_its_reply_to(self):
        raw = _mail('From: "me" <>\nReply-To: taro@yamada.example.jp\n')
        result = ingest_raw(raw, source="test")
        self.assertEqual(
            (result.outcome, result.from_address), ("created", "taro@yamada.example.jp")
        )
