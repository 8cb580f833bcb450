"""Mood lexicons: YAML files a manager can read and edit, compiled once per process.

`lexicons/<lang>.yaml` holds the words and phrases of one language, in groups::

    groups:
      - kind: urgency            # decides which mood the cue pushes towards (see KINDS)
        reason: urgent-request   # the key the desk shows (see REASONS)
        weight: 1.0              # 0.5 weak, 1.0 normal, 1.5 strong
        lemmas: [至急, 急ぐ|急ぎ]   # Japanese: dictionary forms, so 急いで and 急ぎます count
        patterns: ['一刻も早く']    # regular expressions over the text itself
        examples: {cue: [...], no_cue: [...]}   # checked by the tests

A `lemmas` entry is a sequence of words separated by spaces; `a|b` accepts either, and `~`
lets up to three words stand between two others (`業務 ~ 止まる|停止` finds 業務が完全に止まって).
A word matches a morpheme's dictionary form or its surface. Patterns are matched against a
copy of the text in which full-width ASCII is folded to ASCII and A-Z to a-z (write them in
lower case; `！` and `!` are the same, and so are ’ and '); a space in a pattern matches any
run of whitespace.

Options of a group: `negatable` (default true): a negation right after (Japanese) or just
before (English) the words cancels the cue: 急ぎではありません, "not urgent". `with_others`
(default false): the cue counts only when the message also complains (a cue that adds to
upset) or reports an outage, for words that are neutral alone (ご説明いただけますでしょうか).

Top-level lists of phrases change how cues count (CONTEXTS): `exclude` (looks like a cue
but is not: 緊急メンテナンス, "urgent care"), `neutral` (a sentence thanking for past help or
naming a training topic), `calming` (hedges such as "no rush", お手すきの際に), `mitigating`
(a way around the problem: 回避できています), `past` ("last year", 先日) and `hypothetical`
("if we lose power", 停電した場合). `common.yaml`
holds what is the same in every language: emphatic punctuation, the acronyms that are not
shouting, angry faces.
"""

from __future__ import annotations

import re
import re._constants as _constants
import re._parser as _parser
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import gettext_lazy as _

from kizuna.replycheck.scan_regex import required_literals

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
LANGUAGES = ("ja", "en")
# Words the same in every language (angry faces, ‼): always looked for.
COMMON = "common"

# The kind of a cue decides the mood it pushes towards; see the decision in engine.py.
KINDS = {
    "urgency": "panicking",
    "outage": "panicking",
    "threat": "upset",
    "escalation": "upset",
    "repetition": "upset",
    "waiting": "upset",
    "anger": "upset",
    "worry": "concerned",
    "emphasis": None,  # only strengthens the other cues
    "follow-ups": "upset",
}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Full-width ASCII read as ASCII and A-Z as a-z, one character for one, so that offsets into
# the folded copy are offsets into the text.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
# Typographic apostrophes as ', in the text and in patterns: "can’t" is "can't".
_WIDTH[0x2019] = _WIDTH[0x2018] = 0x27
_LOWER = {c: c + 0x20 for c in range(0x41, 0x5B)}
_LOWER.update({c: c - 0xFEE0 + 0x20 for c in range(0xFF21, 0xFF3B)})
_FOLD = {**_WIDTH, **_LOWER}


_FOLDABLE = re.compile(r"[\uff01-\uff5e\u3000\u2018\u2019]+")
_ASCII_LOWER = {c: c + 0x20 for c in range(0x41, 0x5B)}


def fold_width(text: str) -> str:
    """Full-width ASCII and the ideographic space as ASCII; same length as `text`."""
    # Translating only the runs that need it: str.translate looks up every character.
    return _FOLDABLE.sub(lambda m: m.group().translate(_WIDTH), text)


def fold(text: str) -> str:
    """`fold_width` and A-Z as a-z; same length as `text`."""
    wide = fold_width(text)
    low = wide.lower()
    # A few letters lower-case to two characters (İ); then only A-Z, to keep the offsets.
    return low if len(low) == len(wide) else wide.translate(_ASCII_LOWER)


