"""Mail for `kizuna demo`: a few messages as customers' mail clients send them, run through
the real ingest pipeline, so the demo shows email tickets, quoted text folded away, an HTML
mail, a sender no organization knows (held for an agent) and an auto-reply (ignored)."""

from __future__ import annotations

import base64
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.utils import timezone

from kizuna.mail.ingest import ingest_raw
from kizuna.mail.outbound import encode_iso2022jp
from kizuna.tickets.models import Ticket, parse_reference

SUPPORT = "support@kizuna.example"


def _mail(sender: tuple[str, str], subject: str, mid: str, minutes_ago: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = SUPPORT
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{mid}>"
    msg["Date"] = format_datetime(timezone.now() - timedelta(minutes=minutes_ago))
    return msg


def _html_request() -> bytes:
    msg = _mail(
        ("Raj Patel", "raj.patel@harbourline.example.com"),
        "VPN drops every 20 minutes since the firmware update",
        "demo.vpn.1@harbourline.example.com",
        40,
    )
    msg.set_content(
        "Hi,\n\nSince last night's firmware update (FortiOS 7.4.3) our site-to-site VPN to the "
        "Osaka office drops every 20 minutes and takes about a minute to come back. "
        "Phase 1 renegotiates fine; phase 2 times out.\n\nImpact: 12 people in Osaka lose "
        "the file server and the ERP each time.\nWe already tried: rebooting both gateways.\n\n"
        "Best regards,\nRaj\n-- \nRaj Patel | Head of IT | Harbourline Trading Ltd\n"
    )
    msg.add_alternative(
        "<p>Hi,</p><p>Since last night's firmware update (<b>FortiOS 7.4.3</b>) our "
        "site-to-site VPN to the Osaka office <b>drops every 20 minutes</b> and takes about a "
        "minute to come back. Phase 1 renegotiates fine; phase 2 times out.</p>"
        "<ul><li>Impact: 12 people in Osaka lose the file server and the ERP each time.</li>"
        "<li>We already tried: rebooting both gateways.</li></ul>"
        "<p>Best regards,<br>Raj</p><p style='color:gray'>Raj Patel | Head of IT</p>",
        subtype="html",
    )
    return bytes(msg)


def _legacy_request() -> bytes:
    """ISO-2022-JP with vendor characters, written by hand as an older Japanese mail client
    writes it (7bit, encoded words in JIS)."""
    subject = "①番の複合機から㈱本社へスキャンが届きません"
    name = "高橋 健太"
    body = (
        "お世話になっております。丸高精工の高橋です。\n\n"
        "本日10時ごろから、2階の①番の複合機でスキャンしたPDFが、㈱本社の共有フォルダー "
        "\\\\fs01\\scan に届かなくなりました。\n"
        "影響: 総務部の5名が請求書を取り込めません。今日中に復旧できると助かります。\n"
        "試したこと: 複合機の再起動。\n\n"
        "--\n株式会社丸高精工 情報システム担当\n高橋 健太\n"
    )

    def word(text: str) -> str:
        return f"=?ISO-2022-JP?B?{base64.b64encode(encode_iso2022jp(text)).decode()}?="

    sent = format_datetime(timezone.now() - timedelta(minutes=25))
    head = (
        f"From: {word(name)} <takahashi@marutaka-seiko.example.jp>\r\n"
        f"To: {SUPPORT}\r\n"
        f"Subject: {word(subject[:11])}\r\n {word(subject[11:])}\r\n"
        "Message-ID: <demo.scan.1@marutaka-seiko.example.jp>\r\n"
        f"Date: {sent}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="ISO-2022-JP"\r\n'
        "Content-Transfer-Encoding: 7bit\r\n\r\n"
    )
    lines = [encode_iso2022jp(line) for line in body.splitlines()]
    return head.encode("ascii") + b"\r\n".join(lines) + b"\r\n"


def _unknown_sender() -> bytes:
    msg = _mail(
        ("小林 美穂", "kobayashi@sakura-design.example.jp"),
        "ホスティングのお見積もりについて",
        "demo.quote.1@sakura-design.example.jp",
        15,
    )
    msg.set_content(
        "はじめてご連絡いたします。さくらデザインの小林です。\n"
        "社内のファイルサーバーをクラウドへ移したく、お見積もりをお願いできますでしょうか。\n"
    )
    return bytes(msg)


def _auto_reply() -> bytes:
    msg = _mail(
        ("Emma Clarke", "emma.clarke@harbourline.example.com"),
        "Automatic reply: [KZ-000001] Printer on the second floor",
        "demo.oof.1@harbourline.example.com",
        5,
    )
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("I am out of the office until Monday and will reply when I am back.\n")
    return bytes(msg)


def seed_mail() -> list[Ticket]:
    """Ingest the demo mail; the tickets it opened."""
    results = [
        ingest_raw(raw, source=f"demo:{name}")
        for name, raw in (
            ("html-request.eml", _html_request()),
            ("iso-2022-jp-request.eml", _legacy_request()),
            ("unknown-sender.eml", _unknown_sender()),
            ("auto-reply.eml", _auto_reply()),
        )
    ]
    ids = [parse_reference(r.ticket) for r in results if r.outcome == "created" and r.ticket]
    return list(Ticket.objects.filter(pk__in=ids))
