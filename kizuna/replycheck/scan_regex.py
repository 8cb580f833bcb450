"""Token regexes rewritten so that Python's `re` can skip to where a match may start.

`re` finds a pattern quickly only when it can see what the first characters must be: a
literal prefix, or a set of first characters. Two things hide that from it.

- Ignoring case: a cased literal under `re.IGNORECASE` gets no prefix search, so every
  position of the text is tried. Instead, an ignore-case token is rewritten to match the
  lower-cased text case-sensitively (its literals and classes lower-cased), which gives the
  same matches at the same offsets wherever lower-casing keeps the text's length.
- The word-start guard: a token that does not begin with a literal must not start inside an
  ASCII word (or a long run of letters would be entered at every character, quadratic). As a
  lookaround in front of the token it hides the first characters too; placed after each
  possible first character instead, as a lookbehind over two characters, it means the same
  and leaves them visible.

A 1,000-character English reply goes through the ~170 token regexes that pass the literal
prefilter about five times faster this way.
"""

from __future__ import annotations

import re
import re._compiler as _compiler
import re._constants as C
import re._parser as _parser

# Before a match: not a word character followed by a word character (the first one matched).
_WORD_START = r"(?:(?<![A-Za-z0-9_])|(?![A-Za-z0-9_]))"
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_GUARD = _parser.parse(r"(?<![A-Za-z0-9_][A-Za-z0-9_])").data[0]
# Ranges wider than this are not scanned for upper-case letters to add lower-cased.
_MAX_RANGE = 0x10000
_SINGLE_CHARACTER = (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY)


class _Unsupported(Exception):
    """A construct this rewrite does not handle: the token is compiled the plain way."""


def compile_for_scan(source: str, *, ignore_case: bool) -> tuple[re.Pattern, bool]:
    """The token as a regex to scan with, and whether it runs on the lower-cased text."""
    if ignore_case:
        try:
            return _compile_tree(source, lower=True), True
        except (_Unsupported, re.error):
            pass
    return _compile_tree(source, lower=False), False


def compile_plain(source: str, *, ignore_case: bool) -> re.Pattern:
    """The token as an ordinary regex over the text as written (with the guard in front
    when it does not begin with a literal)."""
    flags = re.IGNORECASE if ignore_case else 0
    parsed = _parser.parse(source, flags)
    if len(parsed) and parsed[0][0] is C.LITERAL:
        return re.compile(source, flags)
    return re.compile(f"{_WORD_START}(?:{source})", flags)


def _compile_tree(source: str, *, lower: bool) -> re.Pattern:
    flags = 0  # case is handled by lower-casing, never by the flag
    tree = _parser.parse(source, flags)
    if tree.state.flags & re.IGNORECASE:
        raise _Unsupported("inline ignore-case flag")
    if lower:
        _lower(tree)
    if tree.data and tree.data[0][0] is C.LITERAL:
        # A literal first character is found by a fast prefix scan: nothing to do.
        return _compiler.compile(tree, flags)
    if not _guard_after_first(tree):
        tree = _parser.parse(f"{_WORD_START}(?:{source})", flags)
        if lower:
            _lower(tree)
    return _compiler.compile(tree, flags)


def _guard_after_first(sub) -> bool:
    """Put the word-start guard after the first character on every path into `sub`; False
    (and `sub` possibly half done, which is harmless: the guard only refuses what the caller
    refuses anyway) when some path does not begin with one character."""
    if not sub.data:
        return False
    op, av = sub.data[0]
    if op is C.LITERAL:
        if chr(av) in _ASCII_WORD:
            sub.data.insert(1, _GUARD)
        return True
    if op in _SINGLE_CHARACTER:
        sub.data.insert(1, _GUARD)
        return True
    if op is C.BRANCH:
        return all(_guard_after_first(branch) for branch in av[1])
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, inner = av
        if add_flags or del_flags:
            return False
        return _guard_after_first(inner)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[:2] == (0, 1):
        # "(?:your )?request": either the optional part comes first or what follows it.
        # (Only a single optional part: inside a repeat the guard would hold at every round.)
        rest = _parser.SubPattern(sub.state, sub.data[1:])
        if _guard_after_first(av[2]) and _guard_after_first(rest):
            sub.data[1:] = rest.data
            return True
    return False