# Latin words, with an apostrophe only inside ("can't", not "'hacked'").
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_WORD_SAFE = re.compile(r"[a-z0-9']+")


_STEM = 6  # word starts are kept up to this many letters


class Text:
    """A message folded for matching, with what the quick tests of `Phrases` ask."""

    def __init__(self, low: str):
        self.low = low
        words = _WORDS.findall(low)
        # The Latin words alone: a short string to search in a Japanese message.
        self.words = " ".join(words)
        # How each Latin word starts ("c", "ca", "can", "cann"…): a literal that starts a
        # pattern starts a word, so one set lookup answers for it.
        self.word_starts = {w[:k] for w in set(words) for k in range(1, min(len(w), _STEM) + 1)}
        # Every pair of neighbouring characters: a set lookup rules out most other literals
        # before a substring search.
        self.pairs = set(map(str.__add__, low, low[1:]))
        self.chars = set(low)
        self._starts: dict[str, list[int]] = {}

    def starts(self, literal: str) -> list[int]:
        """Where `literal` occurs (a Latin one only at the start of a word)."""
        found = self._starts.get(literal)
        if found is None:
            low, found = self.low, []
            latin = literal[0] in _LATIN
            at = low.find(literal)
            while at >= 0:
                # A Latin word starts only after a non-letter: "no" is not in "know".
                if not (latin and at and low[at - 1] in _LATIN):
                    found.append(at)
                at = low.find(literal, at + 1)
            self._starts[literal] = found
        return found


class Phrases:
    """Regexes with a quick test: each runs only when one of the literals that every one of
    its matches contains is in the text (most messages hold none of a lexicon's words, and a
    substring test is far cheaper than a regex). Each regex carries a payload."""

    def __init__(self, items: list[tuple[re.Pattern, object]]):
        self.items = items
        # Where every match starts with one of a few telling literals, the regex is tried
        # only where they occur instead of being run over the whole text.
        self._anchors: list[tuple[str, ...] | None] = []
        index: dict[str, list[int]] = {}
        starting: set[str] = set()
        inside: set[str] = set()
        always = []
        for i, (regex, _payload) in enumerate(items):
            prefixes = _prefixes(regex)
            self._anchors.append(prefixes if _telling(prefixes) else None)
            inner = required_literals(_plain(regex))
            # The quick test uses whichever literals are longer, as they are rarer.
            choices = [c for c in (prefixes, inner) if c]
            literals = max(choices, key=lambda c: min(map(len, c))) if choices else None
            # One Latin letter tests nothing worth testing; one kanji does.
            if literals is None or any(len(c) < 2 and c in _LATIN for c in literals):
                always.append(i)
                continue
            (starting if literals is prefixes else inside).update(literals)
            for literal in set(literals):
                index.setdefault(literal, []).append(i)
        # The literals by their first two characters: the pairs a text holds pick out the
        # few worth a substring test, in one set intersection.
        by_pair: dict[str, list[tuple[str, int, tuple[int, ...]]]] = {}
        by_char: dict[str, list[int]] = {}
        for literal, indices in index.items():
            if len(literal) == 1:
                by_char.setdefault(literal, []).extend(indices)
                continue
            if not _WORD_SAFE.fullmatch(literal):
                how = 2  # anywhere in the text
            elif literal in starting and literal not in inside and literal[0] in _LATIN:
                how = 0  # at the start of a Latin word (a match never starts inside one)
            else:
                how = 1  # inside the Latin words
            by_pair.setdefault(literal[:2], []).append((literal, how, tuple(indices)))
        self._by_pair = by_pair
        self._pairs = frozenset(by_pair)
        self._by_char = by_char
        self._chars = frozenset(by_char)
        self._always = always

    def __bool__(self) -> bool:
        return bool(self.items)

    def matches(self, text: Text):
        """(match, payload) for every match of every regex, regex by regex."""
        chosen = set(self._always)
        low, words, word_starts = text.low, text.words, text.word_starts
        for char in self._chars & text.chars:
            chosen.update(self._by_char[char])
        for pair in self._pairs & text.pairs:
            for literal, how, indices in self._by_pair[pair]:
                if how == 0:
                    found = literal[:_STEM] in word_starts and (
                        len(literal) <= _STEM or literal in words
                    )
                else:
                    found = literal in (words if how == 1 else low)
                if found:
                    chosen.update(indices)
        for i in sorted(chosen):
            regex, payload = self.items[i]
            anchors = self._anchors[i]
            if anchors is None:
                for m in regex.finditer(low):
                    yield m, payload
                continue
            end = -1
            for at in sorted({at for anchor in anchors for at in text.starts(anchor)}):
                if at < end:  # inside the previous match, as finditer would skip it
                    continue
                m = regex.match(low, at)
                if m and m.end() > at:
                    end = m.end()
                    yield m, payload


