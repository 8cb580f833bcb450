"""Japanese morphological analysis: one analyser for the whole product (SudachiPy with the
core dictionary), loaded once per process.

`analyse(text)` returns the morphemes of `text` with their dictionary (normalised) forms,
parts of speech and character offsets into `text` as given, so that a rule can match
間違っている, 間違っております and 間違った as the one verb 間違う, and a finding can point at
the words that decided it.

Any text is accepted: lone surrogates (which no UTF-8 encoder takes) become U+FFFD for the
analyser only, keeping every offset; a long text is analysed in pieces below the analyser's
input limit, cut at line or sentence ends where there is one.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache

from sudachipy import Dictionary, SplitMode

# The analyser refuses inputs over 49,149 UTF-8 bytes; 8,000 characters of at most four
# bytes each stay below it.
_PIECE_CHARS = 8_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_PIECE_END = re.compile(r"[\n。！？!?]")


@dataclass(frozen=True, slots=True)
class Morpheme:
    surface: str
    # The dictionary form, normalised: 間違っ → 間違う, ＡＢＣ → ABC, 御座います → ござる.
    lemma: str
    # Sudachi's part of speech, e.g. ("動詞", "一般", "*", "*", "五段-ワア行", "連用形-促音便").
    pos: tuple[str, ...]
    start: int
    end: int


@cache
def _dictionary() -> Dictionary:
    return Dictionary(dict="core")


# A tokenizer may not be shared between threads; the dictionary behind it is.
_local = threading.local()


def _tokenizer():
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return tokenizer


def _pieces(text: str) -> list[tuple[int, str]]:
    """`text` cut into (offset, piece) below the analyser's limit."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > _PIECE_CHARS:
        window = text[start : start + _PIECE_CHARS]
        cut = 0
        for match in _PIECE_END.finditer(window, _PIECE_CHARS // 2):
            cut = match.end()
        cut = cut or _PIECE_CHARS
        pieces.append((start, text[start : start + cut]))
        start += cut
    if start < len(text):
        pieces.append((start, text[start:]))
    return pieces


def analyse(text: str) -> list[Morpheme]:
    """The morphemes of `text`, in order, with offsets into `text`."""
    clean = _SURROGATE.sub("\ufffd", text or "")
    tokenizer = _tokenizer()
    result: list[Morpheme] = []
    for offset, piece in _pieces(clean):
        for m in tokenizer.tokenize(piece):
            result.append(
                Morpheme(
                    surface=text[offset + m.begin() : offset + m.end()],
                    lemma=m.normalized_form(),
                    pos=tuple(m.part_of_speech()),
                    start=offset + m.begin(),
                    end=offset + m.end(),
                )
            )
    return result


def warm_up() -> None:
    """Load the dictionary now (a worker or web process at start) rather than on first use."""
    _tokenizer().tokenize("準備")


# Parts of speech that carry no meaning of their own for search: particles, auxiliaries,
# punctuation, and prefixes and suffixes (ご, 様, 後).
_NOT_INDEXED_POS = frozenset(("助詞", "助動詞", "補助記号", "空白", "記号", "接頭辞", "接尾辞"))
# Verbs that mostly build other expressions (して, あります, おります, できません).
_LIGHT_VERBS = frozenset(
    ("為る", "有る", "居る", "おる", "成る", "出来る", "致す", "下さる", "御座る")
)


def _compound_parts(units: list[str]) -> tuple[str, ...]:
    """The units of a compound and every shorter run of them: 東京都港区 (東京 都 港 区) gives
    東京, 都, 港, 区 and 東京都, 都港, 港区, 東京都港, 都港区, so that 東京都 and 港区 find it."""
    n = len(units)
    runs = ["".join(units[i : i + size]) for size in range(2, n) for i in range(n - size + 1)]
    return tuple(dict.fromkeys(units + runs))


@dataclass(frozen=True, slots=True)
class Word:
    """A word worth finding: its offsets, its dictionary form, and for a compound
    (再起動, 請求書, 東京都) the dictionary forms of its parts (再, 起動; 請求, 書; 東京, 都) and
    of their shorter runs."""

    start: int
    end: int
    form: str
    parts: tuple[str, ...]


def content_words(text: str) -> list[Word]:
    """The content words of Japanese `text` with offsets into it, for the search index: a
    compound is kept whole and by its parts, so 起動 finds 再起動 while 京都 does not find
    東京都 (its parts are 東京 and 都)."""
    clean = _SURROGATE.sub("\ufffd", text or "")
    tokenizer = _tokenizer()
    words: list[Word] = []
    for offset, piece in _pieces(clean):
        for m in tokenizer.tokenize(piece):
            if m.part_of_speech()[0] in _NOT_INDEXED_POS:
                continue
            form = m.normalized_form()
            if form in _LIGHT_VERBS:
                continue
            parts: tuple[str, ...] = ()
            if m.end() - m.begin() > 2:
                split = m.split(SplitMode.A)
                if len(split) > 1:
                    parts = _compound_parts([u.normalized_form() for u in split])
            words.append(Word(offset + m.begin(), offset + m.end(), form, parts))
    return words
