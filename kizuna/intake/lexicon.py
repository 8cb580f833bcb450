"""Lexicons: YAML files naming the words that give each fact, compiled once per process.

A lexicon is `lexicons/<lang>.yaml` (`ja`, `en`), plus `lexicons/common.yaml` for what reads
the same in both (product names, versions, host names, error codes). Each has `lang`,
optional `defs` (named regex fragments, used as `{{name}}`) and `facts`, one entry per fact:

    impact:
      question: the polite question that asks the customer for this fact (ja and en only)
      text:    [regular expressions over the text]
      lemmas:  [regular expressions over the dictionary forms of the words] (ja only)
      exclude: {text: [...], lemmas: [...]}  # cues inside these spans do not count
      examples: {given: [...], missing: [...]}  # checked by the tests

`text` patterns see the text with full-width letters and digits folded to ASCII, compiled
with re.ASCII (so `\\b` works next to kana) and ignoring case (`(?-i:Edge)` where case
matters). In English patterns a space matches any run of white space (mail is wrapped at
any word) and `word~` matches the word's inflections: `restart~` is restart, restarts,
restarted, restarting; `update~` and `try~` drop their e and y as English does.

`lemmas` patterns see the analyser's dictionary forms joined by single spaces
(再起動しても直りません → "再起動 為る て も 直る ます ず"), so that one pattern covers every
inflection. A pattern matches whole words: `全員` does not match inside the compound 社員全員;
write `\\S*全員` where a word may end with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kizuna.replycheck.scan_regex import required_literals

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
FACT_IDS = ("impact", "urgency", "symptom", "since", "tried", "environment")
LANGUAGES = ("ja", "en")


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file, the fact and the pattern."""


@dataclass(frozen=True, slots=True)
class Matcher:
    """A compiled pattern and the lower-cased strings one of which every match contains
    (None when unknown): most requests contain none of a pattern's words, and looking for a
    string is far cheaper than running the regex."""

    regex: re.Pattern
    literals: tuple[str, ...] | None

    def spans(self, text: str, lowered: str) -> list[tuple[int, int]]:
        if self.literals is not None and not any(lit in lowered for lit in self.literals):
            return []
        return [m.span() for m in self.regex.finditer(text) if m.end() > m.start()]


@dataclass(frozen=True)
class FactLexicon:
    fact: str
    text: tuple[Matcher, ...] = ()
    lemmas: tuple[Matcher, ...] = ()
    exclude_text: tuple[Matcher, ...] = ()
    exclude_lemmas: tuple[Matcher, ...] = ()
    question: str = ""
    examples: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    lang: str
    facts: dict[str, FactLexicon]


def _inflect(m: re.Match) -> str:
    word = m.group(1)
    if word.endswith("e"):
        return f"{word[:-1]}(?:e|es|ed|ing)"
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return f"{word[:-1]}(?:y|ies|ied|ying)"
    return f"{word}(?:s|es|ed|ing)?"


def _flexible_spaces(source: str) -> str:
    """A space outside a character class matches any white space; one before a quantifier,
    or inside a lookbehind (which must have a fixed width), matches one white-space character."""
    out, in_class, escaped = [], False, False
    groups: list[bool] = []  # for each open group: is it a lookbehind?
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
            groups.append(source.startswith(("(?<=", "(?<!"), i))
        elif ch == ")" and groups:
            groups.pop()
        elif ch == " ":
            single = any(groups) or source[i + 1 : i + 2] in ("?", "*", "+", "{")
            out.append(r"\s" if single else r"\s+")
            continue
        out.append(ch)
    return "".join(out)


def _expand(source: str, defs: dict, where: str) -> str:
    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in defs:
            raise LexiconError(f"{where}: unknown definition {{{{{name}}}}}")
        value = defs[name]
        values = value if isinstance(value, list) else [value]
        return "(?:" + "|".join(str(v) for v in values) + ")"

    # Definitions may use definitions; three rounds are more than any lexicon needs.
    for _ in range(3):
        source = re.sub(r"\{\{(\w[\w-]*)\}\}", repl, source)
    return source


