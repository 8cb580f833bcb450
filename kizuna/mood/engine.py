"""Reading the mood of one inbound message: find the cues, weigh them, decide.

See the package docstring for the contract and docs/mood.md for the lexicon format.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kizuna.lib.japanese import Morpheme, analyse
from kizuna.mail.quoting import split_quoted
from kizuna.mood.lexicon import (
    COMMON,
    CONTEXTS,
    KINDS,
    Entry,
    LemmaEntry,
    Lexicon,
    Text,
    fold,
    fold_width,
    load_common,
    load_lexicon,
)
from kizuna.replycheck.language import detect_language
from kizuna.replycheck.segments import mask_unchecked

MOODS = ("calm", "concerned", "upset", "panicking")
_RANK = {mood: i for i, mood in enumerate(MOODS)}

# The decision (see the package docstring): a panicking score of PANIC or more that is not
# below the upset score; otherwise an upset score of UPSET or more; otherwise any cues
# adding up to CONCERN.
PANIC = 2.0
UPSET = 1.5
CONCERN = 1.0
# Emphasis (!!, capitals) adds at most this much, and only to a message that has other cues.
EMPHASIS_CAP = 1.0
# Two earlier messages on the same request within the hour count 1.0; each further one 0.5
# more, up to 2.0.
FOLLOW_UPS_FROM = 2


def rank(mood: str) -> int:
    """The place of `mood` in MOODS (calm 0 … panicking 3), for comparing and sorting."""
    try:
        return _RANK[mood]
    except KeyError:
        raise ValueError(f"mood must be one of {', '.join(MOODS)}; got {mood!r}") from None


@dataclass(frozen=True, slots=True)
class Cue:
    """Words that moved the mood: `text` is exactly `input[start:end]` (code points).

    A cue about the message as a whole (follow-ups) has no span: start = end = 0, text "".
    """

    text: str
    start: int
    end: int
    kind: str
    reason: str
    weight: float = 1.0

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass
class MoodResult:
    mood: str
    cues: list[Cue]
    lang: str
    # The score of each mood the cues add up to (calm has none), for explaining a decision.
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON shape of `kizuna mood`: {"mood", "cues": [{"text", "start", "end"}]}."""
        return {"mood": self.mood, "cues": [c.to_dict() for c in self.cues]}


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    entry: Entry
    weight: float


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
# Capitals of three letters or more, not part of a longer word with digits or lower case:
# "URGENT", "DON'T"; never "HTTP2", "ERR_TIMEOUT" or "DNSSECv2".
_CAPITALS = re.compile(r"(?<![A-Za-z0-9_])([A-Z]{3,})(?:['’][A-Z]{1,2})?(?![A-Za-z0-9_])")
_SENTENCE_END = re.compile(r"[.!?。！？\n]")


def assess(text: str, *, lang: str = "auto", follow_ups: int = 0) -> MoodResult:
    """The mood of one inbound message from a customer. See the package docstring."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if lang not in ("auto", "ja", "en"):
        raise ValueError(f"lang must be one of auto, ja, en; got {lang!r}")
    if isinstance(follow_ups, bool) or not isinstance(follow_ups, int) or follow_ups < 0:
        raise ValueError(f"follow_ups must be a whole number, 0 or more; got {follow_ups!r}")
    own = own_words(text)
    if lang == "auto":
        lang = detect_language(own)
    cues, emphasis, hedged = _cues(text, own, lang)
    return _decide(cues, emphasis, follow_ups, lang, hedged=hedged)


def cues_in(text: str, *, lang: str = "auto") -> list[Cue]:
    """Every cue found in `text` before the decision weighs them (a calm result lists
    none): for checking the lexicons' examples and for tuning."""
    own = own_words(text)
    cues, emphasis, _ = _cues(text, own, detect_language(own) if lang == "auto" else lang)
    return sorted(cues + emphasis, key=_order)


