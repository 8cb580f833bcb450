"""Rule packs: YAML files that a manager can read and edit, compiled once into `Rule`s.

A pack is `rules/<lang>.yaml` with `lang`, optional `defs` (named regex fragments used as
`{{name}}`) and `rules`. Rule kinds, in the manner of Vale:

- existence     words or phrases (`tokens`) that should not appear;
- substitution  `swap: {pattern: replacement}`; the replacement becomes the suggestion;
- pattern       like existence, but a match is neutralised when one of `unless` appears in
                its `window` (sentence, neighbours, paragraph, message): "推測ですが" labels a
                guess (P7), an alternative rescues a refusal (P4);
- structure     whole-message requirements: every group in `require` must match within
                `window` (message or one sentence), e.g. a checkpoint needs a time and a verb
                of reporting in the same sentence (P1);
- readability   sentences longer than `max[audience]` (characters in ja, words in en);
- jargon        terms from the bilingual glossary, unless explained nearby (P6);
- lemmas        Japanese, read through the analyser: each token is a regular expression over
                the sentence's dictionary forms, each followed by one space ("出来る ます ず "
                is できません, できませんでした …), so one token covers every inflection;
- options       a message offering choices (`when`) lists them as items (`item`: "1.", "A:",
                "・", "Option B"); each item must say what it costs or risks (`require`), P4;
- attribution   who a sentence says is at fault (Japanese, through the analyser): a word for
                the customer's side (`who`) with a fault word among the sentence's dictionary
                forms (`faults`, or `denied`: a word that only counts negated, 正しくない), unless
                our side is named too (`unless_who`); with `denied` only, our side saying it has
                no problem (当社側には問題ございません).

A pack may be split: `rules/<lang>.yaml` and any `rules/<lang>.<name>.yaml` beside it, whose
rules use the main pack's `defs`.

In English packs, a lower-case word in single braces (`{cause}`, `{be}`) stands for every
form of that word (caused, causes, causing; is, was, were …), from lemminflect's tables.

Every token is a regular expression. Tokens starting or ending with a Latin letter or digit
get ASCII word boundaries (never `\\b`: in Unicode regexes kana count as word characters, so
`\\bDNS\\b` would miss "DNSの").
"""

from __future__ import annotations

import re
import re._parser as _parser
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from lemminflect import getAllInflections

from kizuna.replycheck.findings import AUDIENCES, CATEGORIES, LANGUAGES, PURPOSES, SEVERITIES
from kizuna.replycheck.scan_regex import compile_for_scan, compile_plain, literals_in

RULES_DIR = Path(__file__).resolve().parent / "rules"
KINDS = (
    "existence",
    "substitution",
    "pattern",
    "structure",
    "readability",
    "jargon",
    "attribution",
    "lemmas",
    "options",
)
# "rest": from the sentence's start to the end of the message (what follows a refusal);
# "opening": the first four sentences, where a salutation and greeting may come before the
# point (structure rules: bad news comes first).
WINDOWS = ("sentence", "neighbours", "rest", "opening", "paragraph", "message")
POSITIONS = ("anywhere", "sentence-start")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RulePackError(ValueError):
    """A rule pack is malformed; the message names the file and the rule."""


@dataclass(frozen=True)
class GlossaryTerm:
    id: str
    plain: str
    common: bool  # widely known (DNS): only a hint, never a warning


@dataclass
class Rule:
    id: str
    lang: str
    kind: str
    category: str
    principle: str
    severity: str
    message: str
    suggestion: str
    examples: dict
    purposes: frozenset[str] = frozenset()
    audience: dict = field(default_factory=dict)
    tokens: Tokens | None = None
    exceptions: Tokens | None = None
    unless: Tokens | None = None
    window: str = "sentence"
    position: str = "anywhere"
    swaps: list = field(default_factory=list)
    require: list = field(default_factory=list)
    # structure: the requirements only apply to a message in which all of these match.
    when: list = field(default_factory=list)
    maximum: dict = field(default_factory=dict)
    glossary: dict = field(default_factory=dict)
    explained_after: Tokens | None = None
    explained_before: Tokens | None = None
    # attribution: who is named (text), the fault words (dictionary forms), the words that
    # count only when negated, and who, named too, takes the fault on our side.
    who: Tokens | None = None
    unless_who: Tokens | None = None
    faults: re.Pattern | None = None
    denied: re.Pattern | None = None
    # options: what starts one offered choice (a list marker, "Option B").
    item: Tokens | None = None
    # lemmas: regexes over the space-joined dictionary forms.
    lemma_tokens: list = field(default_factory=list)

    def applies_to(self, purpose: str) -> bool:
        return not self.purposes or purpose in self.purposes

    def severity_for(self, audience: str) -> str | None:
        """The severity for this audience; None when the rule is off for it."""
        level = self.audience.get(audience, self.severity)
        return None if level == "off" else level

    def metadata(self) -> dict:
        return {
            "id": self.id,
            "lang": self.lang,
            "kind": self.kind,
            "category": self.category,
            "principle": self.principle,
            "severity": self.severity,
            "message": self.message,
            "suggestion": self.suggestion,
            "purposes": sorted(self.purposes),
            "audience": dict(self.audience),
        }


