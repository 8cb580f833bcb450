"""The customer's own words in a first request.

Quoted earlier mail, a signature or a "Sent from my iPhone" line tell us nothing about the
customer's situation (a signature's phone number is not their environment, the "urgent" in a
quoted notice is not their urgency). They are blanked with spaces rather than cut out, so
every offset into the result is an offset into the original text.
"""

from __future__ import annotations

import re

from kizuna.mail.quoting import split_quoted

_QUOTED = re.compile(r"^\s*[>＞|]")
_ATTRIBUTION = re.compile(
    r"^\s*On\s.{3,300}\swrote:\s*$|^.{0,200}(?:さん|様)?(?:は|が)書きました\s*[:：]\s*$", re.I
)
# A closing line after which only a name and contact details follow.
_CLOSING = re.compile(
    r"^\s*+(?:(?:best|kind|warm|warmest|many thanks and|with)\s+)?regards\s*+[,.!]?\s*+$"
    r"|^\s*+(?:thanks(?:\s+(?:a lot|again|in advance))?|thank you(?:\s+(?:very much|in advance|"
    r"for your help))?|many thanks|cheers|sincerely|yours\s+(?:sincerely|faithfully|truly)"
    r"|best(?:\s+wishes)?|all the best|respectfully)\s*+[,.!]?\s*+$"
    r"|^\s*+(?:以上[、,，]?\s*+)?(?:何卒|なにとぞ|どうぞ|引き続き)?\s*+(?:よろしく|宜しく)"
    r"(?:お願い|おねがい)(?:いたし|致し|申し上げ|し)?(?:ます|ございます)?[。．.!！]*+\s*+$"
    r"|^\s*+以上(?:です|となります|になります)?[。．.]?\s*+$",
    re.I,
)
_POSTSCRIPT = re.compile(r"^\s*(?:P\.?S\.?|追伸|なお)", re.I)
# "Sent from my iPhone", "iPhoneから送信": the mail program's footer, not the environment.
_DEVICE_FOOTER = re.compile(
    r"^\s*(?:Sent from (?:my|Mail for|Outlook for) .{1,40}|Get Outlook for .{1,40}"
    r"|.{1,30}から送信(?:しました)?)\s*$",
    re.I,
)
_CONTACT = re.compile(
    r"(?:TEL|Tel|tel|Phone|phone|Mobile|mobile|FAX|Fax|fax|電話|携帯|直通)\s*+(?:番号)?\s*+[:：.]?\s*+[+(（0-9０-９]"
    r"|〒\s?[0-9０-９]|[\w.+-]+@[\w-]+\.[\w.]+|https?://|\bwww\.|株式会社|有限会社|合同会社|㈱"
    r"|\b(?:Inc|Ltd|LLC|GmbH|Co)\b\.?|\+\d{1,3}[\s-]\d"
)
_SIGNATURE_LINE = 80  # signature lines are short
_SIGNATURE_LINES = 10


def _blank(s: str) -> str:
    return re.sub(r"[^\r\n]", " ", s)


def own_words(text: str) -> str:
    """`text` with quoted mail, signatures and device footers replaced by spaces (line ends
    kept): the result has exactly the length and offsets of `text`."""
    new, folded = split_quoted(text)
    lines = new.splitlines(keepends=True)
    masked = [False] * len(lines)
    for i, line in enumerate(lines):
        if _QUOTED.match(line) or _ATTRIBUTION.match(line) or _DEVICE_FOOTER.match(line):
            masked[i] = True
    _mask_signature(lines, masked)
    out = [_blank(line) if m else line for line, m in zip(lines, masked, strict=True)]
    return "".join(out) + _blank(folded)


def _mask_signature(lines: list[str], masked: list[bool]) -> None:
    """A signature after a closing line ("Best regards,", "よろしくお願いいたします。"), or a
    last block of short lines with contact details and no closing line before it."""
    body = [i for i, line in enumerate(lines) if line.strip() and not masked[i]]
    if not body:
        return
    for i in reversed(body):
        if _CLOSING.match(lines[i]):
            tail = [j for j in body if j > i]
            if len(tail) <= _SIGNATURE_LINES and all(_signature_like(lines[j]) for j in tail):
                for j in tail:
                    masked[j] = True
                return
            break
    # No closing line: the last paragraph, when it reads like contact details.
    last = body[-1]
    start = last
    while start > 0 and lines[start - 1].strip():
        start -= 1
    block = [j for j in range(start, last + 1) if not masked[j]]
    if (
        start > 0
        and 2 <= len(block) <= _SIGNATURE_LINES
        and all(_signature_like(lines[j]) for j in block)
        and sum(bool(_CONTACT.search(lines[j])) for j in block) * 2 >= len(block)
    ):
        for j in block:
            masked[j] = True


def _signature_like(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= _SIGNATURE_LINE and not _POSTSCRIPT.match(stripped)
