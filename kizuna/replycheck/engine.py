"""Checking one draft: mask what is not ours, split it, run every applicable rule."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from kizuna.lib.japanese import Morpheme, analyse
from kizuna.replycheck.findings import (
    AUDIENCES,
    LANGUAGES,
    PURPOSES,
    SEVERITIES,
    SEVERITY_ORDER,
    Finding,
    Result,
)
from kizuna.replycheck.language import detect_language
from kizuna.replycheck.rules import Rule, glossary_candidates, load_glossary, load_pack
from kizuna.replycheck.segments import BLANK, mask_unchecked
from kizuna.replycheck.sentences import Span, paragraphs, sentences


@dataclass
class Draft:
    """The text under check. `masked` has the same offsets as `text`, with quoted mail,
    signatures and code blanked out."""

    text: str
    masked: str
    lang: str
    audience: str

    @cached_property
    def sentences(self) -> list[Span]:
        return sentences(self.masked, self.lang)

    @cached_property
    def blanks(self) -> list[tuple[int, int]]:
        """Where a sample letter's unfilled blanks ([[the plan]]) are, found once per draft."""
        return [m.span() for m in BLANK.finditer(self.masked)]

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    @cached_property
    def morphemes(self) -> list[Morpheme]:
        """The checked text's morphemes (Japanese drafts), analysed once per check."""
        return analyse(self.masked)

    @cached_property
    def lemma_text(self) -> tuple[str, list[int], list[Morpheme]]:
        """The morphemes' dictionary forms, each followed by a space (whitespace left out),
        with the position in that text where each kept morpheme starts."""
        kept = [m for m in self.morphemes if m.lemma.strip()]
        positions, parts, at = [], [], 0
        for m in kept:
            positions.append(at)
            parts.append(m.lemma)
            at += len(m.lemma) + 1
        return " ".join(parts) + " ", positions, kept

    @cached_property
    def paragraphs(self) -> list[Span]:
        return paragraphs(self.masked)

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        return [p.start for p in self.paragraphs]

    @cached_property
    def body(self) -> Span | None:
        """The whole checked text, for findings about the message as a whole."""
        stripped = self.masked.strip()
        if not stripped:
            return None
        start = len(self.masked) - len(self.masked.lstrip())
        return Span(start, start + len(stripped))

    def sentence_index(self, offset: int) -> int:
        return max(bisect.bisect_right(self._sentence_starts, offset) - 1, 0)

    def starts_sentence(self, offset: int) -> bool:
        i = bisect.bisect_left(self._sentence_starts, offset)
        if i < len(self._sentence_starts) and self._sentence_starts[i] == offset:
            return True
        # Allow an opening bracket or quote before the first word.
        return i > 0 and not self.masked[self._sentence_starts[i - 1] : offset].strip(
            "「『(（\"'“ "
        )

    def window(self, offset: int, kind: str) -> tuple[int, int]:
        if kind == "message" or not self.sentences:
            return 0, len(self.masked)
        if kind == "paragraph":
            i = bisect.bisect_right(self._paragraph_starts, offset) - 1
            if i >= 0 and offset < self.paragraphs[i].end:
                return self.paragraphs[i].start, self.paragraphs[i].end
            return 0, len(self.masked)
        i = self.sentence_index(offset)
        if kind == "opening":
            return self.sentences[0].start, self.sentences[min(3, len(self.sentences) - 1)].end
        if kind == "rest":
            return self.sentences[i].start, len(self.masked)
        if kind == "neighbours":
            return self.sentences[max(i - 1, 0)].start, self.sentences[
                min(i + 1, len(self.sentences) - 1)
            ].end
        return self.sentences[i].start, self.sentences[i].end