def _telling(prefixes: tuple[str, ...] | None) -> bool:
    """Whether trying a regex at each occurrence of its prefixes beats one scan: a few of
    them, each rare enough (not "we" or "no")."""
    if not prefixes or len(prefixes) > 12:
        return False
    return all(len(p) >= (3 if p[0] in _LATIN else 2) for p in prefixes)


_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


# Only a match ending in a Latin letter or digit must not stop inside a word ("のに50" ends
# fine after のに).
_WORD_END = "(?:(?<![a-z0-9])|(?![a-z0-9]))"


def _plain(regex: re.Pattern) -> re.Pattern:
    """The pattern as written, without the word-end guard `_compile` adds."""
    pattern = regex.pattern
    if pattern.startswith("(?:") and pattern.endswith(")" + _WORD_END):
        return re.compile(pattern[3 : -len(_WORD_END) - 1], regex.flags)
    return regex


def _prefixes(regex: re.Pattern) -> tuple[str, ...] | None:
    """Literals one of which starts every match of `regex`, or None when there are none
    (the pattern starts with a class, an optional part or an anchor)."""
    regex = _plain(regex)
    try:
        parsed = list(_parser.parse(regex.pattern, regex.flags))
    except Exception:  # noqa: BLE001 - any surprise just disables the shortcut
        return None
    return _starts(parsed)


def _starts(items: list) -> tuple[str, ...] | None:
    run = ""
    for at, (op, arg) in enumerate(items):
        if op is _constants.LITERAL:
            run += chr(arg)
            continue
        if run:
            return (run,)
        if op is _constants.SUBPATTERN:
            return _starts(list(arg[-1]))
        if op is _constants.BRANCH:
            found: list[str] = []
            for branch in arg[1]:
                starts = _starts(list(branch))
                if not starts:
                    return None
                found += starts
            return tuple(found)
        if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
            least, _most, inner = arg
            if least:
                return _starts(list(inner))
            # An optional start ("(?:a )?journalist"): either it or what follows starts.
            first, rest = _starts(list(inner)), _starts(items[at + 1 :])
            return first + rest if first and rest else None
        return None
    return (run,) if run else None


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and the group."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One lemma sequence or one pattern, with its group's meaning."""

    kind: str
    reason: str
    weight: float
    negatable: bool
    with_others: bool
    source: str


@dataclass(frozen=True, slots=True)
class LemmaEntry(Entry):
    # Each step: the set of accepted words, and how many words may stand before it.
    steps: tuple[tuple[frozenset[str], int], ...]


@dataclass(frozen=True, slots=True)
class PatternEntry(Entry):
    regex: re.Pattern


@dataclass(frozen=True)
class Group:
    kind: str
    reason: str
    weight: float
    examples: dict


@dataclass(frozen=True)
class Lexicon:
    lang: str
    groups: tuple[Group, ...]
    # Pattern entries, each the payload of its own regex.
    patterns: Phrases
    # Lemma entries by the words their first step accepts.
    lemmas_by_first: dict[str, tuple[LemmaEntry, ...]]
    # Strings one of which the surface of any such word contains (its first kanji, or its
    # first two kana): sentences without any need no analysis.
    triggers: tuple[str, ...]
    # Phrases that change how cues count, all in one: the payload is the context's name.
    context: Phrases


@dataclass(frozen=True)
class Common:
    # Weights of "!!", "?!" and "??" (and longer runs).
    emphasis: dict[str, float]
    shouting_weight: float
    acronyms: frozenset[str]
    capitals_factor: float


