#!/usr/bin/env python3
"""Mail ingest: `kizuna ingest` on a generated Maildir of mixed messages.

The Maildir holds 2,000 messages by default: Japanese (UTF-8, ISO-2022-JP, Shift_JIS) and
English, 20% replies (a quarter of whose originals carry a later Date than the reply, so the
reply is processed first), 10% with attachments, 5% auto-replies. Each run ingests it into a
fresh database and prints messages/s, the outcome counts, and every outcome that differs from
what the generator intended. Targets (issue 15): at least 800 messages/s on SQLite and 300 on
PostgreSQL.

    python bench/ingest.py                                  # SQLite in a temporary KIZUNA_HOME
    python bench/ingest.py --database-url postgres://postgres@127.0.0.1:5432/kizuna_bench
    python bench/ingest.py --instructions --no-worker        # a count that does not drift

With --database-url the named database is dropped and created afresh.
"""

from __future__ import annotations

import os
import sys

# Scripts in bench/ (queue.py among them) would shadow standard modules of the same name.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from email.utils import format_datetime, formataddr  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

ORGANIZATIONS = 20
JA_SUBJECTS = [
    "メールが送信できない",
    "サーバーが応答しません",
    "①番の機器が故障",
    "㈱髙橋商事の契約について",
    "VPNに接続できない",
    "バックアップの失敗",
]
EN_SUBJECTS = [
    "Cannot send mail",
    "Server not responding",
    "VPN drops every hour",
    "Backup failed last night",
    "Certificate renewal",
    "Slow database",
]
JA_BODY = (
    "いつもお世話になっております。\n今朝9時ごろから{topic}。\n"
    "ログは C:\\Users\\yamada\\new_folder にあります。①から③まで確認しました。\n"
    "よろしくお願いいたします。\n"
)
EN_BODY = (
    "Hello,\n\nSince 9 this morning: {topic}. The log is in C:\\Users\\smith\\logs.\n"
    "We tried restarting twice.\n\nBest regards\n"
)
SETUP = """
from kizuna.tickets.models import EmailDomain, Organization
for i in range({n}):
    org = Organization.objects.create(name=f"Customer {{i}}")
    EmailDomain.objects.create(organization=org, domain=f"c{{i}}.example.jp")
"""