def _cues(text: str, own: str, lang: str) -> tuple[list[Cue], list[Cue], bool]:
    """(word and shouting cues, punctuation cues, whether the customer hedged)."""
    wide = fold_width(own)
    low = fold(own)
    folded = Text(low)
    hits: list[_Hit] = []
    context: dict[str, list[tuple[int, int]]] = {name: [] for name in CONTEXTS}
    lexicons: list[Lexicon] = [load_lexicon(COMMON)]
    if lang == "en" or _LATIN.search(own):
        lexicons.append(load_lexicon("en"))
    if lang == "ja" or _JAPANESE.search(own):
        lexicons.append(load_lexicon("ja"))
    for lexicon in lexicons:
        found = list(_pattern_hits(lexicon, folded))
        if lexicon.lang == "ja":
            morphemes = _morphemes(own, lexicon, found)
            found += _lemma_hits(lexicon, morphemes)
            found = [h for h in found if not _negated_ja(h, morphemes, low)]
        elif lexicon.lang == "en":
            found = [h for h in found if not _negated_en(h, low)]
        hits += found
        for m, name in lexicon.context.matches(folded):
            context[name].append(m.span())
    hits = _in_context(hits, context, low)
    hits = _non_overlapping(hits)
    hits = _in_company(hits)
    cues = [_cue(text, h) for h in hits]
    cues = _capitals(text, wide, cues)
    return cues, _emphasis(text, wide, cues), bool(context["calming"])


def own_words(text: str) -> str:
    """`text` with everything that is not the customer's own new words blanked (same
    length, newlines kept): quoted earlier mail, quote headers, signatures, logs and code."""
    masked = mask_unchecked(text)
    new, folded = split_quoted(text)
    if folded:
        cut = len(new)
        masked = masked[:cut] + re.sub(r"[^\n]", " ", masked[cut:])
    return masked


# --- finding words --------------------------------------------------------------------------

_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _pattern_hits(lexicon: Lexicon, folded: Text) -> Iterable[_Hit]:
    low = folded.low
    for m, entry in lexicon.patterns.matches(folded):
        start, end = m.span()
        # Latin words need ASCII boundaries ("cancel" is not in "cancellation", but "asap"
        # is in "ASAPで": kana count as word characters for \b).
        if start < end and (
            (start > 0 and low[start] in _ASCII_WORD and low[start - 1] in _ASCII_WORD)
            or (end < len(low) and low[end - 1] in _ASCII_WORD and low[end] in _ASCII_WORD)
        ):
            continue
        yield _Hit(start, end, entry, entry.weight)


_HALF_WIDTH_KANA = re.compile(r"[\uff66-\uff9f]")


def _morphemes(own: str, lexicon: Lexicon, hits: list[_Hit]) -> list[Morpheme]:
    """The morphemes of the sentences that can matter: those holding a word that starts a
    lemma entry, or a pattern hit whose negation must be checked. Analysing only these keeps
    a long message with a few cues fast; each sentence is analysed whole, so what a lemma
    entry or a negation sees is the same as in the full text."""
    if _HALF_WIDTH_KANA.search(own):  # ｻｰﾊﾞｰ is サーバー only to the analyser
        return analyse(own)
    ends = [m.end() for m in _SENTENCE_END.finditer(own)]
    wanted: set[int] = set()
    for trigger in lexicon.triggers:
        at = own.find(trigger)
        while at >= 0:
            wanted.add(bisect.bisect_right(ends, at))
            at = own.find(trigger, at + 1)
    for h in hits:
        wanted.add(bisect.bisect_right(ends, h.start))
    if 2 * len(wanted) > len(ends):  # most of it: one call is cheaper than many
        return analyse(own)
    morphemes: list[Morpheme] = []
    # Neighbouring sentences are analysed together: fewer calls into the analyser.
    run: list[int] = []
    for i in sorted(wanted) + [-1]:
        if run and i != run[-1] + 1:
            start = ends[run[0] - 1] if run[0] > 0 else 0
            end = ends[run[-1]] if run[-1] < len(ends) else len(own)
            for m in analyse(own[start:end]):
                morphemes.append(
                    Morpheme(m.surface, m.lemma, m.pos, m.start + start, m.end + start)
                )
            run = []
        run.append(i)
    return morphemes


def _lemma_hits(lexicon: Lexicon, morphemes: list[Morpheme]) -> list[_Hit]:
    hits = []
    table = lexicon.lemmas_by_first
    for i, m in enumerate(morphemes):
        entries = table.get(m.lemma, ())
        if m.surface != m.lemma and m.surface in table:
            entries = (*entries, *table[m.surface])
        for entry in entries:
            last = _follow(entry, morphemes, i)
            if last is not None:
                hits.append(_Hit(m.start, morphemes[last].end, entry, entry.weight))
    return hits


def _accepts(words: frozenset[str], m: Morpheme) -> bool:
    return m.lemma in words or m.surface in words


def _boundary(m: Morpheme) -> bool:
    return bool(_SENTENCE_END.search(m.surface))