def _compile_text(source: str, lang: str, defs: dict, where: str) -> Matcher:
    source = _expand(str(source), defs, where)
    if lang == "en":
        source = re.sub(r"([A-Za-z]+)~", lambda m: _inflect(m), source)
        source = _flexible_spaces(source)
    try:
        regex = re.compile(source, re.ASCII | re.IGNORECASE)
    except re.error as e:
        raise LexiconError(f"{where}: bad regular expression {source!r}: {e}") from e
    return Matcher(regex, required_literals(regex))


def _compile_lemmas(source: str, defs: dict, where: str) -> Matcher:
    source = _expand(str(source), defs, where)
    try:
        # Whole words only: a match starts after a space (or at the start) and ends before one.
        regex = re.compile(f"(?<![^ ])(?:{source})(?![^ ])")
        return Matcher(regex, required_literals(re.compile(source)))
    except re.error as e:
        raise LexiconError(f"{where}: bad regular expression {source!r}: {e}") from e


def _load(name: str) -> dict:
    # PyYAML is imported here, when a lexicon is first read: importing it costs some 30 ms
    # that a process which reads no request (kizuna ingest queues that reading for a
    # worker) should not spend at every start.
    import yaml

    path = LEXICON_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as f:
        data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict) or data.get("lang") != name:
        raise LexiconError(f"{path.name}: expected a mapping with 'lang: {name}'")
    unknown = set(data.get("facts") or {}) - set(FACT_IDS)
    if unknown:
        raise LexiconError(f"{path.name}: unknown facts {', '.join(sorted(unknown))}")
    return data


def _fact(name: str, lang: str, fact: str, raw: dict, defs: dict) -> dict:
    where = f"{name}.yaml: {fact}"
    exclude = raw.get("exclude") or {}
    return {
        "text": [_compile_text(p, lang, defs, where) for p in raw.get("text") or ()],
        "lemmas": [_compile_lemmas(p, defs, where) for p in raw.get("lemmas") or ()],
        "exclude_text": [_compile_text(p, lang, defs, where) for p in exclude.get("text") or ()],
        "exclude_lemmas": [_compile_lemmas(p, defs, where) for p in exclude.get("lemmas") or ()],
    }


@cache
def load_lexicon(lang: str) -> Lexicon:
    """The compiled lexicon for `lang`, with the common patterns added (cached)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    own, common = _load(lang), _load("common")
    facts = {}
    for fact in FACT_IDS:
        raw = (own.get("facts") or {}).get(fact) or {}
        shared = (common.get("facts") or {}).get(fact) or {}
        if lang == "en" and raw.get("lemmas"):
            raise LexiconError(f"en.yaml: {fact}: lemma patterns are for Japanese only")
        question = raw.get("question")
        if not isinstance(question, str) or not question.strip():
            raise LexiconError(f"{lang}.yaml: {fact}: missing 'question'")
        parts = _fact(lang, lang, fact, raw, own.get("defs") or {})
        # Common patterns are written without English conveniences, for both languages.
        extra = _fact("common", "common", fact, shared, common.get("defs") or {})
        facts[fact] = FactLexicon(
            fact=fact,
            text=tuple(parts["text"] + extra["text"]),
            lemmas=tuple(parts["lemmas"]),
            exclude_text=tuple(parts["exclude_text"] + extra["exclude_text"]),
            exclude_lemmas=tuple(parts["exclude_lemmas"]),
            question=" ".join(question.split()) if lang == "en" else question.strip(),
            examples=raw.get("examples") or {},
        )
    return Lexicon(lang=lang, facts=facts)


def common_examples() -> dict[str, dict]:
    """The examples of `common.yaml`, per fact (they must hold in both languages)."""
    return {
        fact: raw.get("examples") or {}
        for fact, raw in (_load("common").get("facts") or {}).items()
    }