_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


class Tokens:
    """A list of regexes searched one by one.

    Python's `re` scans a big alternation branch by branch at every position, while a single
    regex starting with a literal is found with a fast prefix search: keeping tokens apart is
    several times faster (a 1,000-character message in a few milliseconds). For the same
    reason, ASCII word boundaries are checked here on the matched text rather than with
    lookbehinds in the regex, and ignore-case tokens run on the lower-cased text
    (`scan_regex`).
    """

    def __init__(self, sources: list[str], *, ignore_case: bool):
        self._sources = sources
        self._ignore_case = ignore_case
        self.literals = [
            literals_in(_parser.parse(s, re.IGNORECASE if ignore_case else 0)) for s in sources
        ]
        # (regex to scan with, whether it reads the lower-cased text)
        self._scans = [compile_for_scan(s, ignore_case=ignore_case) for s in sources]
        self._plain: dict[int, re.Pattern] = {}

    def _plain_pattern(self, n: int) -> re.Pattern:
        """Token n as an ordinary ignore-case regex over the text as written: only for the
        rare text whose lower-cased form is longer (offsets would not line up)."""
        if n not in self._plain:
            self._plain[n] = compile_plain(self._sources[n], ignore_case=self._ignore_case)
        return self._plain[n]

    def _candidates(self, text: str, pos: int = 0, endpos: int | None = None):
        """(regex, text to run it on) for the patterns that can match at all: most messages
        contain none of a rule's words, and `find` on a string is far cheaper than running
        the regex. Only the searched range is looked at, so asking about each sentence of a
        long draft stays linear."""
        lowered, grams = _lowered(text)
        endpos = len(text) if endpos is None else endpos
        same_offsets = len(lowered) == len(text)
        if not same_offsets:  # a few letters lower-case to two ("İ"): offsets shift
            pos, endpos = 0, len(lowered)
        for n, literals in enumerate(self.literals):
            # A literal whose first three characters occur nowhere in the text cannot be in
            # it: a set lookup spares most `find` scans (the glossary alone has ~1,000).
            if literals is None or any(
                (len(lit) < 3 or lit[:3] in grams) and lowered.find(lit, pos, endpos) >= 0
                for lit in literals
            ):
                scan, on_lowered = self._scans[n]
                if not on_lowered:
                    yield scan, text
                elif same_offsets:
                    yield scan, lowered
                else:
                    yield self._plain_pattern(n), text

    def spans_by_pattern(self, text: str) -> list[list[tuple[int, int]]]:
        """Every match of each pattern, one ordered list per pattern (a pattern's own matches
        never overlap, so their ends rise with their starts)."""
        return [
            [
                (m.start(), m.end())
                for m in pattern.finditer(subject)
                if _on_word_boundaries(text, m.start(), m.end())
            ]
            for pattern, subject in self._candidates(text)
        ]

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
        """Non-overlapping (start, end) spans, leftmost first, longest on ties."""
        endpos = len(text) if endpos is None else endpos
        spans = []
        for pattern, subject in self._candidates(text, pos, endpos):
            for m in pattern.finditer(subject, pos, endpos):
                if m.start() < m.end() and _on_word_boundaries(text, m.start(), m.end()):
                    spans.append((m.start(), m.end()))
        spans.sort(key=lambda s: (s[0], -s[1]))
        kept: list[tuple[int, int]] = []
        for span in spans:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        return kept

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> bool:
        endpos = len(text) if endpos is None else endpos
        for pattern, subject in self._candidates(text, pos, endpos):
            for m in pattern.finditer(subject, pos, endpos):
                if _on_word_boundaries(text, m.start(), m.end()):
                    return True
        return False


