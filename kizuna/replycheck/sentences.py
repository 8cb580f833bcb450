"""Sentence and paragraph spans over (masked) text, with offsets into the original."""

from __future__ import annotations

import re
from dataclasses import dataclass

_JA_END = re.compile(r"[。．！？!?]+[」』）)]*")
_EN_END = re.compile(r"[.!?]+['\"’”)\]]*(?=\s|$)")
_EN_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "mr",
    "ms",
    "mrs",
    "dr",
    "vs",
    "approx",
    "no",
    "inc",
    "ltd",
}
_LIST_ITEM = re.compile(r"^\s*(?:[-*・•●■□◆◇※]|\d+[.)．、]|[（(]?\d+[)）]|[a-zA-Z][.)])\s*")
# A line this long that does not end a sentence was probably wrapped by hand (Japanese
# mail is often wrapped at 35-40 characters); shorter lines are greetings or headings.
_WRAP_WIDTH = {"ja": 20, "en": 40}


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def paragraphs(text: str) -> list[Span]:
    """Blocks separated by blank (or blanked) lines."""
    spans = []
    for m in re.finditer(r"\S(?:.|\n(?![ \t\u3000]*\n))*", text):
        spans.append(Span(m.start(), m.end()))
    return spans


def sentences(text: str, lang: str) -> list[Span]:
    """Split into sentences. Line breaks end a sentence unless the line looks hand-wrapped."""
    spans: list[Span] = []
    start: int | None = None
    pos = 0
    lines = text.splitlines(keepends=True)
    for idx, line in enumerate(lines):
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if not stripped:
            if start is not None:
                spans.append(_trim(text, start, pos))
                start = None
            pos += len(line)
            continue
        if _LIST_ITEM.match(content) and start is not None:
            spans.append(_trim(text, start, pos))
            start = None
        for s, e in _split_line(content, lang):
            if start is None:
                start = pos + s
            if e is not None:
                spans.append(_trim(text, start, pos + e))
                start = None
        if start is not None and not _continues(content, lines, idx, lang):
            spans.append(_trim(text, start, pos + len(content)))
            start = None
        pos += len(line)
    if start is not None:
        spans.append(_trim(text, start, len(text)))
    return [s for s in spans if s.end > s.start]


def _split_line(content: str, lang: str):
    """Yield (start, end) pieces of a line; end is None for a piece left open at line end."""
    ender = _JA_END if lang == "ja" else _EN_END
    cursor = 0
    for m in ender.finditer(content):
        if lang == "en" and _is_abbreviation(content, m.start()):
            continue
        if content[cursor : m.end()].strip():
            yield _first_nonspace(content, cursor), m.end()
        cursor = m.end()
    if content[cursor:].strip():
        yield _first_nonspace(content, cursor), None


_NONSPACE = re.compile(r"\S")
_LONGEST_ABBREVIATION = max(map(len, _EN_ABBREVIATIONS))
_TRAILING_WORD = re.compile(r"[A-Za-z.]+$")


def _first_nonspace(content: str, cursor: int) -> int:
    # Searching from the cursor, never slicing the rest of the line: a long line holds many
    # sentences, and copying its tail for each of them would make the split quadratic.
    m = _NONSPACE.search(content, cursor)
    return m.start() if m else len(content)


def _is_abbreviation(content: str, dot: int) -> bool:
    # Only the few characters before the dot can form an abbreviation; the letters before
    # them decide only whether the word is longer than any abbreviation.
    start = max(0, dot - _LONGEST_ABBREVIATION - 1)
    word = _TRAILING_WORD.search(content, start, dot)
    if not word or (word.start() == start and start > 0 and _is_word_char(content[start - 1])):
        return False
    return word.group().lower() in _EN_ABBREVIATIONS


def _is_word_char(ch: str) -> bool:
    return ch == "." or ("a" <= ch.lower() <= "z")


def _continues(content: str, lines: list[str], idx: int, lang: str) -> bool:
    if len(content.strip()) < _WRAP_WIDTH[lang] or content.rstrip().endswith((":", "：")):
        return False
    if idx + 1 >= len(lines):
        return False
    nxt = lines[idx + 1]
    return bool(nxt.strip()) and not _LIST_ITEM.match(nxt)


def _trim(text: str, start: int, end: int) -> Span:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return Span(start, end)
