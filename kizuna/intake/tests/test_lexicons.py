"""Every lexicon's own examples: each `given` example gives its fact, no `missing` one does."""

import re

import pytest

from kizuna.intake import FACTS, find_facts
from kizuna.intake.lexicon import LexiconError, _compile_text, common_examples, load_lexicon

CASES = [(lang, fact) for lang in ("ja", "en") for fact in FACTS]


@pytest.mark.parametrize(("lang", "fact"), CASES, ids=[f"{lang}-{fact}" for lang, fact in CASES])
def test_it_finds_each_fact_in_its_examples_and_not_in_the_others(lang, fact):
    examples = load_lexicon(lang).facts[fact].examples
    assert len(examples.get("given", [])) >= 3 and len(examples.get("missing", [])) >= 2
    problems = []
    for text in examples["given"]:
        if fact not in find_facts(text, lang=lang).given:
            problems.append(f"not found in: {text!r}")
    for text in examples["missing"]:
        given = find_facts(text, lang=lang).given
        if fact in given:
            problems.append(f"found {[c.text for c in given[fact]]} in: {text!r}")
    assert not problems, "\n".join(problems)


def test_the_common_examples_hold_in_both_languages():
    for fact, examples in common_examples().items():
        for text in examples.get("given", []):
            for lang in ("ja", "en"):
                assert fact in find_facts(text, lang=lang).given, (lang, text)


def test_english_words_match_their_inflections():
    pattern = _compile_text(r"\brestart~ (?:the )?router\b", "en", {}, "test")
    for text in ("restart the router", "restarted the router", "restarting\nthe router"):
        assert pattern.regex.search(text), text
    assert _compile_text(r"\bupdate~\b", "en", {}, "test").regex.fullmatch("updating")
    assert _compile_text(r"\btry~\b", "en", {}, "test").regex.fullmatch("tried")


def test_a_bad_pattern_is_reported_with_its_place():
    with pytest.raises(LexiconError, match=re.escape("en.yaml: tried")):
        _compile_text("(unclosed", "en", {}, "en.yaml: tried")
    with pytest.raises(LexiconError, match="unknown definition"):
        _compile_text("{{nowhere}}", "en", {}, "en.yaml: tried")