def _follow(entry: LemmaEntry, morphemes: list[Morpheme], i: int) -> int | None:
    """The index of the last morpheme of `entry` matched from morpheme i, or None."""
    pos = i + 1
    for words, gap in entry.steps[1:]:
        for j in range(pos, min(pos + gap + 1, len(morphemes))):
            m = morphemes[j]
            if _accepts(words, m):
                pos = j + 1
                break
            if _boundary(m):
                return None
        else:
            return None
    return pos - 1


# --- negation -------------------------------------------------------------------------------

_EN_NEGATORS = frozenset(
    "not no never nothing without nor hardly neither none nobody cannot non".split()
)
_EN_CLAUSE = re.compile(r"[.,;:!?()\n—–]|\bbut\b|\bhowever\b|\band\b")
_EN_TAIL_WORDS = re.compile(r"[a-z]+(?:['’][a-z]+)?")


def _negated_en(hit: _Hit, low: str) -> bool:
    """A negation among the three words before the cue, in the same clause: "not urgent",
    "no rush to", "I'm not at all worried", "we don't want to cancel"."""
    if not hit.entry.negatable:
        return False
    window = low[max(0, hit.start - 40) : hit.start]
    cut = 0
    for m in _EN_CLAUSE.finditer(window):
        cut = m.end()
    window = window[cut:]
    words = _EN_TAIL_WORDS.findall(window)[-3:]
    for i, word in enumerate(words):
        if word in _EN_NEGATORS or word.endswith(("n't", "n’t")):
            # "not only is production down" and "not just slow" do not deny what follows.
            if word == "not" and i + 1 < len(words) and words[i + 1] in ("only", "just"):
                continue
            return True
    return window.endswith("non-")


_JA_NEGATION = frozenset(("ず", "ない", "ぬ", "無い"))
# Words that only ever come with a negation after them.
_JA_NEGATIVE_POLARITY = re.compile(
    "全く|まったく|全然|一切|何も|何の|一度も|一言も|ひとことも|少しも|ちっとも|到底|決して|一向|いっこう|一件も|誰も|すら|さえ"
)
# 心配でなりません, 不安で仕方ありません, 困ってたまらない: the negation says "very".
_JA_INTENSIFYING = frozenset(("成る", "なる", "堪る", "たまる", "仕方", "しかた", "仕様", "しょう"))
# What follows a negation that does not deny: an obligation (しなければならない,
# しないといけない), a rhetorical question (ずさんではないでしょうか, リスクはありませんでし
# ょうか), a doubt (消えていないか心配). Only a plain question about an outage denies it.
_JA_OBLIGATION = ("ければ", "ば", "と", "ては", "ちゃ")
_JA_NOT_DENIAL = (
    "か",
    "でしょうか",
    "ですか",
    "のでしょうか",
    "のですか",
    "のか",
    "んですか",
    "んでしょうか",
    "のでは",
    "んじゃ",
)
_JA_MODAL = frozenset(("知れる", "しれる", "違い"))
_JA_CLAUSE_PARTICLES = frozenset(("が", "けど", "けれど", "けれども", "ので", "から", "のに"))


def _negated_ja(hit: _Hit, morphemes: list[Morpheme], low: str) -> bool:
    """A negation in the few words after the cue, in the same clause: 急ぎではありません,
    心配はしていません, 困ったことはありません."""
    if not hit.entry.negatable:
        return False
    if _JA_NEGATIVE_POLARITY.search(low, hit.start, hit.end):
        return False  # 全く使えない, 一切ない, 何の連絡もない: the negation is part of the phrase
    i = _first_at_or_after(morphemes, hit.end)
    for j in range(i, min(i + 8, len(morphemes))):
        m = morphemes[j]
        if _boundary(m) or m.surface in ("、", "，", ",") or m.surface.isspace():
            return False
        if m.lemma in _JA_INTENSIFYING:
            return False
        if m.pos[1] == "接続助詞" and m.surface in _JA_CLAUSE_PARTICLES:
            return False
        if m.lemma in _JA_NEGATION and m.pos[0] in ("助動詞", "形容詞"):
            after = "".join(x.surface for x in morphemes[j + 1 : j + 5])
            # 〜ざるを得ない: "cannot but", a must; 〜かもしれない: "may", 〜に違いない: "must".
            if m.surface == "ざる" and after.startswith(("を得", "をえ")):
                return False
            if any(x.lemma in _JA_MODAL for x in morphemes[max(0, j - 2) : j]):
                return False
            if after.startswith(_JA_OBLIGATION):
                return False
            if hit.entry.kind == "outage" and after.startswith(("か", "のか")):
                return True  # 止まっていないか確認してください: not a claim that it stopped
            return not after.startswith(_JA_NOT_DENIAL)
    return False