_last_lowered: tuple[str, str, frozenset[str]] = ("", "", frozenset())


def _lowered(text: str) -> tuple[str, frozenset[str]]:
    """The text lower-cased, and the set of its three-character pieces. One message is
    checked by ~100 rules in a row: both are made once (per thread: a check runs in one)."""
    global _last_lowered
    last = _last_lowered
    if last[0] is not text:
        lowered = text.lower()
        last = _last_lowered = (
            text,
            lowered,
            frozenset(lowered[i : i + 3] for i in range(len(lowered) - 2)),
        )
    return last[1], last[2]


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    # Only Latin words need boundaries: "DNS" must not match inside "DNSSEC", but must match
    # in "DNSの" (in Unicode regexes kana count as word characters, so \b would fail there).
    if start < end and text[start] in _ASCII_WORD and start > 0 and text[start - 1] in _ASCII_WORD:
        return False
    if (
        start < end
        and text[end - 1] in _ASCII_WORD
        and end < len(text)
        and text[end] in _ASCII_WORD
    ):
        return False
    return True


def _flexible_spaces(token: str) -> str:
    """A space in a token matches any run of whitespace: mail is wrapped at any word."""
    out, in_class, escaped = [], False, False
    for i, ch in enumerate(token):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == " " and not in_class:
            # " ?" stays optional; a bare space becomes one or more whitespace characters.
            out.append(r"\s" if token[i + 1 : i + 2] in ("?", "*", "+", "{") else r"\s+")
            continue
        out.append(ch)
    return "".join(out)


def token_regex(tokens: list[str], *, ignore_case: bool) -> Tokens:
    return Tokens([_flexible_spaces(t) for t in tokens], ignore_case=ignore_case)


@cache
def load_pack(lang: str) -> tuple[Rule, ...]:
    """Load and compile `rules/<lang>.yaml` and its parts `rules/<lang>.<name>.yaml` (cached
    for the life of the process)."""
    main = RULES_DIR / f"{lang}.yaml"
    packs = [(main, _read_pack(main, lang))]
    packs += [(p, _read_pack(p, lang)) for p in sorted(RULES_DIR.glob(f"{lang}.*.yaml"))]
    defs = packs[0][1].get("defs") or {}
    rules = []
    seen = set()
    for path, data in packs:
        for raw in data.get("rules") or []:
            rule = _compile_rule(raw, lang=lang, defs=defs, source=path.name)
            if rule.id in seen:
                raise RulePackError(f"{path.name}: duplicate rule id {rule.id}")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(rules)


def _read_pack(path: Path, lang: str) -> dict:
    with path.open(encoding="utf-8") as f:
        data = yaml.load(f, Loader=_Loader)
    if not isinstance(data, dict) or data.get("lang") != lang:
        raise RulePackError(f"{path.name}: expected a mapping with 'lang: {lang}'")
    return data


@cache
def load_glossary(name: str, lang: str) -> tuple[tuple[GlossaryTerm, Tokens], ...]:
    """Every term of the glossary that has words in `lang`, with its compiled tokens."""
    with (RULES_DIR / name).open(encoding="utf-8") as f:
        data = yaml.load(f, Loader=_Loader)
    terms = []
    for entry in data["terms"]:
        words = entry.get(lang) or []
        if not words:
            continue
        case_sensitive = entry.get("case_sensitive", all(w.isupper() for w in words))
        # `common: true`, or the languages in which the term is common (`common: [en]`:
        # "mailbox quota" is everyday English, クォータ is not everyday Japanese).
        common = entry.get("common", False)
        common = lang in common if isinstance(common, list) else bool(common)
        term = GlossaryTerm(id=entry["id"], plain=entry["plain"][lang], common=common)
        terms.append((term, token_regex(words, ignore_case=not case_sensitive)))
    return tuple(terms)


@cache
def glossary_index(name: str, lang: str) -> tuple[dict[str, list], list, frozenset[int]]:
    """Which glossary terms a text may hold, found from its three-character pieces rather
    than by asking each of the ~360 terms in turn: {piece: [(literal, term number)]}, the
    literals shorter than three characters, and the terms that must always be tried (a
    pattern with no literal to look for)."""
    by_gram: dict[str, list] = {}
    short: list = []
    always = set()
    for n, (_, tokens) in enumerate(load_glossary(name, lang)):
        for literals in tokens.literals:
            if literals is None:
                always.add(n)
                continue
            for lit in literals:
                if len(lit) < 3:
                    short.append((lit, n))
                else:
                    by_gram.setdefault(lit[:3], []).append((lit, n))
    return by_gram, short, frozenset(always)