def check(
    text: str,
    *,
    lang: str = "auto",
    audience: str = "general",
    purpose: str = "any",
    overrides: Mapping[str, Mapping] | None = None,
) -> Result:
    """Check a draft reply. See the package docstring for the contract."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    _validate("lang", lang, ("auto", *LANGUAGES))
    _validate("audience", audience, AUDIENCES)
    _validate("purpose", purpose, PURPOSES)
    overrides = _validated_overrides(overrides)
    masked = mask_unchecked(text)
    if lang == "auto":
        lang = detect_language(masked)
    draft = Draft(text=text, masked=masked, lang=lang, audience=audience)
    findings: dict[tuple, Finding] = {}
    # Rules the team's standard switched off or re-graded speak for the words they flag: a
    # sibling rule of the same category does not report those words again at its own
    # severity. So switched-off rules still run; their findings only hold their place.
    decided: set[int] = set()
    silenced: set[int] = set()
    for rule in load_pack(lang):
        if not rule.applies_to(purpose):
            continue
        override = overrides.get(rule.id, {})
        severity = override.get("severity", rule.severity_for(audience))
        if severity is None:
            continue
        off = override.get("enabled") is False
        for start, end, values in _KINDS[rule.kind](rule, draft):
            key = (rule.id, start, end)
            if key not in findings:
                level = values.pop("severity", severity)
                finding = _finding(rule, level, draft, start, end, values)
                findings[key] = finding
                if override:
                    decided.add(id(finding))
                if off:
                    silenced.add(id(finding))
    kept = _one_per_place(findings.values(), whole=draft.body, first=decided)
    ordered = sorted(
        (f for f in kept if id(f) not in silenced),
        key=lambda f: (f.start, SEVERITY_ORDER[f.severity], f.rule),
    )
    return Result(lang=lang, findings=ordered)


def _one_per_place(findings, whole: Span | None, first: set[int] = frozenset()) -> list[Finding]:
    """Two rules of one category that flag overlapping words are one problem to the reader:
    keep the finding of a rule the team's standard decided on, then the more severe, then the
    longer. Findings about the whole message (a missing checkpoint) are kept apart from those
    about words in it."""
    kept: list[Finding] = []
    # Per category, the kept spans: they never overlap, so sorted by start their ends rise
    # too, and a new span need only be compared with its two neighbours.
    taken: dict[str, tuple[list[int], list[int]]] = {}
    rank = sorted(
        findings,
        key=lambda f: (id(f) not in first, SEVERITY_ORDER[f.severity], f.start - f.end, f.rule),
    )
    for f in rank:
        if whole is not None and (f.start, f.end) == (whole.start, whole.end):
            kept.append(f)
            continue
        starts, ends = taken.setdefault(f.category, ([], []))
        i = bisect.bisect_right(starts, f.start)
        if (i > 0 and ends[i - 1] > f.start) or (i < len(starts) and starts[i] < f.end):
            continue
        starts.insert(i, f.start)
        ends.insert(i, f.end)
        kept.append(f)
    return kept


def _validate(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _validated_overrides(overrides) -> dict:
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ValueError("overrides must map rule ids to {'enabled': bool, 'severity': ...}")
    for rule_id, o in overrides.items():
        if not isinstance(o, Mapping) or set(o) - {"enabled", "severity"}:
            raise ValueError(f"override for {rule_id!r} may only set 'enabled' and 'severity'")
        if "enabled" in o and not isinstance(o["enabled"], bool):
            raise ValueError(f"override for {rule_id!r}: 'enabled' must be true or false")
        if "severity" in o:
            _validate(f"override severity for {rule_id!r}", o["severity"], SEVERITIES)
    return dict(overrides)


def _finding(rule: Rule, severity: str, draft: Draft, start: int, end: int, values) -> Finding:
    matched = draft.text[start:end]
    values = {"match": matched, **values}
    return Finding(
        rule=rule.id,
        category=rule.category,
        principle=rule.principle,
        severity=severity,
        start=start,
        end=end,
        text=matched,
        message=_fill(rule.message, values),
        suggestion=_fill(rule.suggestion, values),
    )


def _fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


Hit = tuple[int, int, dict]
# "¥3,000" and "0.1%" are one word each.
_WORD = re.compile(r"[A-Za-z0-9](?:[\w'’-]|[.,](?=\d))*")


def _phrases(rule: Rule, draft: Draft) -> Iterator[Hit]:
    masked = draft.masked
    hits = rule.tokens.finditer(masked)
    if not hits:  # most rules find nothing: skip looking for their exceptions at all
        return
    # Exceptions come back non-overlapping and ordered, so each hit needs one look at the
    # exception starting before its end (by bisection), not a scan of all of them.
    excluded = rule.exceptions.finditer(masked) if rule.exceptions else []
    excluded_starts = [s for s, _ in excluded]
    # The "unless" words are found once in the whole draft; each hit then asks whether one
    # lies inside its window. Searching the window per hit is quadratic when a long draft
    # repeats a phrase in one long sentence or message.
    unless = _SpanIndex(rule.unless.spans_by_pattern(masked)) if rule.unless else None
    for start, end in hits:
        i = bisect.bisect_left(excluded_starts, end) - 1
        if i >= 0 and excluded[i][1] > start:
            continue
        if rule.position == "sentence-start" and not draft.starts_sentence(start):
            continue
        if unless is not None and unless.any_within(*draft.window(start, rule.window)):
            continue
        yield start, end, {}


class _SpanIndex:
    """Matches of several patterns, asked whether any lies wholly inside a range."""

    def __init__(self, spans_by_pattern: list[list[tuple[int, int]]]):
        self._lists = [(spans, [s for s, _ in spans]) for spans in spans_by_pattern if spans]

    def any_within(self, lo: int, hi: int) -> bool:
        for spans, starts in self._lists:
            # The first match starting in range has the smallest end of those that do.
            i = bisect.bisect_left(starts, lo)
            if i < len(spans) and spans[i][1] <= hi:
                return True
        return False


def _substitution(rule: Rule, draft: Draft) -> Iterator[Hit]:
    for tokens, replacement in rule.swaps:
        for start, end in tokens.finditer(draft.masked):
            yield start, end, {"replacement": replacement}


def _structure(rule: Rule, draft: Draft) -> Iterator[Hit]:
    body = draft.body
    if body is None:
        return
    masked = draft.masked
    if rule.when and not all(g.search(masked) for g in rule.when):
        return
    # A letter's blank ([[the plan]]) is text the agent has yet to write: what it will say is
    # not judged now, and sending is refused until it is filled and checked again.
    if rule.window == "message":
        satisfied = bool(draft.blanks) or all(g.search(masked) for g in rule.require)
    elif rule.window == "opening":
        lo, hi = draft.window(body.start, "opening")
        satisfied = any(lo <= a and b <= hi for a, b in draft.blanks) or all(
            g.search(masked, lo, hi) for g in rule.require
        )
    else:
        satisfied = bool(draft.blanks) or any(
            all(g.search(masked, s.start, s.end) for g in rule.require) for s in draft.sentences
        )
    if satisfied or (rule.unless and rule.unless.search(masked)):
        return
    yield body.start, body.end, {}


def _readability(rule: Rule, draft: Draft) -> Iterator[Hit]:
    limit = rule.maximum[draft.audience]
    for s in draft.sentences:
        piece = draft.masked[s.start : s.end]
        if draft.lang == "ja":
            length = len(re.sub(r"\s", "", piece))
        else:
            length = len(_WORD.findall(piece))
        if length > limit:
            yield s.start, s.end, {"length": length, "limit": limit}


def _jargon(rule: Rule, draft: Draft) -> Iterator[Hit]:
    """The first unexplained use of each glossary term, unless it is explained somewhere."""
    masked = draft.masked
    after, before = rule.explained_after, rule.explained_before
    glossary = load_glossary(rule.glossary["file"], draft.lang)
    for n in glossary_candidates(rule.glossary["file"], draft.lang, masked):
        term, tokens = glossary[n]
        first = None
        for start, end in tokens.finditer(masked):
            if (after and _explained_after(after, masked, end)) or (
                before and before.search(masked, max(0, start - 40), start)
            ):
                first = None
                break
            first = first or (start, end)
        if first:
            values = {"plain": term.plain}
            if term.common:
                values["severity"] = "info"
            yield first[0], first[1], values


def _explained_after(after, masked: str, end: int) -> bool:
    # The explanation must start right after the term.
    return any(s == end for s, _ in after.finditer(masked, end, min(len(masked), end + 60)))


# What may stand between a word and the negation that turns it round: particles, the copula
# and polite endings (正しくない, 問題はございません, 適切ではありません).
_NEGATION_PATH = frozenset(
    {"は", "が", "も", "で", "だ", "です", "ます", "御座る", "有る", "在る", "特に"}
)
_NEGATION = frozenset({"無い", "ず", "ぬ"})
_CLAUSE_END = frozenset({"。", "、", "！", "？", "!", "?", "，", "．"})


def _negated(morphemes: list[Morpheme], i: int) -> int | None:
    """The end offset of the negation that follows morpheme `i`, or None."""
    for m in morphemes[i + 1 : i + 7]:
        if m.lemma in _NEGATION:
            return m.end
        if m.lemma not in _NEGATION_PATH or m.surface in _CLAUSE_END:
            return None
    return None


def _attribution(rule: Rule, draft: Draft) -> Iterator[Hit]:
    """A sentence that names the customer's side (`who`) with a fault word, or our side with
    a denied problem, and does not name our side taking it on (`unless_who`)."""
    if draft.lang != "ja" or not draft.sentences:
        return
    masked = draft.masked
    who = rule.who.spans_by_pattern(masked)
    who_starts = sorted(s for spans in who for s, _ in spans)
    if not who_starts:
        return
    ours = (
        sorted(s for spans in rule.unless_who.spans_by_pattern(masked) for s, _ in spans)
        if rule.unless_who
        else []
    )
    morphemes = draft.morphemes
    starts = [m.start for m in morphemes]
    for sentence in draft.sentences:
        lo, hi = sentence.start, sentence.end
        i = bisect.bisect_left(who_starts, lo)
        if i == len(who_starts) or who_starts[i] >= hi:
            continue
        j = bisect.bisect_left(ours, lo)
        if j < len(ours) and ours[j] < hi:
            continue
        first = bisect.bisect_left(starts, lo)
        last = bisect.bisect_left(starts, hi)
        for k in range(first, last):
            m = morphemes[k]
            end = None
            if rule.faults is not None and rule.faults.fullmatch(m.lemma):
                end = None if _negated(morphemes, k) else m.end
            elif rule.denied is not None and rule.denied.fullmatch(m.lemma):
                end = _negated(morphemes, k)
            if end is None:
                continue
            # From the nearest naming of the side before the word (else the first in the
            # sentence) to the word, or its negation.
            n = bisect.bisect_left(who_starts, m.start) - 1
            start = who_starts[n] if n >= 0 and who_starts[n] >= lo else who_starts[i]
            yield min(start, m.start), max(end, m.end), {}
            break


def _options(rule: Rule, draft: Draft) -> Iterator[Hit]:
    """Each offered choice that says nothing of what it costs or risks. A choice is the
    text from one item marker to the next (or to its paragraph's end); fewer than two items
    is not a choice."""
    masked = draft.masked
    if not all(g.search(masked) for g in rule.when):
        return
    starts = [start for start, _ in rule.item.finditer(masked)]
    if len(starts) < 2:
        return
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(masked)
        paragraph_end = masked.find("\n\n", start)
        if paragraph_end != -1:
            end = min(end, paragraph_end)
        if not any(g.search(masked, start, end) for g in rule.require):
            piece = masked[start:end].rstrip()
            yield start, start + len(piece), {}


def _lemmas(rule: Rule, draft: Draft) -> Iterator[Hit]:
    """Tokens matched over the dictionary forms; a hit spans the words it covers."""
    if draft.lang != "ja":
        return
    text, positions, kept = draft.lemma_text
    if not kept:
        return
    unless = None
    for pattern in rule.lemma_tokens:
        for m in pattern.finditer(text):
            if m.end() == m.start():
                continue
            first = bisect.bisect_right(positions, m.start()) - 1
            last = bisect.bisect_right(positions, m.end() - 2) - 1
            start, end = kept[first].start, kept[last].end
            if rule.unless is not None:
                if unless is None:  # looked for only once something matched
                    unless = _SpanIndex(rule.unless.spans_by_pattern(draft.masked))
                if unless.any_within(*draft.window(start, rule.window)):
                    continue
            yield start, end, {}


_KINDS = {
    "existence": _phrases,
    "pattern": _phrases,
    "substitution": _substitution,
    "structure": _structure,
    "readability": _readability,
    "jargon": _jargon,
    "attribution": _attribution,
    "lemmas": _lemmas,
    "options": _options,
}
