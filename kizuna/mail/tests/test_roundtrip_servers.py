"""End to end with real servers: a customer's request arrives in a Dovecot mailbox, our
acknowledgement leaves through a real SMTP server, the customer answers it from their client
and the answer, fetched from Dovecot again, lands in the same ticket."""

from __future__ import annotations

import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from kizuna.mail import imap
from kizuna.mail.models import Mailbox
from kizuna.testbed import free_port
from kizuna.tickets.models import Contact, EmailDomain, MessageKind, Organization, Team, Ticket

pytestmark = pytest.mark.django_db


class Recorder:
    """The SMTP server our mail goes out through: it keeps every message it accepts."""

    def __init__(self):
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 OK: queued"


@pytest.fixture
def smtp_out(settings):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield recorder
    controller.stop()


def client_mail(**headers: str) -> bytes:
    msg = EmailMessage()
    for name, value in headers.items():
        if name != "body":
            msg[name.replace("_", "-")] = value
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@yamada.example.jp>"
    msg.set_content(headers["body"])
    return msg.as_bytes(policy=policy.SMTP)


def test_a_customer_answers_our_acknowledgement_by_mail_and_it_joins_the_ticket(
    dovecot, mail_user, trust_dovecot, smtp_out, django_capture_on_commit_callbacks
):
    org = Organization.objects.create(name="山田商事株式会社")
    EmailDomain.objects.create(organization=org, domain="yamada.example.jp")
    team = Team.objects.create(name="Hosting")
    mailbox = Mailbox.objects.create(
        name="support", address=f"{mail_user.name}@kizuna.example", team=team,
        host="127.0.0.1", port=dovecot.imap_port, security="starttls",
        username=mail_user.name, password=mail_user.password,
    )  # fmt: skip
    request = client_mail(
        From="山田 太郎 <taro@yamada.example.jp>", To=mailbox.address,
        Subject="VPNに接続できません", body="今朝から社外からVPNに接続できません。",
    )  # fmt: skip
    dovecot.append(mail_user, request)

    with django_capture_on_commit_callbacks(execute=True):
        [first] = imap.mailboxes_poll()
    assert dict(first.outcomes) == {"created": 1}
    ticket = Ticket.objects.get()
    assert Contact.objects.get(email="taro@yamada.example.jp").organization == org

    # The acknowledgement went out through the SMTP server, threaded and marked automatic.
    [ack_bytes] = smtp_out.received
    ack = message_from_bytes(ack_bytes, policy=policy.default)
    assert ack["Subject"] == f"[{ticket.reference}] VPNに接続できません"
    assert ack["Reply-To"] == mailbox.address
    assert ack["Auto-Submitted"] == "auto-generated"
    assert ack["In-Reply-To"] == message_from_bytes(request)["Message-ID"]

    # The customer presses Reply; their client drops our tag from the subject, so only the
    # threading headers can lead the answer back.
    answer = client_mail(
        From="山田 太郎 <taro@yamada.example.jp>", To=ack["Reply-To"],
        Subject="Re: VPNに接続できません", In_Reply_To=ack["Message-ID"],
        References=f"{ack['References']} {ack['Message-ID']}",
        body="再起動しましたが、まだ接続できません。\n\n> " + ack.get_content().splitlines()[0],
    )  # fmt: skip
    dovecot.append(mail_user, answer)
    with django_capture_on_commit_callbacks(execute=True):
        [second] = imap.mailboxes_poll(force=True)

    assert dict(second.outcomes) == {"appended": 1}
    assert Ticket.objects.count() == 1
    latest = ticket.messages.filter(kind=MessageKind.INBOUND).last()
    assert latest.body.startswith("再起動しましたが、まだ接続できません。")
    assert dovecot.messages(mail_user, "INBOX") == []