def generate(root: Path, total: int, seed: int) -> dict[str, str]:
    """Write the Maildir; return the intended outcome of every message by Message-ID."""
    rng = random.Random(seed)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    base = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    messages = []  # (date, message-id, thread root id or None, kind, EmailMessage)
    roots = []
    for i in range(total):
        roll = rng.random()
        org = rng.randrange(ORGANIZATIONS)
        person = rng.randrange(5)
        ja = rng.random() < 0.5
        sender = f"user{person}@c{org}.example.jp"
        name = f"山田 {person}郎" if ja else f"User {person}"
        date = base + timedelta(minutes=3 * i)
        mid = f"<bench.{i}.{seed}@c{org}.example.jp>"
        msg = EmailMessage()
        msg["Message-ID"] = mid
        msg["To"] = "support@kizuna.example"
        kind, parent = "new", None
        if roll < 0.05:
            kind = "auto"
            msg["Auto-Submitted"] = "auto-replied"
            subject = "自動応答: 不在のお知らせ" if ja else "Out of office"
            body = "ただいま不在です。" if ja else "I am out of the office."
        elif roll < 0.25 and roots:
            kind = "reply"
            parent = rng.choice(roots[-200:])
            sender, name, subject, ja = (
                parent["sender"],
                parent["name"],
                "Re: " + parent["subject"],
                parent["ja"],
            )
            msg["In-Reply-To"] = parent["id"]
            msg["References"] = parent["id"]
            body = (
                "追加の情報です。再起動しても改善しません。\n"
                if ja
                else "More information: restarting did not help.\n"
            )
            body += "\n> " + parent["subject"] + "\n"
            # A quarter of the originals claim a later time than their reply: the reply comes first.
            if parent["skewable"] and rng.random() < 0.25:
                parent["skewable"] = False
                parent["date"] = date + timedelta(minutes=1)
                parent["msg"].replace_header("Date", format_datetime(parent["date"]))
        else:
            subject = rng.choice(JA_SUBJECTS if ja else EN_SUBJECTS)
            body = (JA_BODY if ja else EN_BODY).format(topic=subject)
        msg["From"] = formataddr((name, sender))
        msg["Subject"] = subject
        msg["Date"] = format_datetime(date)
        charset = "utf-8"
        if ja and kind != "auto":
            charset = rng.choice(["utf-8", "utf-8", "iso-2022-jp", "shift_jis"])
        if charset == "iso-2022-jp":
            # Plain JIS has no circled digits or ㈱: those become "?" as in many old clients.
            data = body.encode("iso2022_jp", errors="replace")
            msg.set_content(data, maintype="text", subtype="plain", cte="7bit")
            msg.replace_header("Content-Type", 'text/plain; charset="ISO-2022-JP"')
        elif charset == "shift_jis":
            msg.set_content(body.encode("cp932"), maintype="text", subtype="plain", cte="base64")
            msg.replace_header("Content-Type", 'text/plain; charset="Shift_JIS"')
        else:
            msg.set_content(body)
        if kind != "auto" and rng.random() < 0.10:
            log = (
                ("エラー: 接続がタイムアウトしました\n" * 40).encode()
                if ja
                else b"error: timeout\n" * 60
            )
            msg.add_attachment(
                log, maintype="text", subtype="plain", filename="ログ.txt" if ja else "log.txt"
            )
            msg.add_attachment(
                rng.randbytes(rng.randrange(2000, 20000)),
                maintype="application",
                subtype="octet-stream",
                filename="dump.bin",
            )
        entry = {
            "id": mid,
            "date": date,
            "kind": kind,
            "msg": msg,
            "sender": sender,
            "name": name,
            "subject": subject,
            "ja": ja,
            "skewable": True,
            "root": parent["id"] if parent else mid,
        }
        messages.append(entry)
        if kind == "new":
            roots.append(entry)
    for n, entry in enumerate(messages):
        (root / "new" / f"{1700000000 + n}.M{n}P1.bench").write_bytes(bytes(entry["msg"]))
    # Oldest first, as kizuna ingest processes them: the first of a thread opens its ticket.
    expected, opened = {}, set()
    for entry in sorted(messages, key=lambda e: e["date"]):
        if entry["kind"] == "auto":
            expected[entry["id"]] = "ignored"
        elif entry["root"] in opened:
            expected[entry["id"]] = "appended"
        else:
            opened.add(entry["root"])
            expected[entry["id"]] = "created"
    return expected


def fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(args, maildir: Path, expected: dict[str, str], label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="kizuna-bench-ingest-") as home:
        measure(args, maildir, expected, label, home)