_GAP = 3

# Lists of phrases beside the groups, and what they do to the cues:
CONTEXTS = (
    "exclude",  # looks like a cue but is not (緊急メンテナンス, "urgent care"): overlapping cues go
    "neutral",  # thanks for past help, a training topic: no cue in the same sentence counts
    "calming",  # "no rush", お手すきの際に: no urgency in the sentence; panicking counts half
    "mitigating",  # "we can work around it", 回避できています: outage cues count half
    "past",  # "last year", 先日: outage cues in the same sentence count half
    "hypothetical",  # "if we lose power", 停電した場合: outage cues there are a worry
)


def _flexible(source: str) -> str:
    """A space outside a character class matches any run of whitespace (mail is wrapped)."""
    out, in_class, escaped = [], False, False
    for ch in source:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        elif ch == " " and not in_class:
            out.append(r"\s+")
        else:
            out.append(ch)
    return "".join(out)


def _compile(source: str, where: str) -> re.Pattern:
    if not isinstance(source, str) or not source.strip():
        raise LexiconError(f"{where}: a pattern must be a non-empty string")
    try:
        plain = _flexible(fold_width(source))
        # A match may not stop inside a Latin word: the regex backtracks to a shorter or
        # longer choice instead ("cannot place order" must not end inside "orders").
        regex = re.compile(f"(?:{plain}){_WORD_END}")
    except re.error as e:
        raise LexiconError(f"{where}: bad pattern {source!r}: {e}") from e
    if regex.search(""):
        raise LexiconError(f"{where}: pattern {source!r} matches the empty string")
    return regex


def _alternatives(source: str) -> list[str]:
    """`a|b|c` as three patterns (only at the top level, outside groups and classes): each
    then gets its own quick test and anchors, instead of one scan for all of them."""
    parts, depth, in_class, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(source):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    parts.append(source[start:])
    return parts if all(p.strip() for p in parts) else [source]


def _steps(source: str, where: str) -> tuple[tuple[frozenset[str], int], ...]:
    steps: list[tuple[frozenset[str], int]] = []
    gap = 0
    for word in source.split():
        if word == "~":
            if not steps:
                raise LexiconError(f"{where}: {source!r} cannot start with ~")
            gap = _GAP
            continue
        steps.append((frozenset(w for w in word.split("|") if w), gap))
        gap = 0
    if not steps or gap:
        raise LexiconError(f"{where}: {source!r} must name words and end with one")
    return tuple(steps)


def _group(raw: dict, where: str) -> tuple[Group, list[Entry]]:
    unknown = set(raw) - {
        "kind",
        "reason",
        "weight",
        "lemmas",
        "patterns",
        "negatable",
        "with_others",
        "examples",
        "note",
    }
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
    kind = raw.get("kind")
    if kind not in KINDS or kind in ("emphasis", "follow-ups"):
        raise LexiconError(f"{where}: kind must be one of the word kinds; got {kind!r}")
    reason = raw.get("reason")
    if reason not in REASONS:
        raise LexiconError(f"{where}: reason {reason!r} is not one of REASONS")
    weight = raw.get("weight", 1.0)
    if not isinstance(weight, int | float) or not 0 < weight <= 3:
        raise LexiconError(f"{where}: weight must be a number above 0 and at most 3")
    options = {
        "kind": kind,
        "reason": reason,
        "weight": float(weight),
        "negatable": bool(raw.get("negatable", True)),
        "with_others": bool(raw.get("with_others", False)),
    }
    entries: list[Entry] = []
    for source in raw.get("lemmas") or []:
        entries.append(LemmaEntry(**options, source=source, steps=_steps(str(source), where)))
    for source in raw.get("patterns") or []:
        _compile(source, where)  # the whole pattern must be valid, not only its parts
        for alternative in _alternatives(source):
            regex = _compile(alternative, where)
            entries.append(PatternEntry(**options, source=alternative, regex=regex))
    if not entries:
        raise LexiconError(f"{where}: a group needs lemmas or patterns")
    group = Group(kind=kind, reason=reason, weight=float(weight), examples=raw.get("examples", {}))
    return group, entries