def _lower(sub) -> None:
    """Lower-case every literal and character class of a parsed pattern, in place."""
    for i, (op, av) in enumerate(sub.data):
        if op in (C.LITERAL, C.NOT_LITERAL):
            sub.data[i] = (op, _lower_code(av))
        elif op is C.IN:
            sub.data[i] = (op, _lower_set(av))
        elif op is C.SUBPATTERN:
            if av[1] or av[2]:
                raise _Unsupported("inline flags")
            _lower(av[3])
        elif op is C.BRANCH:
            for branch in av[1]:
                _lower(branch)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            _lower(av[2])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            _lower(av[1])
        elif op is C.ATOMIC_GROUP:
            _lower(av)
        elif op is C.GROUPREF_EXISTS:
            _lower(av[1])
            if av[2] is not None:
                _lower(av[2])
        elif op not in (C.ANY, C.AT, C.GROUPREF, C.CATEGORY):
            raise _Unsupported(str(op))


def _lower_code(code: int) -> int:
    lowered = chr(code).lower()
    if len(lowered) != 1:
        raise _Unsupported("a letter that lower-cases to two")
    return ord(lowered)


def _lower_set(items: list) -> list:
    """The class's items plus the lower-cased form of every upper-case letter in it."""
    out = list(items)
    extra = set()
    for op, av in items:
        if op is C.LITERAL:
            extra.add(_lower_code(av))
        elif op is C.RANGE:
            lo, hi = av
            if hi - lo > _MAX_RANGE:
                raise _Unsupported("a very wide range")
            for code in range(lo, hi + 1):
                lowered = chr(code).lower()
                if len(lowered) == 1 and not lo <= ord(lowered) <= hi:
                    extra.add(ord(lowered))
        elif op not in (C.NEGATE, C.CATEGORY):
            raise _Unsupported(str(op))
    have = {av for op, av in items if op is C.LITERAL}
    out.extend((C.LITERAL, code) for code in sorted(extra - have))
    return out


# --- Literals every match contains (a prefilter before running a regex) -----------------


def required_literals(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Lower-cased strings of which at least one occurs in every match, or None if unknown.

    Looks at the top level of the parsed regex: a run of literal characters, or a group of
    alternatives that each start with literal characters. The most selective is kept.
    """
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - any surprise just disables the shortcut
        return None
    return literals_in(parsed)


def literals_in(parsed) -> tuple[str, ...] | None:
    """`required_literals` of an already parsed regex."""
    options: list[tuple[str, ...]] = []
    run = ""
    for op, arg in list(parsed) + [(None, None)]:
        if op is C.LITERAL:
            run += chr(arg)
            continue
        if run:
            options.append((run.lower(),))
            run = ""
        alternatives = None
        if op is C.SUBPATTERN:
            alternatives = _branch_prefixes(list(arg[-1]))
        elif op is C.BRANCH:  # a non-capturing group is inlined by the parser
            alternatives = _branch_prefixes([(op, arg)])
        if alternatives:
            options.append(alternatives)
    if not options:
        return None
    return max(options, key=lambda alts: min(len(a) for a in alts))


def _branch_prefixes(items: list) -> tuple[str, ...] | None:
    if len(items) == 1 and items[0][0] is C.BRANCH:
        branches = items[0][1][1]
    else:
        branches = [items]
    prefixes = []
    for branch in branches:
        prefix = ""
        for op, arg in branch:
            if op is not C.LITERAL:
                break
            prefix += chr(arg)
        if not prefix:
            return None
        prefixes.append(prefix.lower())
    return tuple(prefixes)
