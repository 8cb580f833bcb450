"""Folding quoted earlier mail and signatures, so the new text of a reply stands out.

See docs/email.md ("Parsing"). ``split_quoted(text)`` returns (new, folded) with
``new + folded == text``: the fold is only a way of showing the text, nothing is removed, and it
never takes the new text (interleaved answers below a quote stay unfolded).
"""

from __future__ import annotations

import re

# "On Tue, 24 Nov 2026 at 10:00, Taro <taro@…> wrote:" (the line may be wrapped in two).
_ATTRIBUTION_RE = re.compile(
    r"^(?:On\b.{0,200}\bwrote:|.{0,120}さんは書きました[:：]|.{0,120}のメッセージ[:：]"
    r"|.{0,160}\d{4}年\d{1,2}月\d{1,2}日.{0,80}[:：]"
    r"|.{0,120}(?:wrote|a écrit|schrieb)[:：])\s*$"
)
_ORIGINAL_RE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Original message|元のメッセージ|オリジナルメッセージ"
    r"|Reply message|返信元メッセージ)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM_RE = re.compile(r"^\s*[*]?(?:From|差出人|送信者)\s*[*]?\s*[:：]")
_OUTLOOK_FIELD_RE = re.compile(
    r"^\s*[*]?(?:Sent|Date|To|Cc|Subject|送信日時|日時|宛先|件名|CC)\s*[*]?\s*[:：]", re.IGNORECASE
)
_QUOTE_RE = re.compile(r"^\s*[>＞|]")
# A signature rule: a line of one repeated drawing or punctuation character.
_RULE_RE = re.compile(r"^\s*([━─―=＝\-*＊_~～・■□◆◇◎☆★])\1{5,}\s*$")
_CONTACT_RE = re.compile(
    r"(?:TEL|Tel|tel|電話|FAX|Fax|携帯|Mobile|E-?mail|Mail|mail|〒|株式会社|㈱|有限会社|"
    r"https?://|@|Inc\.|Ltd\.|Co\.)"
)


def _is_blank(line: str) -> bool:
    return not line.strip()


def _quoted_tails(lines: list[str]) -> list[bool]:
    """tails[i]: every line from i on is quoted, blank or part of a final signature.

    Computed once from the end, so long mails with many quoted lines stay linear.
    """
    tails = [True] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if line.rstrip("\r\n") in ("-- ", "--"):
            tails[i] = True
        elif _is_blank(line) or _QUOTE_RE.match(line):
            tails[i] = tails[i + 1]
        else:
            tails[i] = False
    return tails


def _outlook_block(lines: list[str], i: int) -> bool:
    """A "From: … Sent: … To: … Subject:" header block of quoted mail starts at line ``i``."""
    if not _OUTLOOK_FROM_RE.match(lines[i]):
        return False
    fields = 0
    for line in lines[i + 1 : i + 7]:
        if _OUTLOOK_FIELD_RE.match(line):
            fields += 1
    return fields >= 2


def _signature_start(lines: list[str], end: int) -> int | None:
    """Where a signature begins in lines[:end], or None."""
    for i in range(max(0, end - 30), end):
        if lines[i].rstrip("\r\n") in ("-- ", "--"):
            return i
    # A Japanese signature: a rule line near the end, followed by company, phone or mail lines.
    window = range(max(0, end - 15), end)
    for i in window:
        if not _RULE_RE.match(lines[i]):
            continue
        tail = lines[i + 1 : end]
        if 1 <= len([t for t in tail if t.strip()]) <= 12 and any(
            _CONTACT_RE.search(t) for t in tail
        ):
            return i
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """Split ``text`` into (new text, folded part: quoted earlier mail and signature).

    ``new + folded == text`` always. When nothing would be left as new text, nothing is folded.
    """
    if not text:
        return "", ""
    lines = text.splitlines(keepends=True)
    tails = _quoted_tails(lines)
    cut: int | None = None
    for i, line in enumerate(lines):
        bare = line.rstrip("\r\n")
        if _ORIGINAL_RE.match(bare) or _outlook_block(lines, i):
            cut = i  # the earlier mail follows unquoted: everything below is history
            break
        if _ATTRIBUTION_RE.match(bare) and tails[i + 1]:
            cut = i
            # "On …, Taro <…>" / "wrote:" wrapped over two lines.
            if i > 0 and not bare.lstrip().startswith("On") and lines[i - 1].startswith("On "):
                cut = i - 1
            break
        if _QUOTE_RE.match(line) and tails[i]:
            cut = i
            # An attribution wrapped on the lines just above the quote belongs to it.
            j = i
            while j > 0 and _is_blank(lines[j - 1]):
                j -= 1
            if j > 0 and (
                _ATTRIBUTION_RE.match(lines[j - 1].rstrip("\r\n"))
                or re.search(r"(?:wrote|書きました|より)[:：]?\s*$", lines[j - 1])
            ):
                cut = j - 1
                if cut > 0 and _ATTRIBUTION_RE.match(
                    lines[cut - 1].rstrip("\r\n") + " " + lines[cut].rstrip("\r\n")
                ):
                    cut -= 1
            break
    end = cut if cut is not None else len(lines)
    signature = _signature_start(lines, end)
    if signature is not None:
        cut = signature
    if cut is None:
        return text, ""
    # Keep the blank lines between the new text and the fold with the new text.
    new = "".join(lines[:cut])
    if not new.strip():
        return text, ""
    return new, "".join(lines[cut:])
