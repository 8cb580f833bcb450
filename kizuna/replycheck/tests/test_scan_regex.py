"""Tokens are scanned through rewritten regexes (lower-cased text, the word-start guard moved
after the first character). The rewrite must find exactly what the token as written finds."""

from __future__ import annotations

import pytest

from kizuna.replycheck import accuracy
from kizuna.replycheck.rules import Tokens, _on_word_boundaries, load_glossary, load_pack
from kizuna.replycheck.scan_regex import compile_for_scan, compile_plain


def _all_tokens(lang: str) -> list[Tokens]:
    found = []
    for rule in load_pack(lang):
        for value in vars(rule).values():
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, tuple) and item:
                    item = item[0]
                if isinstance(item, Tokens):
                    found.append(item)
    found += [tokens for _, tokens in load_glossary("glossary.yaml", lang)]
    return found


def _spans(pattern, subject: str, text: str) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end())
        for m in pattern.finditer(subject)
        if m.start() < m.end() and _on_word_boundaries(text, m.start(), m.end())
    ]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_rule_token_finds_the_same_on_the_whole_corpus(lang):
    texts = [item.text for item in accuracy.load() if item.lang == lang]
    texts.append("PLEASE NOTE: YOUR SETTINGS ARE WRONG. Ｆｕｌｌ-width ＤＮＳ and İstanbul.")
    differences = []
    for tokens in _all_tokens(lang):
        for source in tokens._sources:
            scan, on_lowered = compile_for_scan(source, ignore_case=tokens._ignore_case)
            plain = compile_plain(source, ignore_case=tokens._ignore_case)
            for text in texts:
                lowered = text.lower()
                if on_lowered and len(lowered) != len(text):
                    continue  # such a text is scanned with the plain regex
                subject = lowered if on_lowered else text
                expected = _spans(plain, text, text)
                if _spans(scan, subject, text) != expected:
                    differences.append((source, text[:60]))
    assert differences == []


def test_ignore_case_token_matches_any_case_at_the_same_offsets():
    tokens = Tokens([r"(?:your|the)\s+settings?\s+(?:is|are)\s+wrong"], ignore_case=True)
    text = "Hello. YOUR Settings Are Wrong, sorry."
    assert tokens.finditer(text) == [(7, 30)]
    assert text[7:30] == "YOUR Settings Are Wrong"


def test_a_token_never_starts_inside_a_word():
    tokens = Tokens([r"(?:cause|fault)d?\s+by"], ignore_case=True)
    assert tokens.finditer("It was because by then") == []
    assert tokens.finditer("It was caused by the update") == [(7, 16)]


def test_text_that_lengthens_when_lower_cased_is_still_matched_at_its_offsets():
    tokens = Tokens([r"(?:wrong|incorrect)\s+settings"], ignore_case=True)
    text = "İİ: the WRONG settings"  # "İ" lower-cases to two characters
    spans = tokens.finditer(text)
    assert [text[s:e] for s, e in spans] == ["WRONG settings"]


def test_a_long_run_of_letters_is_entered_once():
    # The guard keeps a token that starts with a class from trying every letter of a run.
    tokens = Tokens([r"[a-z]+x"], ignore_case=True)
    assert tokens.finditer("a" * 50 + " ax") == [(51, 53)]
