"""Recognising mail that no person wrote: auto-replies, bounces, lists and other noise.

See docs/email.md ("Loops and noise"). Pure functions over a parsed message; they read raw
header values and never raise. A message flagged here is recorded but never acknowledged, which
is what keeps two auto-responders from mailing each other for ever.
"""

from __future__ import annotations

import re
from email.message import Message

# Local parts of the addresses mail servers send their notices from.
_DAEMON_RE = re.compile(
    r"(?:^|[<\s\"',;(])(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|mdaemon)(?:@|>|\s*$|\s*[,;(])",
    re.IGNORECASE,
)
# Addresses list managers send from: the programs themselves (Mailman, Majordomo, ezmlm,
# LISTSERV, …) and their per-list owner, request and bounce addresses, also with VERP
# suffixes ("list-bounces+user=example.jp@…", "list-return-42-user=…@…").
_LIST_MANAGER_RE = re.compile(
    r"(?:^|[<\s\"',;(])(?:"
    r"(?:majordomo|listserv|listproc|mailman|ezmlm|smartlist|sympa|lyris|fml|mlmmj)"
    r"|owner-[^@\s<>]+"
    r"|[^@\s<>\"']+-(?:owner|request|bounces?|confirm|admin-request)(?:\+[^@\s<>]*)?"
    r"|[^@\s<>\"']+-return-\d+-[^@\s<>]*"
    r")@",
    re.IGNORECASE,
)
# Headers only list managers write: the RFC 2369/2919 set and the de facto ones of Mailman,
# ezmlm, SmartList, LISTSERV and fml.
_LIST_HEADERS = frozenset(
    {
        "mailing-list", "x-mailing-list", "x-beenthere", "x-list", "x-listname",
        "x-listserver", "x-list-administrivia", "x-ml-name", "x-ml-count", "x-ml-info",
        "x-mail-count", "x-listprocessor-version", "x-original-list",
    }
)  # fmt: skip
_LIST_PREFIXES = ("list-", "x-mailman-", "x-ezmlm-", "x-listserv", "x-list-", "x-ml-")
_SUPPRESS_VALUES = {"all", "oof", "autoreply", "dr", "ndr"}
_PRECEDENCE_NOISE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}

# Out-of-office subjects are a second opinion, used when a responder sets no header. Only
# prefixes an auto-responder writes: a customer asking about "不在時の転送" must not match.
_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(?:"
    r"(?:automatic reply|auto(?:matic)?[ -]?reply|autoreply|auto-response|auto response"
    r"|out of (?:the )?office(?: reply| autoreply)?|abwesenheitsnotiz|r[ée]ponse automatique"
    r"|auto|自動応答|自動返信|自動送信|不在(?:通知)?)\s*[:：]"
    r"|[\[【［]\s*(?:auto-?reply|out of office|自動応答|自動返信|不在(?:通知)?)\s*[\]】］]"
    r"|out of (?:the )?office\b(?! hours)"
    r"|不在通知|不在のお知らせ|自動返信メール|自動応答メッセージ|自動返信です"
    r")",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|mail delivery failed|delivery status notification"
    r"|returned mail|delivery failure|delivery (?:has )?failed|failure notice|mail system error"
    r"|non[- ]?deliver(?:able|y)|message not delivered|could not send message"
    r"|delivery notification: delivery has failed"
    r"|配信不能|配送エラー|配信エラー|送信エラー|配送失敗|配信失敗|未配達)",
    re.IGNORECASE,
)
# Subjects that name a failure only loosely ("Error: …" is also how customers report one):
# a bounce only together with a failed-delivery text and the returned original's headers.
_WEAK_BOUNCE_SUBJECT_RE = re.compile(r"^\s*(?:error|warning|failed|returned)\b", re.IGNORECASE)
_FAILURE_TEXT_RE = re.compile(
    r"could ?n[o']t be delivered|was not delivered|(?:could|was) not (?:be )?(?:sent|deliver)"
    r"|delivery to the following recipients? (?:has )?failed|permanent (?:fatal )?errors?"
    r"|undeliverable to|user unknown|no such (?:user|mailbox)|mailbox unavailable"
    r"|recipient address rejected|failed to deliver|delivery has failed|unable to deliver"
    r"|wasn't able to deliver|returned to (?:the )?sender"
    r"|配信できませんでした|配送できませんでした|届けることができませんでした|宛先不明",
    re.IGNORECASE,
)
_QUOTED_HEADERS_RE = re.compile(r"^\s*(?:Message-ID|Received|Return-Path):", re.I | re.M)


def _headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    try:
        items = msg.raw_items()
    except Exception:  # noqa: BLE001 - a message object without headers reads as a person's
        return found
    for name, value in items:
        found.setdefault(name.lower(), []).append(str(value).strip())
    return found


def _first_token(value: str) -> str:
    return re.split(r"[;\s(]", value.strip(), maxsplit=1)[0].strip().lower()


