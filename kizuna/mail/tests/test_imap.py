"""Polling a real IMAP server (a private Dovecot on loopback): store, process, then move."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kizuna.mail import imap
from kizuna.mail.ingest import ingest_raw
from kizuna.mail.models import InboundMail, Mailbox
from kizuna.mail.tasks import mailboxes_poll as mailboxes_poll_task
from kizuna.mail.tests.servers import CuttingProxy, KizunaHome
from kizuna.testbed import free_port
from kizuna.tickets.models import EmailDomain, Organization, Team, Ticket

pytestmark = pytest.mark.django_db

PROCESSED = "Kizuna/Processed"


def make_mail(subject: str, *, sender="taro@yamada.example.jp", body="", size=0) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"山田 太郎 <{sender}>"
    msg["To"] = "support@kizuna.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@yamada.example.jp>"
    msg["Date"] = "Mon, 03 Mar 2025 09:00:00 +0900"
    text = body or f"{subject}について問い合わせます。よろしくお願いいたします。\n"
    msg.set_content(text + "x" * size)
    return msg.as_bytes(policy=policy.SMTP)  # CRLF, as IMAP servers store and return it


@pytest.fixture
def team(db):
    org = Organization.objects.create(name="山田商事株式会社")
    EmailDomain.objects.create(organization=org, domain="yamada.example.jp")
    return Team.objects.create(name="Hosting")


@pytest.fixture
def make_mailbox(trust_dovecot, team):
    def make(user, **fields) -> Mailbox:
        values = {
            "name": f"support-{user.name}",
            "address": f"{user.name}@kizuna.example",
            "team": team,
            "host": "127.0.0.1",
            "port": trust_dovecot.imap_port,
            "security": "starttls",
            "username": user.name,
        }
        values.update(fields)
        mailbox = Mailbox(**values)
        mailbox.set_password(fields.get("password", user.password))  # stored sealed
        mailbox.save()
        return mailbox

    return make


def test_a_poll_turns_each_message_into_a_ticket_of_the_mailbox_team_and_then_moves_it(
    dovecot, mail_user, make_mailbox, team
):
    mails = [make_mail(f"VPNに接続できない {n}") for n in range(3)]
    dovecot.append(mail_user, *mails)
    mailbox = make_mailbox(mail_user)

    [result] = imap.mailboxes_poll()

    assert result.error == ""
    assert (result.fetched, dict(result.outcomes)) == (3, {"created": 3})
    tickets = Ticket.objects.filter(team=team).order_by("id")
    assert [t.subject for t in tickets] == [f"VPNに接続できない {n}" for n in range(3)]
    assert dovecot.messages(mail_user, "INBOX") == []
    assert dovecot.messages(mail_user, PROCESSED) == mails  # byte for byte, oldest first
    stored = InboundMail.objects.filter(mailbox=mailbox).order_by("id")
    assert [bytes(row.raw) for row in stored] == mails
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 3 and mailbox.failures == 0 and mailbox.last_polled_at


def test_a_second_poll_duplicates_nothing_and_a_redelivered_copy_is_a_duplicate(
    dovecot, mail_user, make_mailbox
):
    mail = make_mail("プリンターが使えない")
    dovecot.append(mail_user, mail)
    mailbox = make_mailbox(mail_user)
    imap.mailbox_poll(mailbox=mailbox)

    assert imap.mailbox_poll(mailbox=mailbox).fetched == 0
    dovecot.append(mail_user, mail)  # the same message delivered twice
    again = imap.mailbox_poll(mailbox=mailbox)

    assert dict(again.outcomes) == {"duplicate": 1}
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.get().duplicates == 1
    assert dovecot.messages(mail_user, "INBOX") == []
    assert len(dovecot.messages(mail_user, PROCESSED)) == 2


def test_large_mail_is_fetched_in_batches_bounded_by_size(
    dovecot, mail_user, make_mailbox, monkeypatch
):
    # Four messages of about 40 KB each with a 100 KB budget: fetched two at a time (and a
    # message larger than the budget alone), in order, all stored and moved.
    monkeypatch.setattr(imap, "BATCH_BYTES", 100_000)
    fetched_batches = []
    original_fetch = imap.IMAPClient.fetch

    def recording_fetch(self, messages, data, *args, **kwargs):
        if b"BODY.PEEK[]" in data:
            fetched_batches.append(list(messages))
        return original_fetch(self, messages, data, *args, **kwargs)

    monkeypatch.setattr(imap.IMAPClient, "fetch", recording_fetch)
    mails = [make_mail(f"大きな添付 {n}", size=40_000) for n in range(4)]
    mails.append(make_mail("とても大きな添付", size=150_000))
    dovecot.append(mail_user, *mails)
    make_mailbox(mail_user)

    [result] = imap.mailboxes_poll()

    assert [len(batch) for batch in fetched_batches] == [2, 2, 1]
    assert (result.fetched, dict(result.outcomes)) == (5, {"created": 5})
    assert dovecot.messages(mail_user, PROCESSED) == mails


def test_it_reads_over_imaps_with_the_trusted_certificate(dovecot, mail_user, make_mailbox):
    dovecot.append(mail_user, make_mail("TLS test"))
    mailbox = make_mailbox(mail_user, security="tls", port=dovecot.imaps_port)

    result = imap.mailbox_poll(mailbox=mailbox)

    assert (result.error, result.fetched) == ("", 1)
    assert Ticket.objects.get().subject == "TLS test"


def test_a_password_sealed_under_another_secret_key_is_reported_not_raised(
    dovecot, mail_user, make_mailbox, settings
):
    mailbox = make_mailbox(mail_user)
    assert mail_user.password not in mailbox.password  # sealed at rest
    settings.SECRET_KEY = "another-installation-" + "y" * 40

    [result] = imap.mailboxes_poll()

    assert "cannot be decrypted" in result.error
    mailbox.refresh_from_db()
    assert mailbox.failures == 1 and "enter the password again" in mailbox.last_error


def test_it_refuses_a_certificate_it_was_not_told_to_trust(
    dovecot, mail_user, make_mailbox, settings
):
    settings.KIZUNA_IMAP_CA_FILE = ""
    dovecot.append(mail_user, make_mail("not fetched"))
    mailbox = make_mailbox(mail_user, security="tls", port=dovecot.imaps_port)

    result = imap.mailbox_poll(mailbox=mailbox)

    assert "connect failed" in result.error and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert Ticket.objects.count() == 0
    assert len(dovecot.messages(mail_user, "INBOX")) == 1


def test_a_mailbox_that_flags_leaves_messages_in_place_marked_as_taken(
    dovecot, mail_user, make_mailbox
):
    dovecot.append(mail_user, make_mail("flag me"))
    mailbox = make_mailbox(mail_user, flag_instead_of_move=True)

    first = imap.mailbox_poll(mailbox=mailbox)
    second = imap.mailbox_poll(mailbox=mailbox)

    assert (first.fetched, second.fetched) == (1, 0)
    [flags] = dovecot.flags(mail_user, "INBOX")
    assert b"\\Seen" in flags and imap.PROCESSED_KEYWORD in flags
    assert dovecot.messages(mail_user, PROCESSED) == []
    assert Ticket.objects.count() == 1


def test_a_message_stored_before_a_crash_is_moved_by_the_next_poll_not_duplicated(
    dovecot, mail_user, make_mailbox
):
    # As if a poll had committed the message and died before moving it.
    mail = make_mail("サーバーが応答しない")
    dovecot.append(mail_user, mail)
    mailbox = make_mailbox(mail_user)
    ingest_raw(mail, source="imap", mailbox=mailbox)

    result = imap.mailbox_poll(mailbox=mailbox)

    assert result.error == "" and result.finished == 1
    assert Ticket.objects.count() == 1
    assert dovecot.messages(mail_user, "INBOX") == []
    assert dovecot.messages(mail_user, PROCESSED) == [mail]


def test_a_connection_dropped_partway_loses_and_duplicates_nothing(dovecot, make_mailbox):
    # Six messages fetched two at a time, the connection cut at every stage of a poll:
    # inside responses (by bytes) and at chosen commands (in plaintext, so the proxy can
    # see them). After each cut, a normal poll must leave every message stored and moved
    # exactly once.
    def run(**cut):
        user = dovecot.add_user()
        mails = [make_mail(f"障害報告 {user.name} {n}", size=1500) for n in range(6)]
        dovecot.append(user, *mails)
        proxy = CuttingProxy(dovecot.imap_port, **cut)
        try:
            mailbox = make_mailbox(user, port=proxy.port, security="none")
            result = imap.mailbox_poll(mailbox=mailbox, batch_size=2)
        finally:
            proxy.close()
        return user, mails, mailbox, result, proxy

    *_, whole, measuring = run()
    assert whole.error == "" and whole.finished == 6
    total = measuring.received
    assert total > 6 * 1500

    cuts = [{"cut_after": int(total * fraction)} for fraction in (0.05, 0.3, 0.5, 0.7, 0.9)]
    cuts += [
        {"cut_on": (b"LOGIN", 1)},
        {"cut_on": (b"UID FETCH", 3)},  # after the sizes and the first batch of two
        {"cut_on": (b"UID MOVE", 1)},  # the first two are stored, not yet moved
        {"cut_on": (b"UID MOVE", 3)},  # everything stored, four moved
    ]
    phases = []
    for cut in cuts:
        user, mails, mailbox, result, proxy = run(**cut)
        assert proxy.cuts == 1, cut
        assert result.error, cut
        phases.append((result.stored, result.finished))
        mailbox.refresh_from_db()
        assert mailbox.failures == 1 and "127.0.0.1" in mailbox.last_error

        # The server is reachable again (no proxy): the next poll finishes the job.
        mailbox.port = dovecot.imap_port
        mailbox.save(update_fields=["port"])
        retry = imap.mailbox_poll(mailbox=mailbox, force=True)

        assert retry.error == "", cut
        assert dovecot.messages(user, "INBOX") == [], cut
        assert sorted(dovecot.messages(user, PROCESSED)) == sorted(mails), cut
        rows = InboundMail.objects.filter(mailbox=mailbox)
        assert sorted(bytes(row.raw) for row in rows) == sorted(mails), cut
        tickets = Ticket.objects.filter(subject__startswith=f"障害報告 {user.name} ")
        assert tickets.count() == 6, cut
    assert phases[-4:] == [(0, 0), (2, 2), (2, 0), (6, 4)]
    assert any(0 < finished < 6 for _, finished in phases[:5])  # a cut inside a fetch


def test_a_wrong_password_is_recorded_on_the_mailbox_and_backed_off(
    dovecot, mail_user, make_mailbox
):
    mailbox = make_mailbox(mail_user, password="wrong")

    [first] = imap.mailboxes_poll()

    assert "login failed" in first.error and f"127.0.0.1:{dovecot.imap_port}" in first.error
    mailbox.refresh_from_db()
    assert mailbox.failures == 1 and "login failed" in mailbox.last_error
    first_delay = mailbox.next_attempt_at - timezone.now()
    assert timedelta(seconds=30) < first_delay <= timedelta(seconds=60)
    assert imap.mailboxes_poll() == []  # not due yet

    imap.mailbox_poll(mailbox=mailbox, force=True)
    mailbox.refresh_from_db()
    assert mailbox.failures == 2
    assert mailbox.next_attempt_at - timezone.now() > first_delay  # backed off further

    mailbox.password = mail_user.password
    mailbox.save(update_fields=["password"])
    assert imap.mailbox_poll(mailbox=mailbox, force=True).error == ""
    mailbox.refresh_from_db()
    assert (mailbox.failures, mailbox.last_error, mailbox.next_attempt_at) == (0, "", None)


def test_a_refused_connection_does_not_stop_the_other_mailboxes(dovecot, mail_user, make_mailbox):
    dovecot.append(mail_user, make_mail("still delivered"))
    make_mailbox(mail_user, name="a-down", port=free_port())
    make_mailbox(mail_user, name="b-up")

    down, up = imap.mailboxes_poll()

    assert "connect failed" in down.error and "ConnectionRefusedError" in down.error
    assert up.error == "" and up.fetched == 1
    assert Ticket.objects.get().subject == "still delivered"


def test_it_never_sends_a_password_in_the_clear_to_another_host(make_mailbox, mail_user):
    mailbox = make_mailbox(mail_user, host="mail.example.com", security="none", port=143)

    result = imap.mailbox_poll(mailbox=mailbox)

    assert "without TLS" in result.error
    mailbox.refresh_from_db()
    assert mailbox.failures == 1


def test_pollmail_once_reports_each_mailbox(dovecot, mail_user, make_mailbox, capsys):
    dovecot.append(mail_user, make_mail("from the command"))
    make_mailbox(mail_user, name="support")

    call_command("pollmail", "--once")

    assert "support: 1 fetched (1 created)" in capsys.readouterr().out
    assert Ticket.objects.get().subject == "from the command"


def test_pollmail_names_the_mailboxes_when_one_is_unknown(make_mailbox, mail_user):
    make_mailbox(mail_user, name="support")

    with pytest.raises(CommandError, match="No mailbox named 'sales' .*support"):
        call_command("pollmail", "--once", "--mailbox", "sales")


def test_the_periodic_task_polls_the_mailboxes(dovecot, mail_user, make_mailbox):
    dovecot.append(mail_user, make_mail("from the worker"))
    make_mailbox(mail_user, name="support")

    result = mailboxes_poll_task.enqueue()

    assert result.return_value["mailboxes"] == {"support": {"fetched": 1, "error": ""}}
    assert Ticket.objects.get().subject == "from the worker"


def test_a_running_worker_polls_the_mailboxes_by_itself(dovecot, mail_user):
    home = KizunaHome(KIZUNA_POLL_SECONDS="1", KIZUNA_IMAP_CA_FILE=dovecot.cafile)
    try:
        home.run(
            "shell",
            "-c",
            "from kizuna.tickets.models import Organization, EmailDomain\n"
            "from kizuna.mail.models import Mailbox\n"
            "org = Organization.objects.create(name='山田商事株式会社')\n"
            "EmailDomain.objects.create(organization=org, domain='yamada.example.jp')\n"
            f"Mailbox.objects.create(name='support', host='127.0.0.1', port={dovecot.imaps_port},"
            f" security='tls', username='{mail_user.name}', password='{mail_user.password}')\n",
        )
        worker = home.popen("worker", "--interval", "0.2")
        try:
            dovecot.append(mail_user, make_mail("polled by the worker"))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not dovecot.messages(mail_user, PROCESSED):
                time.sleep(0.2)
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
        assert len(dovecot.messages(mail_user, PROCESSED)) == 1, output
        assert home.query("SELECT subject FROM tickets_ticket") == [("polled by the worker",)]
    finally:
        home.cleanup()
