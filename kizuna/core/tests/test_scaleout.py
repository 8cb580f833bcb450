"""The scale-out recipe of docs/deploy/, end to end: nginx (the shipped site configuration,
TLS with a test certificate) in front of two `kizuna serve` processes, two `kizuna worker`
processes and `kizuna smtpd`, started from the shipped systemd units, on one PostgreSQL
database with one shared attachments directory.

Customers write by SMTP and as mail files, agents open tickets and reply through the API with
files, customers sign in to the portal and reply there, and first responses fall due while
it runs. Midway one web process and one worker are killed with SIGKILL (each with every
process it forked). Then `kizuna export` before and after shows nothing lost, nothing written
twice, and the recording mail servers show nothing sent twice.

A short run in CI (on PostgreSQL); KIZUNA_SCALEOUT_FULL=1 runs the long one.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import smtplib
import subprocess
import tarfile
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from kizuna.testbed import (
    SITE,
    UNITS,
    Deployment,
    certificate_make,
    environment_file,
    postgres_database,
    unit_command,
    unit_read,
)

pytestmark = pytest.mark.xdist_group("timing-and-processes")

FULL = os.environ.get("KIZUNA_SCALEOUT_FULL", "") == "1"
# (seconds before the kills, seconds after, API agents, portal customers, SMTP senders, files)
PROFILE = (60, 60, 4, 6, 3, 300) if FULL else (10, 10, 2, 2, 1, 24)
DOMAIN = "yamada.example.jp"
CUSTOMERS = 12
PASSWORD = "correct horse battery staple"

SEED = f"""
from django.contrib.auth import get_user_model
from kizuna.tickets.models import AgentProfile, Contact, EmailDomain, Organization, Team
org = Organization.objects.create(name="山田商事株式会社")
EmailDomain.objects.create(organization=org, domain="{DOMAIN}")
agent = get_user_model().objects.create_user("sato", "sato@kizuna.example", "{PASSWORD}")
AgentProfile.objects.create(user=agent, timezone="Asia/Tokyo", language="ja")
lead = get_user_model().objects.create_user("kimura", "kimura@kizuna.example", "{PASSWORD}")
team = Team.objects.create(name="Hosting", lead=lead)
team.members.add(agent)
for n in range({CUSTOMERS}):
    Contact.objects.create(
        organization=org, name=f"顧客 {{n}}", email=f"c{{n}}@{DOMAIN}", language="ja"
    )
