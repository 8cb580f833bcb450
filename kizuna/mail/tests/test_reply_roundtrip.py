"""End to end: a request by mail is acknowledged, the customer answers the acknowledgement
from their mail client, and the answer lands in the same ticket."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

from django.core import mail

from kizuna.mail.ingest import ingest_raw
from kizuna.mail.outbound import encode_iso2022jp
from kizuna.mail.tests.builders import make_mail
from kizuna.test import BaseTestCase
from kizuna.tickets import services
from kizuna.tickets.models import MessageKind, Status, Ticket


def answer(wire: bytes, *, sender: str, body: str, charset: str = "utf-8") -> bytes:
    """What a mail client sends when its user presses Reply on `wire`."""
    original = message_from_bytes(wire, policy=policy.default)
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = make_msgid(domain="yamada.example.jp")
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = " ".join(
        filter(None, [original.get("References"), original["Message-ID"]])
    )
    quoted = "\n".join(
        f"> {line}" for line in original.get_body(("plain",)).get_content().splitlines()
    )
    text = f"{body}\n\n{quoted}\n"
    if charset != "iso-2022-jp":
        reply.set_content(text, charset=charset)
        return bytes(reply)
    # As Japanese clients write it: JIS with the vendor characters (CP50221), 7bit.
    reply["MIME-Version"] = "1.0"
    reply["Content-Type"] = 'text/plain; charset="ISO-2022-JP"'
    reply["Content-Transfer-Encoding"] = "7bit"
    return bytes(reply) + encode_iso2022jp(text).replace(b"\n", b"\r\n")


class ReplyRoundTripTests(BaseTestCase):
    def test_a_reply_to_the_acknowledgement_threads_into_the_same_ticket(self):
        with self.captureOnCommitCallbacks(execute=True):
            created = ingest_raw(make_mail(), source="test")
        self.assertEqual(len(mail.outbox), 1)
        wire = mail.outbox[0].message().as_bytes()
        reply = answer(
            wire, sender="taro@yamada.example.jp", body="承知しました。ログを添付します。"
        )
        with self.captureOnCommitCallbacks(execute=True):
            result = ingest_raw(reply, source="test")
        self.assertEqual((result.outcome, result.ticket), ("appended", created.ticket))
        ticket = Ticket.objects.get()
        latest = ticket.messages.filter(kind=MessageKind.INBOUND).last()
        self.assertTrue(latest.body.startswith("承知しました。ログを添付します。"))

    def test_a_legacy_client_answering_an_agents_reply_in_iso_2022_jp_threads_too(self):
        with self.captureOnCommitCallbacks(execute=True):
            ingest_raw(make_mail(), source="test")
        ticket = Ticket.objects.get()
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_transition(
                ticket=ticket,
                actor_user=self.agent,
                to_status=Status.WAITING_CUSTOMER,
                customer_note="お手数ですが、エラー画面のスクリーンショットをお送りいただけますか。",
                checkpoint=self.later(days=1),
                override_check=True,
            )
        wire = mail.outbox[-1].message().as_bytes()
        reply = answer(
            wire, sender="taro@yamada.example.jp", body="①㈱髙橋の画面です。", charset="iso-2022-jp"
        )
        with self.captureOnCommitCallbacks(execute=True):
            result = ingest_raw(reply, source="test")
        self.assertEqual((result.outcome, result.ticket), ("appended", ticket.reference))
        ticket.refresh_from_db()
        # The answer we were waiting for puts the ticket back to work (P1).
        self.assertEqual(ticket.status, Status.INVESTIGATING)
        self.assertIn(
            "①㈱髙橋の画面です。", ticket.messages.filter(kind=MessageKind.INBOUND).last().body
        )