def glossary_candidates(name: str, lang: str, text: str) -> list[int]:
    """The numbers of the glossary terms that may occur in `text`, in glossary order."""
    by_gram, short, always = glossary_index(name, lang)
    lowered, grams = _lowered(text)
    found = set(always)
    for gram in grams & by_gram.keys():
        for lit, n in by_gram[gram]:
            if n not in found and lit in lowered:
                found.add(n)
    for lit, n in short:
        if n not in found and lit in lowered:
            found.add(n)
    return sorted(found)


def _expand(pattern: str, defs: dict, where: str, lang: str = "") -> str:
    def repl(m: re.Match) -> str:
        return "(?:" + "|".join(_definition(m.group(1), defs, where)) + ")"

    expanded = re.sub(r"\{\{(\w[\w-]*)\}\}", repl, str(pattern))
    if lang == "en":
        expanded = _WORD_FORMS.sub(lambda m: _forms_regex(m.group(1)), expanded)
    return expanded


# `{cause}`: a lower-case word alone in single braces (never a quantifier such as `{0,3}`).
_WORD_FORMS = re.compile(r"(?<![{\\])\{([a-z]+)\}(?!\})")


@cache
def _forms_regex(word: str) -> str:
    forms = {word}
    for spellings in getAllInflections(word).values():
        forms.update(spellings)
    # Longest first, so "causes" is not cut to "cause". Contractions ("it's") attach to the
    # word before and are written out in the rule.
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f))) + ")"


def _definition(name: str, defs: dict, where: str) -> list[str]:
    if name not in defs:
        raise RulePackError(f"{where}: unknown definition {{{{{name}}}}}")
    value = defs[name]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _expand_tokens(tokens: list, defs: dict, where: str, lang: str = "") -> list[str]:
    """A token that is just `{{name}}` becomes the definition's alternatives, kept as separate
    regexes (faster than one alternation); other tokens get definitions inlined."""
    out = []
    for token in tokens:
        whole = re.fullmatch(r"\{\{(\w[\w-]*)\}\}", str(token))
        if whole:
            out += [_expand(t, defs, where, lang) for t in _definition(whole.group(1), defs, where)]
        else:
            out.append(_expand(token, defs, where, lang))
    return out


