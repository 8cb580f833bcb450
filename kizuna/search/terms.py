"""Text to search terms, the same way for what is indexed and for what is asked.

Text is normalised (NFKC, lower case: Ｐａｓｓ and ﾊﾟｽﾜｰﾄﾞ are Pass and パスワード), then cut
into Japanese runs and other words. Japanese goes through the product's morphological analyser
(`kizuna.lib.japanese`): content words in their dictionary form, compounds whole and by their
parts. Other words are lower-cased and reduced to their lemma (passwords → password, rebooted →
reboot); common function words are left out of both.

A term never holds a space or punctuation, so the index stores a message as its terms joined
by single spaces, and a query is the AND of its terms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from kizuna.lib.japanese import content_words

_JAPANESE = (
    "\u3005-\u3007\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
_PIECES = re.compile(rf"(?P<ja>[{_JAPANESE}]+)|(?P<word>(?:(?![{_JAPANESE}])[^\W_])+)")
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Longer "words" are keys, hashes or pasted data: nobody types them to search.
_MAX_WORD = 64
_STOP_WORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her
    him his i if in into is it its me my no not of on or our she so than that the their them
    then there these they this those to too us was we were what when which who will with would
    you your yours""".split()
)
_LEMMA_ORDER = ("NOUN", "VERB", "ADJ", "ADV", "PROPN", "AUX")


@dataclass(frozen=True, slots=True)
class Term:
    """A word of the normalised text: its offsets there, its term and its parts' terms."""

    start: int
    end: int
    term: str
    parts: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """NFKC, lower case, and no character that no stored text should hold. The result is
    what offsets of `terms()` refer to (and what a snippet shows)."""
    return unicodedata.normalize("NFKC", _UNSAFE.sub(" ", text or "")).lower()


def terms(normalised: str) -> list[Term]:
    """The searchable words of already normalised text, in order."""
    found: list[Term] = []
    for piece in _PIECES.finditer(normalised):
        if piece.lastgroup == "ja":
            base = piece.start()
            for w in content_words(piece.group()):
                found.append(Term(base + w.start, base + w.end, w.form, w.parts))
        else:
            term = english_term(piece.group())
            if term:
                found.append(Term(piece.start(), piece.end(), term))
    return found


def index_text(text: str) -> str:
    """What the index stores for `text`: every term and compound part, space-separated."""
    out: list[str] = []
    for t in terms(normalise(text)):
        out.append(t.term)
        out.extend(p for p in t.parts if p != t.term)
    return " ".join(out)


def query_terms(query: str) -> list[Term]:
    """The distinct words of a query, in order. A compound is looked for whole: 東京都 finds
    東京都 and 東京都港区 (indexed with its parts' runs, 東京都 among them), never 京都."""
    seen: dict[str, Term] = {}
    for t in terms(normalise(query)):
        seen.setdefault(t.term, t)
    return list(seen.values())


@lru_cache(maxsize=100_000)
def english_term(word: str) -> str | None:
    """The lemma of a lower-case word, or None for a function word or an over-long one."""
    if word in _STOP_WORDS or len(word) > _MAX_WORD:
        return None
    if not word.isalpha() or not word.isascii():
        return word
    lemmas = _lemmas().getAllLemmas(word)
    for upos in _LEMMA_ORDER:
        if upos in lemmas:
            return lemmas[upos][0]
    # Words the tables do not know (reboots, rebooted, misconfigured) by the rules of
    # inflection; short ones (dns, ssl) are left alone.
    if len(word) > 4 and (word.endswith(("ed", "ing")) or _plural_like(word)):
        guess = _lemmas().getAllLemmasOOV(word, "VERB").get("VERB")
        if guess:
            return guess[0]
    return word


@cache
def _lemmas():
    # lemminflect loads numpy with it (about 0.05 s): a process that never reads English
    # text for search (kizuna ingest, which leaves that to the worker) should not pay for it
    # at start.
    import lemminflect

    return lemminflect


def _plural_like(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))