def classify(
    msg: Message, *, subject: str = "", from_address: str = "", text: str = ""
) -> tuple[str, bool]:
    """Return (auto_reason, is_bounce) for ``msg``: ("", False) for mail a person wrote.

    ``subject`` is the decoded subject, ``from_address`` the sender's address and ``text``
    the body text, as parsed elsewhere; they are secondary signals next to the headers.
    """
    headers = _headers(msg)
    bounce = bounce_reason(
        msg, headers=headers, subject=subject, from_address=from_address, text=text
    )
    if bounce:
        return bounce, True
    return auto_reason(msg, headers=headers, subject=subject), False


def _senders(headers: dict[str, list[str]]) -> list[str]:
    """The raw From, Sender and Return-Path values: a notice's sender may be no address a
    parser accepts ("MAILER-DAEMON" without a domain)."""
    return [v for name in ("from", "sender", "return-path") for v in headers.get(name, [])]


def bounce_reason(msg: Message, *, headers: dict[str, list[str]] | None = None,
                  subject: str = "", from_address: str = "", text: str = "") -> str:  # fmt: skip
    """Why ``msg`` is a bounce or delivery/disposition report, or "" when it is not one."""
    headers = _headers(msg) if headers is None else headers
    try:
        ctype = msg.get_content_type()
    except Exception:  # noqa: BLE001
        ctype = ""
    if ctype == "multipart/report":
        raw = " ".join(headers.get("content-type", [])).lower()
        match = re.search(r"report-type\s*=\s*\"?([a-z0-9\-]+)", raw)
        report_type = match.group(1) if match else "delivery-status"
        if report_type == "disposition-notification":
            return "disposition report"
        return "delivery report"
    sender = from_address.lower()
    if _DAEMON_RE.search(sender) or any(
        _DAEMON_RE.search(v) for name in ("from", "sender") for v in headers.get(name, [])
    ):
        return "mailer-daemon"
    if "x-failed-recipients" in headers:
        return "X-Failed-Recipients"
    empty_return_path = any(v.replace(" ", "") == "<>" for v in headers.get("return-path", []))
    if subject and _BOUNCE_SUBJECT_RE.match(subject) and (empty_return_path or not sender):
        return "bounce subject"
    # A server that writes its bounces as plain mail from an ordinary address: a failure
    # subject, a text about the failed delivery and the returned original's headers.
    if (
        subject
        and (_BOUNCE_SUBJECT_RE.match(subject) or _WEAK_BOUNCE_SUBJECT_RE.match(subject))
        and _FAILURE_TEXT_RE.search(text[:20000])
        and _QUOTED_HEADERS_RE.search(text[:100000])
    ):
        return "bounce text"
    return ""


def list_reason(headers: dict[str, list[str]]) -> str:
    """Why the message comes from a mailing list or its manager (a post distributed to the
    list, or the manager's own notice: moderation, "not a member", confirmations)."""
    for name in headers:
        if name in _LIST_HEADERS or name.startswith(_LIST_PREFIXES):
            return _header_label(name)
    for value in _senders(headers):
        if _LIST_MANAGER_RE.search(value):
            return "list manager"
    return ""


def _header_label(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def auto_reason(msg: Message, *, headers: dict[str, list[str]] | None = None,
                subject: str = "") -> str:  # fmt: skip
    """Why ``msg`` was sent automatically or to many (RFC 3834 and the de facto headers)."""
    headers = _headers(msg) if headers is None else headers
    for value in headers.get("auto-submitted", []):
        token = _first_token(value)
        if token and token != "no":
            return f"Auto-Submitted: {token}"
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond"),
                        ("x-autogenerated", "X-Autogenerated"), ("x-auto-reply", "X-Autoreply"),
                        ("x-autoreply-from", "X-Autoreply"), ("x-mail-autoreply", "X-Autoreply"),
                        ("x-autorespond-from", "X-Autorespond")):  # fmt: skip
        values = headers.get(name)
        if values and any(_first_token(v) not in ("no", "false", "0") for v in values):
            return label
    for value in headers.get("x-auto-response-suppress", []):
        tokens = {t.strip().lower() for t in re.split(r"[,\s]+", value) if t.strip()}
        if tokens & _SUPPRESS_VALUES:
            return "X-Auto-Response-Suppress"
    for name in ("precedence", "x-precedence"):
        for value in headers.get(name, []):
            token = _first_token(value)
            if token in _PRECEDENCE_NOISE:
                return f"Precedence: {token}"
    for name in ("list-id", "list-unsubscribe"):
        if name in headers:
            return _header_label(name)
    reason = list_reason(headers)
    if reason:
        return reason
    if "x-loop" in headers:
        return "X-Loop"
    if any(v.replace(" ", "") == "<>" for v in headers.get("return-path", [])):
        return "Return-Path: <>"
    if subject and _AUTO_SUBJECT_RE.match(subject):
        return "out-of-office subject"
    return ""
