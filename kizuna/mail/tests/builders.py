"""Raw mail for the pipeline's tests, built with the standard library as a mail client would."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

_counter = itertools.count(1)
_BASE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def make_mail(
    *,
    sender: str = "taro@yamada.example.jp",
    name: str = "山田 太郎",
    to: str = "support@kizuna.example",
    subject: str = "メールが送信できない",
    body: str = "今朝9時ごろから、社内の全員がメールを送信できません。",
    message_id: str | None = "auto",
    in_reply_to: str = "",
    references: str = "",
    date: datetime | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    charset: str = "utf-8",
) -> bytes:
    """One message as bytes; `message_id="auto"` gives a fresh unique id, None none at all."""
    n = next(_counter)
    msg = EmailMessage()
    msg["From"] = formataddr((name, sender)) if name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or _BASE + timedelta(minutes=n))
    if message_id == "auto":
        message_id = f"<test.{n}.{id(msg)}@mail.example>"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body, charset=charset)
    for filename, ctype, data in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def reply_to(original, *, sender: str, body: str, name: str = "", subject: str = "") -> bytes:
    """A reply to a parsed or captured message (anything with headers), as clients write it."""
    mid = original["Message-ID"]
    refs = " ".join(filter(None, [str(original.get("References", "") or ""), mid]))
    return make_mail(
        sender=sender,
        name=name,
        subject=subject or f"Re: {original['Subject']}",
        body=body,
        in_reply_to=mid,
        references=refs,
    )


def make_bounce(
    *,
    returned_id: str,
    returned_subject: str,
    message_id: str,
    text: str,
    recipient: str,
    status: str,
) -> bytes:
    """A delivery status report (RFC 3464) from a mail server, quoting the headers of the
    message it could not deliver (`returned_id`, `returned_subject`)."""
    return (
        "From: MAILER-DAEMON@mx.yamada.example.jp\r\n"
        "To: support@kizuna.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {message_id}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.yamada.example.jp\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {returned_id}\r\nSubject: {returned_subject}\r\n"
        "--b--\r\n"
    ).encode()


def kizuna_env(home: str, **extra: str) -> dict[str, str]:
    """The environment of a `kizuna` subprocess with its own installation in `home`: none of
    this process's Kizuna or Django settings leak into it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kizuna.settings",
        KIZUNA_HOME=home,
        KIZUNA_HTTPS="0",
        KIZUNA_SECRET_KEY="test-only-" + "x" * 40,
        KIZUNA_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def run_kizuna(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """`kizuna ARGS` as a user runs it, in the installation `env` names (see kizuna_env)."""
    return subprocess.run(
        [sys.executable, "-m", "kizuna", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
