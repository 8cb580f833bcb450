"""Which parts of a draft are the agent's own words.

Quoted customer mail, signatures and code or log excerpts are not ours to judge (the
customer's "URGENT!!!" or a log line saying "ERROR" must not be flagged as our alarm).
Instead of cutting them out, we blank them with spaces: every offset a rule reports then
still points into the original text.
"""

from __future__ import annotations

import re

# A blank of a sample letter that the agent fills before sending: [[what was done]].
BLANK = re.compile(r"\[\[[^\[\]\n]{0,200}\]\]")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QUOTED_LINE = re.compile(r"^\s*[>＞]")
_QUOTE_HEADER = re.compile(
    r"^\s*On\s.{3,300}\swrote:\s*$"
    r"|^.{1,200}(?:さん|様)?(?:は|が)書きました\s*[:：]\s*$"
    r"|^.{0,200}\d{4}年\d{1,2}月\d{1,2}日.{0,100}<[^<>\s]+@[^<>\s]+>.{0,40}[:：]\s*$"
    r"|^.{0,200}\d{4}[/-]\d{1,2}[/-]\d{1,2}.{0,100}<[^<>\s]+@[^<>\s]+>.{0,40}[:：]\s*$",
    re.IGNORECASE,
)
_WROTE_ALONE = re.compile(r"^\s*wrote:\s*$", re.IGNORECASE)
# Headers after which everything is the earlier mail, to the end.
_FORWARD_HEADER = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Forwarded message|元のメッセージ|転送メッセージ"
    r"|Original)\s*-{2,}\s*$"
    r"|^\s*(?:From|差出人|送信者)\s*[:：]\s*\S.*$",
    re.IGNORECASE,
)
_SIG_DASHES = re.compile(r"^--\s?$")
_SEPARATOR = re.compile(r"^\s*(?:[━─＝=＿_＊*〜~－\-]\s*){5,}$|^\s*[━─■□◆◇]{3,}\s*$")
_CONTACT_CUE = re.compile(
    r"TEL|Tel\b|Phone|電話|E-?mail|Mail\s*[:：]|URL|https?://|@|株式会社|有限会社|合同会社"
    r"|\bInc\b|\bLtd\b|\bLLC\b|\bCo\.",
)
# Lines that are machine output rather than prose: logs, prompts, stack traces, headers.
_MACHINE_LINE = re.compile(
    r"^\s*\[?\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}"  # ISO-ish timestamp first
    r"|^\s*[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s"  # syslog
    r"|^\s*(?:\$|%|#|>>>|PS [A-Z]:\\[^>]*>)\s+\S"  # shell and REPL prompts
    r"|^\s*[\w.-]+@[\w.-]+(?::[^\s$#]*)?\s?[$#]\s"  # user@host:~$
    r"|^\s*Traceback \(most recent call last\)"
    r"|^\s*File \"[^\"]+\", line \d+"
    r"|^\s*at [\w.$<>]+\(.*\)\s*$"  # Java/JS stack frame
    r"|^\s*(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception)\b(?::|$)"
    r"|^\s*(?:ERROR|WARN|WARNING|INFO|DEBUG|FATAL|CRITICAL|NOTICE)[\s:\]|]"
    r"|^\s*[A-Za-z0-9.-]+\s*:\s*(?:\d{3}\s|status=)"  # '550 5.1.1 ...', 'status=bounced'
    r"|^\s*\d{3}[ -]\d\.\d\.\d{1,3}\s",  # SMTP reply line
)
_INDENTED = re.compile(r"^(?: {4}|\t)\S")
# Inline spans that are not prose either. Each branch may start only where its run of
# characters starts (lookbehind) and never gives characters back (possessive), so a pasted
# key or a line of ten thousand letters is scanned once, not once per position.
_INLINE = re.compile(
    r"`[^`\n]++`"
    r"|https?://[^\s<>()（）「」]++"
    r"|(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+"
    r"|(?<![\w/.-])/(?:[\w.-]++/)+[\w.-]*+"
)


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def mask_unchecked(text: str) -> str:
    """Return `text` with quoted mail, signatures and code/log excerpts replaced by spaces
    (newlines kept), so that the result has exactly the same length and offsets."""
    lines = text.splitlines(keepends=True)
    masked = [False] * len(lines)
    in_fence = False
    prev_blank_or_code = True
    cut_from: int | None = None
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if _FENCE.match(body):
            masked[i] = True
            in_fence = not in_fence
            continue
        if in_fence:
            masked[i] = True
            continue
        if _FORWARD_HEADER.match(body) and _looks_like_forward(lines, i):
            cut_from = i
            break
        if _QUOTE_HEADER.match(body) or (
            _WROTE_ALONE.match(body) and i > 0 and lines[i - 1].lstrip().startswith("On ")
        ):
            masked[i] = True
            if _WROTE_ALONE.match(body):
                masked[i - 1] = True
            nxt = _next_nonblank(lines, i + 1)
            if nxt is None or not _QUOTED_LINE.match(lines[nxt]):
                cut_from = i
                break
            continue
        if _SIG_DASHES.match(body):
            cut_from = i
            break
        if _SEPARATOR.match(body) and _signature_follows(lines, i):
            cut_from = i
            break
        if _QUOTED_LINE.match(body) or _MACHINE_LINE.match(body):
            masked[i] = True
        elif _INDENTED.match(body) and prev_blank_or_code:
            masked[i] = True
        prev_blank_or_code = masked[i] or not body.strip()
    if cut_from is not None:
        for j in range(cut_from, len(lines)):
            masked[j] = True
    out = []
    for line, is_masked in zip(lines, masked, strict=True):
        out.append(_blank(line) if is_masked else _INLINE.sub(lambda m: _blank(m.group()), line))
    return "".join(out)


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    return None


def _looks_like_forward(lines: list[str], i: int) -> bool:
    # A "From:" line alone could be prose; Outlook-style quoting has more headers below it.
    if lines[i].lstrip().startswith("-"):
        return True
    following = "".join(lines[i + 1 : i + 4])
    return bool(
        re.search(r"^\s*(?:Sent|Date|To|Subject|送信日時|日付|宛先|件名)\s*[:：]", following, re.M)
    )


def _signature_follows(lines: list[str], i: int) -> bool:
    """A separator starts a signature when a short block with contact details follows."""
    block: list[str] = []
    for line in lines[i + 1 :]:
        if _SEPARATOR.match(line) or (block and not line.strip()):
            break
        if line.strip():
            block.append(line)
        if len(block) > 8:
            return False
    return bool(block) and len(block[0].strip()) <= 40 and bool(_CONTACT_CUE.search("".join(block)))