print(team.pk)
"""

REPLY = "ご連絡ありがとうございます。設定を確認しております。本日中に次のご連絡をいたします。"


@dataclass
class Ledger:
    """What the clients were told: `sure` got a success answer, `unsure` lost its connection
    or got a 5xx (it may or may not have been written); each maps a unique mark to a kind."""

    sure: dict[str, str] = field(default_factory=dict)
    unsure: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # sha256 of a file sent → its mark
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, mark: str, kind: str, status: int) -> bool:
        with self.lock:
            if 200 <= status < 400:
                self.sure[mark] = kind
                return True
            if status >= 500:
                self.unsure[mark] = kind
            else:
                self.errors.append(f"{kind} {mark}: HTTP {status}")
            return False


def mark(kind: str) -> str:
    return f"{kind}-{random.getrandbits(48):012x}"


def customer_mail(n: int, *, attachment: bytes | None = None) -> tuple[EmailMessage, str]:
    message = EmailMessage()
    tag = mark("mail")
    message["From"] = f"顧客 {n} <c{n}@{DOMAIN}>"
    message["To"] = "support@example.com"
    message["Subject"] = f"メールが届きません {tag}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(tag, domain=DOMAIN)
    message.set_content(f"今朝から社内でメールを受信できません。{tag}\n")
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="octet-stream", filename=f"{tag}.bin"
        )
    return message, tag


class Driver:
    """The customers and agents, each a thread, until `stop` is set."""

    def __init__(self, bed: Deployment, token: str, team: int, ledger: Ledger, spool: Path):
        self.bed, self.token, self.team, self.ledger, self.spool = bed, token, team, ledger, spool
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.tickets: list[int] = []  # opened through the API: replied to, shown in the portal

    def start(self, agents: int, customers: int, senders: int) -> None:
        actors = [self.api_agent] * agents + [self.smtp_customer] * senders
        actors += [self.portal_customer] * customers
        for n, actor in enumerate(actors):
            thread = threading.Thread(target=self._guard, args=(actor, n), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _guard(self, actor, n: int) -> None:
        try:
            actor(n)
        except Exception as exc:  # the test reads these; a thread cannot fail it directly
            with self.ledger.lock:
                self.ledger.errors.append(f"{actor.__name__} {n}: {exc!r}")

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def pause(self) -> None:
        self.stop.wait(random.uniform(0.05, 0.3))

    def api_agent(self, n: int) -> None:
        api = self.bed.client(token=self.token)
        while not self.stop.is_set():
            tag = mark("api")
            answer = api.post_json(
                "/api/v1/tickets",
                {
                    "requester": f"c{random.randrange(4)}@{DOMAIN}",
                    "subject": f"VPN に接続できない {tag}",
                    "body": f"本日朝から VPN に接続できません。{tag}",
                    "team": self.team,
                },
            )
            if not self.ledger.record(tag, "api-ticket", answer.status):
                continue
            ticket = answer.json()["id"]
            with self.ledger.lock:
                self.tickets.append(ticket)
            self.pause()
            tag = mark("reply")
            data = random.randbytes(random.randrange(20_000, 200_000))
            answer = api.post_json(
                f"/api/v1/tickets/{ticket}/replies",
                {
                    "body": f"{REPLY}\n{tag}",
                    "override_check": True,
                    "attachments": [
                        {
                            "filename": f"{tag}.bin",
                            "content_type": "application/octet-stream",
                            "data": base64.b64encode(data).decode(),
                        }
                    ],
                },
            )
            if self.ledger.record(tag, "api-reply", answer.status):
                with self.ledger.lock:
                    self.ledger.files[hashlib.sha256(data).hexdigest()] = tag
                # Written by one web process, read back through whichever nginx picks.
                url = answer.json()["attachments"][0]["url"]
                download = api.get(url)
                if download.status != 200 or download.body != data:
                    self.ledger.record(tag, f"download {url} ({download.status})", 400)
            self.pause()

    def smtp_customer(self, n: int) -> None:
        while not self.stop.is_set():
            attachment = random.randbytes(30_000) if random.random() < 0.3 else None
            message, tag = customer_mail(random.randrange(CUSTOMERS), attachment=attachment)
            # A mail server keeps a message until it is accepted, then tries again.
            for _attempt in range(30):
                try:
                    with smtplib.SMTP("127.0.0.1", self.bed.smtpd_port, timeout=60) as smtp:
                        smtp.send_message(message)
                    break
                except (OSError, smtplib.SMTPException):
                    time.sleep(0.5)
            else:
                self.ledger.record(tag, "smtp", 400)
                continue
            with self.ledger.lock:
                self.ledger.sure[message["Message-ID"]] = "smtp"
                if attachment is not None:
                    self.ledger.files[hashlib.sha256(attachment).hexdigest()] = tag
            self.pause()

    def portal_customer(self, n: int) -> None:
        email = f"c{n % 4}@{DOMAIN}"
        browser = self.bed.client()
        while not self.stop.is_set() and not self.portal_signin(browser, email):
            self.stop.wait(1)
        while not self.stop.is_set():
            home = browser.get("/portal/")
            ids = sorted(set(re.findall(r'href="/portal/tickets/(\d+)/"', home.text)))
            if home.status != 200 or not ids:
                if home.status != 200:
                    self.ledger.record(mark("portal-home"), "portal-home", home.status)
                self.stop.wait(0.5)
                continue
            ticket = random.choice(ids)
            page = browser.get(f"/portal/tickets/{ticket}/")
            if page.status != 200:
                self.ledger.record(mark("portal-page"), "portal-page", page.status)
                continue
            tag = mark("portal")
            answer = browser.post_form(
                f"/portal/tickets/{ticket}/reply/",
                {"body": f"ご対応ありがとうございます。状況を教えてください。{tag}"},
                csrf_from=page.text,
            )
            self.ledger.record(tag, "portal-reply", answer.status)
            self.pause()

    def portal_signin(self, browser, email: str) -> bool:
        page = browser.get("/portal/signin/")
        if page.status != 200:
            return False
        asked = time.monotonic()
        answer = browser.post_form("/portal/signin/", {"email": email}, csrf_from=page.text)
        if answer.status not in (200, 302):
            return False
        link = self.bed.signin_link(email, since=asked, timeout=30, stop=self.stop)
        if link is None:
            return False
        button = browser.get(link)
        if button.status != 200:
            return False
        used = browser.post_form(link, {}, csrf_from=button.text)
        return used.status in (200, 302) and "sessionid" in browser.cookies


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def export_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[1:]]


def message_key(line: dict) -> tuple:
    return (line["ticket"], line["seq"])


@pytest.mark.skipif(
    not os.environ.get("KIZUNA_DATABASE_URL", "").startswith("postgres"),
    reason="the scale-out recipe needs PostgreSQL; it runs in the suite's PostgreSQL pass",
)
class ScaleOutTests(SimpleTestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="kizuna-scaleout-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        url, drop = postgres_database(
            os.environ["KIZUNA_DATABASE_URL"], f"kizuna_scaleout_{os.getpid()}"
        )
        self.addCleanup(drop)
        self.bed = Deployment(
            self.root,
            url,
            settings={
                "KIZUNA_TASK_LEASE_SECONDS": "4",
                "KIZUNA_SLA_SCAN_SECONDS": "1",
                "KIZUNA_POLL_SECONDS": "3600",
                "KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR": "1000",
            },
        )
        self.bed.prepare()
        self.addCleanup(self.bed.stop)

    def test_two_web_processes_and_two_workers_behind_nginx_lose_nothing_when_one_of_each_dies(
        self,
    ):
        bed = self.bed
        before_kill, after_kill, agents, customers, senders, files = PROFILE
        team = int(bed.kizuna("shell", "-c", SEED).stdout.split()[-1])
        token = bed.kizuna("apitoken", "sato").stdout.strip().split()[-1]
        bed.start()
        ledger = Ledger()
        spool = self.root / "spool"
        for name in ("first", "second"):
            (spool / name).mkdir(parents=True)

        # The proxy as shipped: HTTP redirects to HTTPS, static files come from disk, Kizuna
        # believes the proxy's X-Forwarded-Proto (no redirect loop, Secure cookies, HSTS).
        self.check_front(token)
        sla_tickets = self.open_tickets_falling_due(token, team, count=4)

        driver = Driver(bed, token, team, ledger, spool)
        driver.start(agents, customers, senders)
        self.write_mail_files(spool / "first", files)
        ingest = json_lines(bed.kizuna("ingest", "--json", str(spool / "first")).stdout)
        time.sleep(before_kill)

        bed.kizuna("export", "--out", str(self.root / "before.jsonl"))
        sent_before = len(bed.received)
        web, worker = f"kizuna-web@{bed.web_ports[0]}", "kizuna-worker@1"
        bed.kill(web)
        bed.kill(worker)
        killed_at = time.monotonic()
        self.write_mail_files(spool / "second", files)
        # The first spool again (a repeated delivery) and the second one.
        again = json_lines(
            bed.kizuna("ingest", "--json", str(spool / "first"), str(spool / "second")).stdout
        )
        time.sleep(after_kill)
        driver.finish()
        bed.assert_alive(except_for=(web, worker))

        self.wait_quiet()
        bed.kizuna("export", "--out", str(self.root / "after.jsonl"))
        before = export_lines(self.root / "before.jsonl")
        after = export_lines(self.root / "after.jsonl")
        info = f"acknowledged {Counter(ledger.sure.values())}, unsure {Counter(ledger.unsure.values())}"
        self.assertEqual(ledger.errors, [], info)
        self.assertGreater(len(bed.received), sent_before, "no mail went out after the kills")

        self.assert_nothing_lost(before, after)
        self.assert_each_write_once(after, ledger, spool, ingest)
        self.assert_repeated_files_recognised(again, files)
        self.assert_mail_sent_once(after, worker_port=bed.smtp[worker].port, killed_at=killed_at)
        self.assert_breaches_recorded_once(after, sla_tickets)
        failed = bed.query(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
        )[0][0]
        self.assertEqual(failed, 0, bed.logs())
        self.assert_backup_unit_works(after)

    # Steps

    def check_front(self, token: str) -> None:
        bed = self.bed
        plain = http.client.HTTPConnection("127.0.0.1", bed.http_port, timeout=10)
        plain.request("GET", "/desk/", headers={"Host": "help.example.com"})
        answer = plain.getresponse()
        self.assertEqual(answer.status, 301)
        self.assertEqual(answer.getheader("Location"), "https://help.example.com/desk/")
        plain.close()
        browser = bed.client()
        page = browser.get("/desk/login/")
        self.assertEqual(page.status, 200, page.text[:500])
        self.assertIn("max-age=", page.headers.get("strict-transport-security", ""))
        # The sign-in form's CSRF cookie: sent only over HTTPS, which Kizuna knows it is on.
        self.assertIn("csrftoken=", page.headers["set-cookie"])
        self.assertIn("Secure", page.headers["set-cookie"])
        script = Path(__file__).resolve().parents[2] / "static" / "kizuna" / "kizuna.js"
        static = browser.get("/static/kizuna/kizuna.js")
        self.assertEqual(static.status, 200)
        self.assertEqual(static.body, script.read_bytes())
        # From disk by nginx: its caching headers, not Kizuna's no-store.
        self.assertIn("public", static.headers.get("cache-control", ""))
        self.assertIn("expires", static.headers)
        # The upload limit: refused by nginx before the body reaches Kizuna, nothing written.
        api = bed.client(token=token)
        huge = api.request(
            "POST",
            "/api/v1/tickets",
            body=b"x" * (32 * 1024 * 1024),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(huge.status, 413)
        self.assertEqual(bed.query("SELECT COUNT(*) FROM tickets_ticket")[0][0], 0)

    def open_tickets_falling_due(self, token: str, team: int, count: int) -> list[str]:
        """Tickets nobody answers whose first response falls due within seconds."""
        api = self.bed.client(token=token)
        references = []
        for n in range(count):
            answer = api.post_json(
                "/api/v1/tickets",
                {
                    "requester": f"c{8 + n % 4}@{DOMAIN}",
                    "subject": f"サーバーが応答しない {mark('sla')}",
                    "body": "503 が返ります。",
                    "team": team,
                    "priority": "urgent",
                },
            )
            self.assertEqual(answer.status, 201, answer.text)
            references.append((answer.json()["id"], answer.json()["reference"]))
        now = datetime.now(UTC)
        for n, (ticket, _reference) in enumerate(references):
            due = now + timedelta(seconds=6 + 2 * n)
            self.bed.query(
                "UPDATE sla_deadline SET due_at = %s, warn_at = %s WHERE kind = 'first_response'"
                " AND ticket_id = %s RETURNING id",
                (due, due - timedelta(seconds=2), ticket),
            )
        return [reference for _ticket, reference in references]

    def write_mail_files(self, directory: Path, count: int) -> None:
        for n in range(count):
            attachment = random.randbytes(10_000) if n % 5 == 0 else None
            message, tag = customer_mail(n % CUSTOMERS, attachment=attachment)
            (directory / f"{tag}.eml").write_bytes(message.as_bytes())

    def wait_quiet(self, timeout: float = 240) -> None:
        """Until no task is due or running and every outgoing message has been mailed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.bed.query(
                "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult"
                " WHERE status IN ('READY', 'RUNNING') AND (run_after IS NULL OR run_after < now())"
            )[0][0]
            unsent = self.bed.query(
                "SELECT COUNT(*) FROM tickets_message WHERE kind = 'outbound'"
                " AND mailed_at IS NULL AND mail_suppressed = ''"
            )[0][0]
            if not busy and not unsent:
                return
            time.sleep(0.5)
        self.fail(f"still busy after {timeout} s\n{self.bed.logs()}")

    # Checks

    def assert_nothing_lost(self, before: list[dict], after: list[dict]) -> None:
        """Everything in the first export is in the second, as it was: messages and files
        never change (only when a message was mailed), tickets and people are still there."""
        later = {}
        for line in after:
            later.setdefault(self.identity(line), []).append(line)
        for line in before:
            found = later.get(self.identity(line))
            self.assertTrue(found, f"lost after the kills: {line}")
            if line["type"] in ("message", "attachment"):
                self.assertEqual(len(found), 1, f"written twice: {found}")
                old, new = dict(line), dict(found[0])
                # Mailing a waiting message fills in when and under which Message-ID it went,
                # or why it was not mailed.
                waiting = old["type"] == "message" and old["kind"] == "outbound"
                if waiting and old["mailed_at"] is None and not old["mail_suppressed"]:
                    for key in ("mailed_at", "mail_suppressed", "email_message_id"):
                        old.pop(key), new.pop(key)
                self.assertEqual(old, new)

    @staticmethod
    def identity(line: dict) -> tuple:
        kind = line["type"]
        if kind == "organization":
            return (kind, line["name"])
        if kind == "contact":
            return (kind, line["email"])
        if kind == "ticket":
            return (kind, line["ticket"])
        if kind == "message":
            return (kind, *message_key(line))
        if kind == "attachment":
            return (kind, line["ticket"], line["message"], line["name"])
        return (kind, line["ticket"], line["kind"], line["created_at"])

    def assert_each_write_once(self, after, ledger: Ledger, spool: Path, ingested) -> None:
        texts = Counter()
        mids = Counter()
        for line in after:
            if line["type"] == "message":
                mids[line["email_message_id"]] += line["kind"] == "inbound"
                for tag in set(re.findall(r"(?:api|reply|portal|mail)-[0-9a-f]{12}", line["text"])):
                    texts[(tag, line["kind"])] += 1
            if line["type"] == "ticket":
                for tag in set(re.findall(r"api-[0-9a-f]{12}", line["subject"])):
                    texts[(tag, "ticket")] += 1
        expected_kind = {
            "api-ticket": "ticket",
            "api-reply": "outbound",
            "portal-reply": "inbound",
        }
        for tag, kind in ledger.sure.items():
            if kind == "smtp":
                self.assertEqual(mids[tag], 1, f"mail {tag} stored {mids[tag]} times")
            else:
                found = texts[(tag, expected_kind[kind])]
                self.assertEqual(found, 1, f"{kind} {tag} written {found} times")
        for tag, kind in ledger.unsure.items():
            found = texts[(tag, expected_kind.get(kind, "inbound"))]
            self.assertLessEqual(found, 1, f"{kind} {tag} (unanswered) written {found} times")
        kinds = Counter(ledger.sure.values())
        for kind in ("api-ticket", "api-reply", "portal-reply", "smtp"):
            self.assertGreater(kinds[kind], 0, f"no {kind} went through: {kinds}")
        # Every mail file once, whichever run read it.
        for path in sorted(spool.glob("*/*.eml")):
            tag = path.stem
            self.assertEqual(texts[(tag, "inbound")], 1, f"file {path.name}")
        self.assertTrue(ingested, "the first ingest reported nothing")
        # Every file sent arrived whole (the checksums of the export, from the stored bytes).
        stored = Counter(line["sha256"] for line in after if line["type"] == "attachment")
        for digest, tag in ledger.files.items():
            self.assertGreaterEqual(stored[digest], 1, f"the file of {tag} is missing")
        on_disk = {
            hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.bed.attachments.rglob("*")
            if path.is_file()
        }
        self.assertLessEqual(set(stored), on_disk, "an attachment's file is not on the shared disk")

    def assert_repeated_files_recognised(self, report, files: int) -> None:
        outcomes = Counter(row["outcome"] for row in report)
        self.assertEqual(sum(outcomes.values()), 2 * files, outcomes)
        self.assertGreaterEqual(outcomes["duplicate"], files, outcomes)

    def assert_mail_sent_once(self, after, *, worker_port: int, killed_at: float) -> None:
        """Every mailed message reached a mail server; a second copy only from the killed
        worker, as the last thing it sent before it died (no mail system can rule that one
        out: the message had arrived, the worker died before it could record so)."""
        received = Counter(r.message_id for r in self.bed.received)
        mailed = {
            line["email_message_id"]
            for line in after
            if line["type"] == "message" and line["kind"] == "outbound" and line["mailed_at"]
        }
        missing = mailed - set(received)
        self.assertEqual(missing, set(), "recorded as mailed, never received")
        for mid, copies in received.items():
            if copies == 1:
                continue
            sent = [r for r in self.bed.received if r.message_id == mid]
            first = sent[0]
            from_killed = [r for r in self.bed.received if r.port == worker_port]
            self.assertEqual(first.port, worker_port, f"{mid} sent {copies} times by live workers")
            self.assertIs(from_killed[-1], first, f"{mid}: its first copy was not the last sent")
            self.assertLessEqual(first.at, killed_at + 0.1)
            self.assertEqual(copies, 2, mid)

    def assert_backup_unit_works(self, after) -> None:
        """The nightly backup as its unit runs it: an archive named by the time, holding
        every attachment the export lists; older archives removed, newer ones kept."""
        unit = unit_read(UNITS / "kizuna-backup.service")
        backups = self.root / "backups"
        backups.mkdir()
        old, recent = backups / "kizuna-20200101T030000Z.tar", backups / "kizuna-keep.tar"
        for path in (old, recent):
            path.write_bytes(b"an older archive")
        os.utime(old, (time.time() - 20 * 86400,) * 2)
        env = {**self.bed.settings(), "TZ": "UTC"}
        for key in ("ExecStart", "ExecStartPost"):
            argv = unit_command(unit, key=key, paths={"/var/backups/kizuna": str(backups)})
            done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            self.assertEqual(done.returncode, 0, f"{key}: {done.stderr[-2000:]}")
        made = sorted(backups.glob("kizuna-2*Z.tar"))
        self.assertEqual(len(made), 1, made)
        self.assertRegex(made[0].name, r"^kizuna-\d{8}T\d{6}Z\.tar$")
        self.assertFalse(old.exists(), "an archive older than 14 days was kept")
        self.assertTrue(recent.exists())
        with tarfile.open(made[0]) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))
        stored = {line["sha256"] for line in after if line["type"] == "attachment"}
        # A file written by a request the kill cut short is on disk with no row: kept too.
        self.assertLessEqual(stored, {f["sha256"] for f in manifest["attachments"]})

    def assert_breaches_recorded_once(self, after, references: list[str]) -> None:
        breaches = Counter(
            line["ticket"] for line in after if line["type"] == "event" and line["kind"] == "breach"
        )
        for reference in references:
            self.assertEqual(breaches[reference], 1, f"{reference}: {breaches[reference]} breaches")
        notified = self.bed.query(
            "SELECT COUNT(*), COUNT(DISTINCT (recipient_id, kind, ticket_id)) FROM notifications_notification"
            " WHERE kind = 'breach'"
        )[0]
        self.assertGreater(notified[0], 0, "nobody was told of the missed times")
        self.assertEqual(notified[0], notified[1], "someone was told twice")