def _first_at_or_after(morphemes: list[Morpheme], offset: int) -> int:
    lo, hi = 0, len(morphemes)
    while lo < hi:
        mid = (lo + hi) // 2
        if morphemes[mid].start < offset:
            lo = mid + 1
        else:
            hi = mid
    return lo


# --- choosing among hits --------------------------------------------------------------------


class _Spans:
    """Sorted spans, asked whether any overlaps a range."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def __bool__(self) -> bool:
        return bool(self.spans)

    def overlap(self, start: int, end: int) -> bool:
        return _overlaps(self.spans, self.starts, start, end)


def _in_context(
    hits: list[_Hit], context: dict[str, list[tuple[int, int]]], low: str
) -> list[_Hit]:
    """Apply CONTEXTS: drop excluded hits and hits in neutral sentences, urgency in calmed
    sentences; read outage in hypothetical sentences as worry; halve outage in past
    sentences, and everywhere when the message mitigates."""
    if not any(context.values()):
        return hits
    excluded = _Spans(context["exclude"])
    neutral = _Spans(_sentence(low, s, e) for s, e in context["neutral"])
    calmed = _Spans(_sentence(low, s, e) for s, e in context["calming"])
    past = _Spans(_sentence(low, s, e) for s, e in context["past"])
    hypothetical = _Spans(_sentence(low, s, e) for s, e in context["hypothetical"])
    mitigated = bool(context["mitigating"])
    kept = []
    for h in hits:
        if excluded.overlap(h.start, h.end) or neutral.overlap(h.start, h.end):
            continue
        if h.entry.kind == "urgency" and calmed.overlap(h.start, h.end):
            continue
        if h.entry.kind == "outage" and hypothetical.overlap(h.start, h.end):
            h = _Hit(h.start, h.end, replace(h.entry, kind="worry", reason="worried"), h.weight)
        if h.entry.kind == "outage":
            factor = (0.5 if mitigated else 1) * (0.5 if past.overlap(h.start, h.end) else 1)
            if factor < 1:
                h = _Hit(h.start, h.end, h.entry, h.weight * factor)
        kept.append(h)
    return kept


def _overlaps(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    # Spans are short phrases: looking at the few starting before `end` is enough.
    i = bisect.bisect_left(starts, end) - 1
    while i >= 0:
        s, e = spans[i]
        if e > start and s < end:
            return True
        if start - s > 400:
            break
        i -= 1
    return False


def _sentence(low: str, start: int, end: int) -> tuple[int, int]:
    lo = start
    while lo > 0 and start - lo < 400 and not _SENTENCE_END.match(low, lo - 1):
        lo -= 1
    m = _SENTENCE_END.search(low, end, min(len(low), end + 400))
    return lo, m.start() if m else min(len(low), end + 400)


def _non_overlapping(hits: list[_Hit]) -> list[_Hit]:
    """Longest first where hits overlap (大至急 over 至急), then the heavier one."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), -h.weight))
    kept: list[_Hit] = []
    for h in hits:
        if not kept or h.start >= kept[-1].end:
            kept.append(h)
    return kept


def _in_company(hits: list[_Hit]) -> list[_Hit]:
    """Drop cues that count only beside a complaint or an outage, when there is none."""
    if not any(h.entry.with_others for h in hits):
        return hits
    # A complaint or a stopped service; urgency alone does not make a request a complaint.
    company = any(
        not h.entry.with_others and (KINDS[h.entry.kind] == "upset" or h.entry.kind == "outage")
        for h in hits
    )
    return [h for h in hits if company or not h.entry.with_others]


def _cue(text: str, h: _Hit) -> Cue:
    return Cue(text[h.start : h.end], h.start, h.end, h.entry.kind, h.entry.reason, h.weight)


# --- emphasis -------------------------------------------------------------------------------