def measure(args, maildir: Path, expected: dict[str, str], label: str, home: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
    env.update(
        KIZUNA_HOME=home,
        KIZUNA_HTTPS="0",
        KIZUNA_SECRET_KEY="bench-only-" + "x" * 40,
        DJANGO_SETTINGS_MODULE="kizuna.settings",
        KIZUNA_LOG_LEVEL="WARNING",
    )
    if args.database_url:
        fresh_postgres(args.database_url)
        env["KIZUNA_DATABASE_URL"] = args.database_url
    kizuna = [sys.executable, "-m", "kizuna"]
    subprocess.run([*kizuna, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run(
        [*kizuna, "shell", "--verbosity", "0", "-c", SETUP.format(n=ORGANIZATIONS)],
        env=env,
        check=True,
    )
    command = [*kizuna, "ingest", "--json", str(maildir), *args.ingest_args]
    counted = None
    if args.instructions:
        # Instructions, not seconds: the same count run after run, whatever else the machine
        # is doing (a wall figure on a shared machine can swing by a third). Only the writing
        # process is counted: the parsing process it starts runs uninstrumented.
        counted = Path(home) / "callgrind.out"
        env["PYTHONHASHSEED"] = "0"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={counted}",
            "--trace-children=no",
            *command,
        ]
    if args.profile:
        command = [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            args.profile,
            "-m",
            "kizuna",
            "ingest",
            "--json",
            str(maildir),
        ]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"kizuna ingest failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    counts = Counter(r["outcome"] for r in results)
    mismatches = [
        (r["message_id"], expected.get(r["message_id"]), r["outcome"], r["reason"])
        for r in results
        if expected.get(r["message_id"]) != r["outcome"]
    ]
    missing = set(expected) - {r["message_id"] for r in results}
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("==")]
    summary = lines[-1] if lines else ""
    print(
        f"{label}: {len(results)} messages in {elapsed:.2f} s wall "
        f"(process start included) = {len(results) / elapsed:.0f} messages/s"
    )
    print(f"  command's own figure: {summary}")
    if counted is not None:
        print(f"  instructions of the writing process: {_instructions(done.stderr):,}")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        "  intended: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(expected.values()).items()))
    )
    print(f"  mismatches: {len(mismatches)}, missing: {len(missing)}")
    for mismatch in mismatches[:20]:
        print("   ", mismatch)
    if not args.no_worker:
        drain(kizuna, env)


def _instructions(stderr: str) -> int:
    """The total callgrind reports ("Collected : N")."""
    for line in stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    sys.exit(f"valgrind reported no instruction count:\n{stderr[-2000:]}")


# What the batch handed to the worker, once it has run: every customer message read for its
# mood, every request for its facts, every customer message in the search index.
CHECK = """
from kizuna.intake.models import IntakeFacts
from kizuna.mood.models import MessageMood
from kizuna.search.models import SearchDocument
from kizuna.tickets.models import Message, Ticket
inbound = Message.objects.filter(kind="inbound")
print(inbound.count(), MessageMood.objects.count(), Ticket.objects.count(),
      IntakeFacts.objects.count(),
      SearchDocument.objects.filter(message__in=inbound).count(),
      SearchDocument.objects.filter(message=None).count())
"""


def drain(kizuna: list[str], env: dict) -> None:
    """Run one worker over what the ingest queued (mood, facts, search documents, the
    acknowledgements' delivery, which the outbox file backend takes) and check it is all done."""
    started = time.perf_counter()
    subprocess.run(
        [*kizuna, "worker", "--batch", "--interval", "0"], env=env, check=True, capture_output=True
    )
    elapsed = time.perf_counter() - started
    shown = subprocess.run(
        [*kizuna, "shell", "--verbosity", "0", "-c", CHECK],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    inbound, moods, tickets, facts, indexed, ticket_docs = map(int, shown)
    complete = moods == inbound == indexed and facts == tickets == ticket_docs
    print(
        f"  worker: the queued reading and mail done in {elapsed:.2f} s (process start "
        f"included); {moods}/{inbound} messages read for mood, {facts}/{tickets} requests for "
        f"facts, {indexed}/{inbound} messages and {ticket_docs}/{tickets} tickets indexed"
        + ("" if complete else "  INCOMPLETE")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--database-url", default="", help="PostgreSQL (recreated); default SQLite")
    parser.add_argument("--profile", default="", help="write a cProfile of the ingest to this file")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count the writing process's instructions under valgrind (about 50 times slower; "
        "the same figure run after run)",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run a worker afterwards over the queued reading of the messages",
    )
    parser.add_argument("ingest_args", nargs="*", help="passed on to kizuna ingest (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kizuna-bench-maildir-") as tmp:
        maildir = Path(tmp) / "Maildir"
        expected = generate(maildir, args.messages, args.seed)
        label = "PostgreSQL" if args.database_url else "SQLite"
        run(args, maildir, expected, label)


if __name__ == "__main__":
    main()