def _read(name: str) -> dict:
    path = LEXICON_DIR / name
    with path.open(encoding="utf-8") as f:
        data = yaml.load(f, Loader=_Loader)
    if not isinstance(data, dict):
        raise LexiconError(f"{path.name}: expected a mapping at the top")
    return data


@cache
def load_lexicon(lang: str) -> Lexicon:
    """The compiled lexicon of one language (read once per process)."""
    if lang not in (*LANGUAGES, COMMON):
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    data = _read(f"{lang}.yaml")
    groups, patterns, by_first = [], [], {}
    for i, raw in enumerate(data.get("groups") or []):
        where = f"{lang}.yaml group {i + 1} ({raw.get('reason', '?')})"
        group, entries = _group(raw, where)
        groups.append(group)
        for entry in entries:
            if isinstance(entry, LemmaEntry):
                for word in entry.steps[0][0]:
                    by_first.setdefault(word, []).append(entry)
            else:
                patterns.append(entry)
    context = [
        (_compile(alternative, f"{lang}.yaml {name}"), name)
        for name in CONTEXTS
        for source in data.get(name) or []
        for alternative in _alternatives(source)
    ]
    return Lexicon(
        lang=lang,
        groups=tuple(groups),
        patterns=Phrases([(entry.regex, entry) for entry in patterns]),
        lemmas_by_first={k: tuple(v) for k, v in by_first.items()},
        triggers=tuple(
            sorted(
                {t for entries in by_first.values() for e in entries for t in _entry_triggers(e)}
            )
        ),
        context=Phrases(context),
    )


_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々]")
_INFLECTING = frozenset("うくぐすつぬぶむるい")


def _trigger(word: str) -> str:
    """What the surface of any form of `word` contains: the word without an inflecting last
    kana (困る: 困っ, 困り → 困; 止まる → 止ま; こまる → こま), else the word itself."""
    stem = word[:-1]
    if word[-1] in _INFLECTING and (len(stem) >= 2 or _KANJI.search(stem)):
        return stem
    return word


def _entry_triggers(entry: LemmaEntry) -> frozenset[str]:
    # Every step must be in the sentence: test the most telling one (longest triggers).
    steps = [frozenset(map(_trigger, words)) for words, _ in entry.steps]
    return max(steps, key=lambda triggers: (min(map(len, triggers)), -len(triggers)))


@cache
def load_common() -> Common:
    data = _read("common.yaml")
    emphasis = {key: float(data["emphasis"][key]) for key in ("!!", "?!", "??")}
    return Common(
        emphasis=emphasis,
        shouting_weight=float(data["shouting"]["weight"]),
        acronyms=frozenset(str(a).upper() for a in data["shouting"]["not_shouting"]),
        capitals_factor=float(data["shouting"]["cue_in_capitals"]),
    )


# Why a cue counts: a short, stable key, and the words the desk shows for it. Lexicon groups
# must use one of these.
REASONS = {
    "urgent-request": _("asks for help urgently"),
    "alarmed": _("sounds alarmed or at a loss"),
    "service-down": _("says a service is down or unusable"),
    "business-stopped": _("says their business or their own customers are stopped"),
    "data-or-security": _("fears or reports lost data or a break-in"),
    "threat-to-leave": _("threatens to cancel or to leave for another provider"),
    "demands-compensation": _("demands compensation or mentions legal steps"),
    "asks-for-manager": _("asks for a manager or someone in charge"),
    "repeated-problem": _("says it has happened or been reported before"),
    "kept-waiting": _("complains about waiting or getting no answer"),
    "dissatisfied": _("expresses dissatisfaction or anger"),
    "demands-explanation": _("demands an explanation after a complaint"),
    "worried": _("expresses worry or asks whether things are safe"),
    "in-trouble": _("says they are in trouble"),
    "exclamation": _("emphatic punctuation (!!, ?!)"),
    "question-marks": _("repeated question marks"),
    "shouting": _("words in capital letters"),
    "follow-ups": _("wrote again several times within the hour"),
}