def _capitals(text: str, wide: str, cues: list[Cue]) -> list[Cue]:
    """Words in capitals: a cue written in capitals counts more; other capital words (not
    acronyms) become shouting cues."""
    if not any("A" <= c <= "Z" for c in wide):
        return cues
    common = load_common()
    starts = [c.start for c in cues]
    boosted: set[int] = set()
    shouting = []
    for m in _CAPITALS.finditer(wide):
        word = m.group(1)
        if word in common.acronyms:
            continue
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and cues[i].end > m.start():
            boosted.add(i)
            continue
        if i + 1 < len(cues) and cues[i + 1].start < m.end():
            boosted.add(i + 1)
            continue
        shouting.append(
            Cue(text[m.start() : m.end()], m.start(), m.end(), "emphasis", "shouting", 0.0)
        )
    if boosted:
        cues = [
            Cue(c.text, c.start, c.end, c.kind, c.reason, c.weight * common.capitals_factor)
            if i in boosted
            else c
            for i, c in enumerate(cues)
        ]
    weight = common.shouting_weight
    return cues + [
        Cue(c.text, c.start, c.end, c.kind, c.reason, weight) for c in shouting if weight
    ]


_MARKS = re.compile(r"[!?‼⁉❗❕❓❔]{2,}|[‼⁉]")
_EXCLAIMING = frozenset("!‼❗❕⁉")
_ASKING = frozenset("?❓❔⁉")


def _emphasis(text: str, wide: str, cues: list[Cue]) -> list[Cue]:
    """Runs of ! and ? outside the cues: "!!" (exclamation), "?!" (both), "??"."""
    if "!" not in wide and "?" not in wide and not _MARKS.search(wide):
        return []
    weights = load_common().emphasis
    words = _Spans((c.start, c.end) for c in cues)
    found = []
    for m in _MARKS.finditer(wide):
        if words.overlap(m.start(), m.end()):
            continue
        marks = set(m.group())
        if marks & _EXCLAIMING and marks & _ASKING:
            reason, weight = "exclamation", weights["?!"]
        elif marks & _EXCLAIMING:
            reason, weight = "exclamation", weights["!!"]
        else:
            reason, weight = "question-marks", weights["??"]
        found.append(Cue(text[m.start() : m.end()], m.start(), m.end(), "emphasis", reason, weight))
    return found


# --- the decision ---------------------------------------------------------------------------


def _diminishing(weights: list[float]) -> float:
    """The strongest cue counts whole, the next half, the next a quarter…: saying "urgent"
    ten times is more than once, but not ten times more."""
    # Beyond a few dozen cues the rest adds nothing a float can hold.
    return sum(w / 2**i for i, w in enumerate(sorted(weights, reverse=True)[:40]))


def _decide(
    cues: list[Cue], emphasis: list[Cue], follow_ups: int, lang: str, *, hedged: bool
) -> MoodResult:
    words = [c for c in cues if c.kind != "emphasis"]
    loud = [c for c in cues if c.kind == "emphasis"] + emphasis
    if follow_ups >= FOLLOW_UPS_FROM:
        weight = min(2.0, 1.0 + 0.5 * (follow_ups - FOLLOW_UPS_FROM))
        words.append(Cue("", 0, 0, "follow-ups", "follow-ups", weight))
    by_reason: dict[tuple[str, str], list[float]] = defaultdict(list)
    for c in words:
        by_reason[c.kind, c.reason].append(c.weight)
    score = {"concerned": 0.0, "upset": 0.0, "panicking": 0.0}
    for (kind, _), weights in by_reason.items():
        score[KINDS[kind]] += _diminishing(weights)
    if hedged:  # "no rush", 急ぎません: the customer says it is not an emergency
        score["panicking"] /= 2
    if not any(score.values()):
        return MoodResult("calm", [], lang, {m: 0.0 for m in score})
    boost = min(EMPHASIS_CAP, _diminishing([c.weight for c in loud]))
    if score["panicking"] == 0 and score["upset"] == 0:
        score["concerned"] += boost
    elif score["panicking"] >= score["upset"]:
        score["panicking"] += boost
    else:
        score["upset"] += boost
    if score["panicking"] >= PANIC and score["panicking"] >= score["upset"]:
        mood = "panicking"
    elif score["upset"] >= UPSET:
        mood = "upset"
    elif sum(score.values()) >= CONCERN:
        mood = "concerned"
    else:
        return MoodResult("calm", [], lang, {m: round(v, 2) for m, v in score.items()})
    spanned = sorted((c for c in words + (loud if boost else []) if c.end), key=_order)
    whole = [c for c in words if not c.end]
    return MoodResult(mood, spanned + whole, lang, {m: round(v, 2) for m, v in score.items()})


def _order(c: Cue) -> tuple[int, int]:
    return c.start, c.end