class DeployFilesTests(SimpleTestCase):
    """The shipped files themselves: what the scale-out test cannot run, it reads."""

    def test_the_systemd_units_pass_systemd_analyze_verify(self):
        tool = shutil.which("systemd-analyze")
        self.assertIsNotNone(tool, "systemd-analyze is missing; scripts/test.sh installs systemd")
        with tempfile.TemporaryDirectory() as directory:
            names = []
            for path in sorted(UNITS.iterdir()):
                if path.suffix not in (".service", ".timer", ".target"):
                    continue
                name = path.name.replace("@.", "@1.")
                shutil.copy(path, Path(directory) / name)
                names.append(name)
            done = subprocess.run(
                [tool, "verify", "--man=no", *names],
                cwd=directory,
                capture_output=True,
                text=True,
                check=False,
            )
        # The program is not installed at the shipped path on a test machine.
        problems = [
            line
            for line in (done.stdout + done.stderr).splitlines()
            if line.strip() and "Command /opt/kizuna/venv/bin/kizuna is not executable" not in line
        ]
        self.assertEqual(problems, [])
        self.assertGreaterEqual(len(names), 6)

    def test_every_unit_runs_a_kizuna_command_with_the_shared_settings(self):
        commands = {
            "kizuna-web@.service": "serve",
            "kizuna-worker@.service": "worker",
            "kizuna-smtpd.service": "smtpd",
        }
        for name, command in commands.items():
            unit = unit_read(UNITS / name)
            self.assertEqual(unit.value("Service", "EnvironmentFile"), "/etc/kizuna/kizuna.env")
            self.assertEqual(unit.value("Service", "User"), "kizuna")
            argv = unit_command(unit, instance="8001")
            self.assertEqual(argv[3], command, argv)
            done = subprocess.run(
                [*argv[:4], "--help"], capture_output=True, text=True, check=False
            )
            self.assertEqual(done.returncode, 0, done.stderr)
        backup = unit_command(unit_read(UNITS / "kizuna-backup.service"))
        self.assertIn("backup --out /var/backups/kizuna/kizuna-", backup[2])

    def test_the_example_settings_pass_the_deployment_check(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
        env.update(environment_file(UNITS / "kizuna.env"))
        with tempfile.TemporaryDirectory() as home:
            env.update(
                KIZUNA_HOME=home,
                KIZUNA_DATABASE_URL="",
                KIZUNA_ATTACHMENTS_DIR=home,
                KIZUNA_SECRET_KEY="a-long-random-key-" + "q" * 50,
            )
            done = subprocess.run(
                [*unit_command(unit_read(UNITS / "kizuna-web@.service"))[:3], "check", "--deploy"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("no issues", done.stdout)

    def test_the_nginx_site_passes_nginx_t(self):
        self.assertTrue(
            Path("/usr/sbin/nginx").exists(), "nginx is missing; scripts/test.sh installs it"
        )
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            bed = Deployment(root, "postgres://unused/unused", webs=3)
            (root / "tls").mkdir()
            (root / "nginx").mkdir()
            bed.certificate, bed.key = certificate_make(root / "tls")
            bed.nginx_configure()  # raises with nginx's complaint if `nginx -t` fails
            site = (root / "nginx" / "site.conf").read_text()
        for port in bed.web_ports:
            self.assertIn(f"server 127.0.0.1:{port} max_fails=3", site)
        self.assertIn(f"listen 127.0.0.1:{bed.https_port} ssl http2;", site)
        shipped = SITE.read_text()
        for directive in (
            "proxy_set_header X-Forwarded-Proto https;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header Host $host;",
            "client_max_body_size 31m;",
        ):
            self.assertIn(directive, shipped)
            self.assertIn(directive, site)
