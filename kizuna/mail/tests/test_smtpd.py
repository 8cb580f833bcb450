"""`kizuna smtpd` as a mail server meets it: a real process, a real SMTP/LMTP client (swaks)."""

from __future__ import annotations

import tempfile
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

from django.test import SimpleTestCase

from kizuna.mail.tests.servers import KizunaHome, swaks
from kizuna.testbed import free_port

ACCEPTED = "help@kizuna.example"  # from KIZUNA_SMTPD_RECIPIENTS
MAILBOX = "network@kizuna.example"  # a mailbox's address; its tickets go to team Network
MAX_BYTES = 100_000


def make_mail(subject: str, *, size: int = 0) -> bytes:
    msg = EmailMessage()
    msg["From"] = "山田 太郎 <taro@yamada.example.jp>"
    msg["To"] = ACCEPTED
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@yamada.example.jp>"
    msg.set_content("ルーターの再起動後、インターネットにつながりません。\n" + "x" * size)
    return msg.as_bytes(policy=policy.SMTP)


class SmtpdTestCase(SimpleTestCase):
    """One migrated home and two listeners (SMTP and LMTP) for the whole class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = KizunaHome(
            KIZUNA_SMTPD_RECIPIENTS=ACCEPTED, KIZUNA_SMTPD_MAX_BYTES=str(MAX_BYTES)
        )
        cls.home.run(
            "shell",
            "-c",
            "from kizuna.tickets.models import Organization, EmailDomain, Team\n"
            "from kizuna.mail.models import Mailbox\n"
            "org = Organization.objects.create(name='山田商事株式会社')\n"
            "EmailDomain.objects.create(organization=org, domain='yamada.example.jp')\n"
            "team = Team.objects.create(name='Network')\n"
            f"Mailbox.objects.create(name='network', address='{MAILBOX}', team=team)\n",
        )
        cls.servers = []
        cls.smtp_port = cls.start_listener()
        cls.lmtp_port = cls.start_listener("--lmtp")

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.terminate()
            output, _ = server.communicate(timeout=30)
            # SIGTERM is a clean stop, after the messages being processed.
            assert server.returncode == 0, output
        cls.home.cleanup()
        super().tearDownClass()

    @classmethod
    def start_listener(cls, *args) -> int:
        port = free_port()
        server = cls.home.popen("smtpd", "--port", str(port), *args)
        cls.servers.append(server)
        banner = server.stdout.readline()
        assert f"127.0.0.1:{port}" in banner, banner + (
            server.stdout.read() if server.poll() else ""
        )
        return port

    def query(self, sql: str, *params):
        return self.home.query(sql, *params)

    def wait_for_ticket(self, subject: str) -> tuple[str, str]:
        """The ticket a message became (processing runs just after the answer)."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            rows = self.query(
                "SELECT t.subject, coalesce(team.name, '') FROM tickets_ticket t "
                "LEFT JOIN tickets_team team ON team.id = t.team_id WHERE t.subject = ?",
                subject,
            )
            if rows:
                return rows[0]
            time.sleep(0.1)
        self.fail(
            f"no ticket {subject!r}: {self.query('SELECT state, reason FROM mail_inboundmail')}"
        )

    def send(self, raw: bytes, *args: str, to: str = ACCEPTED, port: int | None = None):
        with tempfile.NamedTemporaryFile(suffix=".eml") as data:
            data.write(raw)
            data.flush()
            return swaks(
                "--server",
                f"127.0.0.1:{port or self.smtp_port}",
                "--from",
                "taro@yamada.example.jp",
                "--to",
                to,
                "--data",
                data.name,
                *args,
            )

    def stored(self, raw: bytes) -> int:
        """How many rows hold this message (the client may add a final line ending)."""
        message_id = message_from_bytes(raw)["Message-ID"]
        rows = self.query("SELECT raw FROM mail_inboundmail WHERE message_id = ?", message_id)
        for (stored,) in rows:
            self.assertEqual(stored.rstrip(b"\r\n"), raw.rstrip(b"\r\n"))  # byte for byte
        return len(rows)

    def test_an_accepted_recipient_gets_250_once_the_message_is_stored_and_it_becomes_a_ticket(
        self,
    ):
        raw = make_mail("インターネットにつながらない")

        result = self.send(raw)

        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("250 2.0.0 Stored as inbound message", result.stdout)
        # The 250 came after the commit: the row is there the moment the client has its answer.
        self.assertEqual(self.stored(raw), 1)
        self.assertEqual(
            self.wait_for_ticket("インターネットにつながらない")[0], "インターネットにつながらない"
        )

    def test_mail_to_a_mailbox_address_goes_to_the_mailbox_team(self):
        result = self.send(make_mail("Network ticket"), to=MAILBOX)

        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(self.wait_for_ticket("Network ticket"), ("Network ticket", "Network"))

    def test_an_unknown_recipient_is_refused_at_rcpt_time(self):
        raw = make_mail("to nobody")

        result = self.send(raw, to="nobody@kizuna.example")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("550 5.1.1 <nobody@kizuna.example>: no such mailbox here", result.stdout)
        self.assertEqual(self.stored(raw), 0)

    def test_an_oversized_message_is_refused_with_552_naming_the_limit(self):
        raw = make_mail("too big", size=MAX_BYTES + 10)

        result = self.send(raw)

        self.assertNotEqual(result.returncode, 0)
        self.assertIn(
            f"552 5.3.4 Message too big: this server accepts messages up to {MAX_BYTES} bytes",
            result.stdout,
        )
        self.assertEqual(
            self.query("SELECT count(*) FROM mail_inboundmail WHERE size > ?", MAX_BYTES), [(0,)]
        )

    def test_a_storage_failure_answers_451_so_the_sender_retries_and_nothing_is_half_stored(
        self,
    ):
        raw = make_mail("stored on the second try")
        # The database refuses new inbound rows, as a full disk or a broken database would.
        self.query(
            "CREATE TRIGGER refuse_inbound BEFORE INSERT ON mail_inboundmail "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        try:
            failed = self.send(raw)
        finally:
            self.query("DROP TRIGGER refuse_inbound")

        self.assertNotEqual(failed.returncode, 0)
        self.assertIn("451 4.3.0 The message could not be stored", failed.stdout)
        self.assertEqual(self.stored(raw), 0)

        retried = self.send(raw)
        self.assertEqual(retried.returncode, 0, retried.stdout)
        self.assertEqual(self.stored(raw), 1)
        self.wait_for_ticket("stored on the second try")

    def test_lmtp_answers_for_each_recipient(self):
        raw = make_mail("LMTP delivery")

        result = self.send(
            raw, "--protocol", "LMTP", to=f"{ACCEPTED},{MAILBOX}", port=self.lmtp_port
        )

        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.count("250 2.0.0 Stored as inbound message"), 2)
        self.assertEqual(self.stored(raw), 1)  # one message, stored once
        self.wait_for_ticket("LMTP delivery")

    def test_lmtp_refuses_unknown_recipients_and_delivers_to_the_rest(self):
        raw = make_mail("LMTP partly")

        result = self.send(
            raw, "--protocol", "LMTP", to=f"stranger@example.com,{ACCEPTED}", port=self.lmtp_port
        )

        self.assertIn("550 5.1.1 <stranger@example.com>", result.stdout)
        self.assertEqual(result.stdout.count("250 2.0.0 Stored as inbound message"), 1)
        self.assertEqual(self.stored(raw), 1)
