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
- jargon        terms from the bilingual glossary, unless explained nearby (P6).

Every token is a regular expression. Tokens starting or ending with a Latin letter or digit
get ASCII word boundaries (never `\\b`: in Unicode regexes kana count as word characters, so
`\\bDNS\\b` would miss "DNSの").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from kizuna.replycheck.findings import AUDIENCES, CATEGORIES, LANGUAGES, PURPOSES, SEVERITIES

RULES_DIR = Path(__file__).resolve().parent / "rules"
KINDS = ("existence", "substitution", "pattern", "structure", "readability", "jargon")
WINDOWS = ("sentence", "neighbours", "paragraph", "message")
POSITIONS = ("anywhere", "sentence-start")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RulePackError(ValueError):
    """A rule pack is malformed; the message names the file and the rule."""


@dataclass(frozen=True)
class GlossaryTerm:
    group: str  # the named group of the term in the glossary regex
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
    tokens: re.Pattern | None = None
    exceptions: re.Pattern | None = None
    unless: re.Pattern | None = None
    window: str = "sentence"
    position: str = "anywhere"
    swaps: list = field(default_factory=list)
    require: list = field(default_factory=list)
    maximum: dict = field(default_factory=dict)
    glossary: dict = field(default_factory=dict)
    explained_after: re.Pattern | None = None
    explained_before: re.Pattern | None = None

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


def token_regex(tokens: list[str], *, ignore_case: bool) -> re.Pattern:
    parts = []
    for token in tokens:
        token = _flexible_spaces(token)
        left = r"(?<![A-Za-z0-9_])" if re.match(r"[A-Za-z0-9]", token) else ""
        right = r"(?![A-Za-z0-9_])" if re.search(r"[A-Za-z0-9]$", token) else ""
        parts.append(f"{left}(?:{token}){right}")
    return re.compile("|".join(parts), re.IGNORECASE if ignore_case else 0)


@cache
def load_pack(lang: str) -> tuple[Rule, ...]:
    """Load and compile `rules/<lang>.yaml` (cached for the life of the process)."""
    path = RULES_DIR / f"{lang}.yaml"
    with path.open(encoding="utf-8") as f:
        data = yaml.load(f, Loader=_Loader)
    if not isinstance(data, dict) or data.get("lang") != lang:
        raise RulePackError(f"{path.name}: expected a mapping with 'lang: {lang}'")
    defs = data.get("defs") or {}
    rules = []
    seen = set()
    for raw in data.get("rules") or []:
        rule = _compile_rule(raw, lang=lang, defs=defs, source=path.name)
        if rule.id in seen:
            raise RulePackError(f"{path.name}: duplicate rule id {rule.id}")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


@cache
def load_glossary(name: str, lang: str) -> tuple[re.Pattern, tuple[GlossaryTerm, ...]]:
    """One alternation of every term of the glossary in `lang`, one named group per term."""
    with (RULES_DIR / name).open(encoding="utf-8") as f:
        data = yaml.load(f, Loader=_Loader)
    parts, terms = [], []
    for i, entry in enumerate(data["terms"]):
        words = entry.get(lang) or []
        if not words:
            continue
        case_sensitive = entry.get("case_sensitive", all(w.isupper() for w in words))
        sub = token_regex(words, ignore_case=not case_sensitive).pattern
        if not case_sensitive:
            sub = f"(?i:{sub})"
        parts.append(f"(?P<t{i}>{sub})")
        terms.append(
            GlossaryTerm(
                group=f"t{i}",
                id=entry["id"],
                plain=entry["plain"][lang],
                common=bool(entry.get("common", False)),
            )
        )
    return re.compile("|".join(parts)), tuple(terms)


def _expand(pattern: str, defs: dict, where: str) -> str:
    def repl(m: re.Match) -> str:
        if m.group(1) not in defs:
            raise RulePackError(f"{where}: unknown definition {{{{{m.group(1)}}}}}")
        return f"(?:{defs[m.group(1)]})"

    return re.sub(r"\{\{(\w[\w-]*)\}\}", repl, str(pattern))


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

    def compile_list(key: str) -> re.Pattern | None:
        items = raw.get(key)
        if not items:
            return None
        try:
            return token_regex([_expand(t, defs, where) for t in items], ignore_case=ignore_case)
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
    if rule.kind in ("existence", "pattern") and rule.tokens is None:
        raise RulePackError(f"{where}: '{rule.kind}' needs tokens")
    if rule.kind == "substitution":
        swap = raw.get("swap") or {}
        if not swap:
            raise RulePackError(f"{where}: 'substitution' needs swap")
        rule.swaps = [
            (token_regex([_expand(k, defs, where)], ignore_case=ignore_case), v)
            for k, v in swap.items()
        ]
    if rule.kind == "structure":
        # Each item is one requirement: a regex, or a list of alternatives.
        groups = [g if isinstance(g, list) else [g] for g in raw.get("require") or []]
        if not groups:
            raise RulePackError(f"{where}: 'structure' needs require")
        rule.require = [
            token_regex([_expand(t, defs, where) for t in g], ignore_case=ignore_case)
            for g in groups
        ]
        if rule.window not in ("message", "sentence"):
            raise RulePackError(f"{where}: 'structure' window is message or sentence")
    if rule.kind == "readability":
        rule.maximum = {a: int(raw["max"][a]) for a in AUDIENCES}
    if rule.kind == "jargon":
        rule.glossary = {"file": raw.get("glossary", "glossary.yaml")}
        rule.explained_after = compile_list("explained_after")
        rule.explained_before = compile_list("explained_before")
        load_glossary(rule.glossary["file"], lang)  # fail at load time, not on first use
    return rule


def _check_choice(where: str, what: str, value, allowed) -> None:
    if value not in allowed:
        raise RulePackError(f"{where}: {what} {value!r} is not one of {', '.join(allowed)}")


def all_rules() -> tuple[Rule, ...]:
    return tuple(r for lang in LANGUAGES for r in load_pack(lang))
