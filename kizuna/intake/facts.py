"""Which of P9's facts a first request gives, and the words that give each one.

See the package docstring for the contract and docs/intake.md for how facts are found.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from kizuna.intake.lexicon import FACT_IDS, LANGUAGES, FactLexicon, load_lexicon
from kizuna.intake.segments import own_words
from kizuna.lib.japanese import analyse
from kizuna.replycheck.language import detect_language

FACTS: tuple[str, ...] = FACT_IDS

LABELS = {
    "impact": _("Impact"),
    "urgency": _("Urgency or deadline"),
    "symptom": _("What happened"),
    "since": _("Since when"),
    "tried": _("What was tried"),
    "environment": _("Environment"),
}

# The portal's new-request form asks some of these questions itself (kizuna/portal/forms.py):
# a filled field answers its fact. The "tried" field is optional, but an empty one is sent as
# "(nothing yet)", which answers it too.
FORM_FIELD_FACTS = {
    "what_happened": "symptom",
    "impact": "impact",
    "urgency": "urgency",
    "needed_by": "urgency",
    "tried": "tried",
}


@dataclass(frozen=True, slots=True)
class Cue:
    """Words that give a fact: `text == request[start:end]` (character offsets)."""

    fact: str
    text: str
    start: int
    end: int


@dataclass
class IntakeResult:
    lang: str
    given: dict[str, list[Cue]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "lang": self.lang,
            "given": {
                fact: [{"text": c.text, "start": c.start, "end": c.end} for c in cues]
                for fact, cues in self.given.items()
            },
            "missing": list(self.missing),
        }


def label(fact: str):
    """The fact's name for people, in the active language."""
    _check_fact(fact)
    return LABELS[fact]


def question(fact: str, lang: str) -> str:
    """The polite question that asks a customer writing in `lang` for `fact`."""
    _check_fact(fact)
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return load_lexicon(lang).facts[fact].question


def find_facts(text: str, *, lang: str = "auto", answered: Iterable[str] = ()) -> IntakeResult:
    """The facts `text` gives, with the words that give them, and those it does not give."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if lang not in ("auto", *LANGUAGES):
        raise ValueError(f"lang must be one of auto, {', '.join(LANGUAGES)}; got {lang!r}")
    if isinstance(answered, str):
        raise TypeError("answered must be a collection of fact ids, not one string")
    answered = set(answered)
    for fact in answered:
        _check_fact(fact)
    own = own_words(text)
    if lang == "auto":
        lang = detect_language(own)
    lexicon = load_lexicon(lang)
    reading = _Reading(text, own, lang)
    given: dict[str, list[Cue]] = {}
    missing: list[str] = []
    for fact in FACTS:
        cues = reading.cues(lexicon.facts[fact])
        if cues or fact in answered:
            given[fact] = cues
        else:
            missing.append(fact)
    return IntakeResult(lang=lang, given=given, missing=missing)


def _check_fact(fact) -> None:
    if fact not in FACTS:
        raise ValueError(f"unknown fact {fact!r}; facts are {', '.join(FACTS)}")


# Full-width ASCII (１０月, ＶＰＮ) read as ASCII, one character for one, so that offsets into
# the folded copy are offsets into the text.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20


class _Reading:
    """One request prepared for matching: the folded text and, for Japanese, the stream of
    dictionary forms with a map back to character offsets."""

    def __init__(self, text: str, own: str, lang: str):
        self.text = text
        self.folded = own.translate(_WIDTH)
        self.lowered = self.folded.lower()
        self.stream = ""
        self._token_starts: list[int] = []
        self._spans: list[tuple[int, int]] = []
        if lang == "ja" and own.strip():
            self._build_stream(own)

    def _build_stream(self, own: str) -> None:
        words, position = [], 0
        for m in analyse(own):
            if not m.surface.strip():
                continue  # white space, including the blanked quotes: mail wraps anywhere
            lemma = "_".join(m.lemma.split()) or "_"
            words.append(lemma)
            self._token_starts.append(position)
            self._spans.append((m.start, m.end))
            position += len(lemma) + 1
        self.stream = " ".join(words)
        self.lowered_stream = self.stream.lower()

    def _from_stream(self, start: int, end: int) -> tuple[int, int]:
        first = bisect.bisect_right(self._token_starts, start) - 1
        last = bisect.bisect_right(self._token_starts, max(end - 1, start)) - 1
        return self._spans[first][0], self._spans[last][1]

    def _spans_of(self, text_matchers, lemma_matchers) -> list[tuple[int, int]]:
        spans = []
        for matcher in text_matchers:
            spans += matcher.spans(self.folded, self.lowered)
        if self.stream:
            for matcher in lemma_matchers:
                spans += [
                    self._from_stream(*s) for s in matcher.spans(self.stream, self.lowered_stream)
                ]
        return spans

    def cues(self, lexicon: FactLexicon) -> list[Cue]:
        spans = self._spans_of(lexicon.text, lexicon.lemmas)
        if not spans:
            return []
        excluded = _merged(self._spans_of(lexicon.exclude_text, lexicon.exclude_lemmas))
        if excluded:
            starts = [s for s, _ in excluded]
            spans = [s for s in spans if not _overlaps(excluded, starts, s)]
        spans.sort(key=lambda s: (s[0], -s[1]))
        kept: list[tuple[int, int]] = []
        for start, end in spans:
            # Trim white space a pattern took in at either end.
            while start < end and self.text[start].isspace():
                start += 1
            while end > start and self.text[end - 1].isspace():
                end -= 1
            if start == end:
                continue
            if kept and start <= kept[-1][1]:
                if end > kept[-1][1]:
                    kept[-1] = (kept[-1][0], end)  # touching or overlapping cues become one
                continue
            kept.append((start, end))
        return [Cue(lexicon.fact, self.text[s:e], s, e) for s, e in kept]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted and joined where they overlap, so one bisection finds a neighbour."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _overlaps(merged: list[tuple[int, int]], starts: list[int], span: tuple[int, int]) -> bool:
    i = bisect.bisect_left(starts, span[1]) - 1
    return i >= 0 and merged[i][1] > span[0]