def _compile_rule(raw: dict, *, lang: str, defs: dict, source: str) -> Rule:
    rid = raw.get("id", "?")
    where = f"{source}: rule {rid}"
    for key in ("id", "kind", "category", "principle", "severity", "message", "suggestion"):
        if key not in raw:
            raise RulePackError(f"{where}: missing '{key}'")
    _check_choice(where, "kind", raw["kind"], KINDS)
    _check_choice(where, "category", raw["category"], CATEGORIES)
    _check_choice(where, "severity", raw["severity"], SEVERITIES)
    examples = raw.get("examples") or {}
    if not examples.get("bad") or not examples.get("good"):
        raise RulePackError(f"{where}: every rule needs bad and good examples")
    for text in (*examples["bad"], *examples["good"]):
        if not isinstance(text, str):
            raise RulePackError(f"{where}: example {text!r} is not a string (quote it)")
    purposes = frozenset(raw.get("purposes") or ())
    for p in purposes:
        _check_choice(where, "purpose", p, PURPOSES)
    audience = dict(raw.get("audience") or {})
    for a, level in audience.items():
        _check_choice(where, "audience", a, AUDIENCES)
        _check_choice(where, "audience severity", level, (*SEVERITIES, "off"))
    ignore_case = raw.get("case", "insensitive") != "sensitive"

    def compile_list(key: str) -> Tokens | None:
        items = raw.get(key)
        if not items:
            return None
        try:
            return token_regex(_expand_tokens(items, defs, where, lang), ignore_case=ignore_case)
        except re.error as e:
            raise RulePackError(f"{where}: bad regular expression in '{key}': {e}") from e

    rule = Rule(
        id=rid,
        lang=lang,
        kind=raw["kind"],
        category=raw["category"],
        principle=str(raw["principle"]),
        severity=raw["severity"],
        message=raw["message"].strip(),
        suggestion=raw["suggestion"].strip(),
        examples=examples,
        purposes=purposes,
        audience=audience,
        tokens=compile_list("tokens"),
        exceptions=compile_list("exceptions"),
        unless=compile_list("unless"),
        window=raw.get("window", "sentence"),
        position=raw.get("position", "anywhere"),
    )
    _check_choice(where, "window", rule.window, WINDOWS)
    _check_choice(where, "position", rule.position, POSITIONS)
    if rule.kind in ("existence", "pattern", "lemmas") and rule.tokens is None:
        raise RulePackError(f"{where}: '{rule.kind}' needs tokens")
    if rule.kind == "substitution":
        swap = raw.get("swap") or {}
        if not swap:
            raise RulePackError(f"{where}: 'substitution' needs swap")
        rule.swaps = [
            (token_regex([_expand(k, defs, where, lang)], ignore_case=ignore_case), v)
            for k, v in swap.items()
        ]
    if rule.kind == "structure":
        # Each item is one requirement: a regex, or a list of alternatives.
        groups = [g if isinstance(g, list) else [g] for g in raw.get("require") or []]
        if not groups:
            raise RulePackError(f"{where}: 'structure' needs require")
        rule.require = [
            token_regex(_expand_tokens(g, defs, where, lang), ignore_case=ignore_case)
            for g in groups
        ]
        rule.when = [
            token_regex(
                _expand_tokens(g if isinstance(g, list) else [g], defs, where, lang),
                ignore_case=ignore_case,
            )
            for g in raw.get("when") or []
        ]
        if rule.window not in ("message", "sentence", "opening"):
            raise RulePackError(f"{where}: 'structure' window is message, sentence or opening")
    if rule.kind == "options":
        rule.item = compile_list("item")
        rule.require = [compile_list("require")]
        rule.when = [compile_list("when")]
        if rule.item is None or None in rule.require or None in rule.when:
            raise RulePackError(f"{where}: 'options' needs item, when and require")
    if rule.kind == "readability":
        rule.maximum = {a: int(raw["max"][a]) for a in AUDIENCES}
    if rule.kind == "jargon":
        rule.glossary = {"file": raw.get("glossary", "glossary.yaml")}
        rule.explained_after = compile_list("explained_after")
        rule.explained_before = compile_list("explained_before")
        load_glossary(rule.glossary["file"], lang)  # fail at load time, not on first use
    if rule.kind == "lemmas":
        if lang != "ja":
            raise RulePackError(f"{where}: 'lemmas' reads Japanese dictionary forms only")
        rule.lemma_tokens = _lemma_tokens(raw["tokens"], defs, where)
    if rule.kind == "attribution":
        rule.who = compile_list("who")
        rule.unless_who = compile_list("unless_who")
        rule.faults = _lemma_regex(raw.get("faults"), where)
        rule.denied = _lemma_regex(raw.get("denied"), where)
        if rule.who is None or (rule.faults is None and rule.denied is None):
            raise RulePackError(f"{where}: 'attribution' needs who and faults or denied")
    return rule


def _lemma_tokens(items, defs: dict, where: str) -> list[re.Pattern]:
    """Regexes over dictionary forms joined by spaces: each must start at a form and end
    after one (a space is appended when the token does not end with one)."""
    out = []
    for token in _expand_tokens(items, defs, where):
        source = token if token.endswith(" ") else token + " "
        try:
            out.append(re.compile(f"(?:(?<= )|^)(?:{source})", re.MULTILINE))
        except re.error as e:
            raise RulePackError(f"{where}: bad regular expression in 'tokens': {e}") from e
    return out


def _lemma_regex(items, where: str) -> re.Pattern | None:
    """Dictionary forms (regular expressions matched whole) as one pattern."""
    if not items:
        return None
    try:
        return re.compile("|".join(f"(?:{item})" for item in items))
    except re.error as e:
        raise RulePackError(f"{where}: bad regular expression among the lemmas: {e}") from e


def _check_choice(where: str, what: str, value, allowed) -> None:
    if value not in allowed:
        raise RulePackError(f"{where}: {what} {value!r} is not one of {', '.join(allowed)}")


def all_rules() -> tuple[Rule, ...]:
    return tuple(r for lang in LANGUAGES for r in load_pack(lang))
