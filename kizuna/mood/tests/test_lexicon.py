"""The lexicons: they load, every group's examples behave, and mistakes are reported."""

import pytest

from kizuna.mood.engine import cues_in
from kizuna.mood.lexicon import (
    COMMON,
    KINDS,
    LANGUAGES,
    REASONS,
    LexiconError,
    _compile,
    _group,
    load_common,
    load_lexicon,
)

EXAMPLES = [
    pytest.param(lang, group, text, expect, id=f"{lang}:{group.reason}:{text[:30]}")
    for lang in (*LANGUAGES, COMMON)
    for group in load_lexicon(lang).groups
    for expect in ("cue", "no_cue")
    for text in group.examples.get(expect, [])
]


def test_every_language_has_broad_lexicons():
    for lang in LANGUAGES:
        lexicon = load_lexicon(lang)
        entries = len(lexicon.patterns.items) + sum(map(len, lexicon.lemmas_by_first.values()))
        assert entries >= 300, (lang, entries)
        kinds = {g.kind for g in lexicon.groups}
        assert kinds == set(KINDS) - {"emphasis", "follow-ups"}, (lang, kinds)


def test_the_examples_are_many():
    assert len(EXAMPLES) >= 60


@pytest.mark.parametrize("lang, group, text, expect", EXAMPLES)
def test_each_example_fires_or_not_as_written(lang, group, text, expect):
    found = [(c.kind, c.reason) for c in cues_in(text)]
    if expect == "cue":
        assert (group.kind, group.reason) in found, found
    else:
        assert (group.kind, group.reason) not in found, found


def test_common_settings_are_sane():
    common = load_common()
    assert {"DNS", "VPN", "HTTP", "SSL", "ERP", "ERROR", "FATAL", "NO", "NULL"} <= common.acronyms
    assert set(common.emphasis) == {"!!", "?!", "??"}


def test_every_reason_has_words_for_the_desk():
    for reason, words in REASONS.items():
        assert str(words), reason


@pytest.mark.parametrize(
    "raw, complaint",
    [
        ({"kind": "joy", "reason": "worried", "patterns": ["x"]}, "kind must be"),
        ({"kind": "worry", "reason": "sad", "patterns": ["x"]}, "not one of REASONS"),
        ({"kind": "worry", "reason": "worried", "weight": 9, "patterns": ["x"]}, "weight"),
        ({"kind": "worry", "reason": "worried"}, "needs lemmas or patterns"),
        ({"kind": "worry", "reason": "worried", "patterns": ["(x"]}, "bad pattern"),
        ({"kind": "worry", "reason": "worried", "patterns": ["x?"]}, "empty string"),
        ({"kind": "worry", "reason": "worried", "lemmas": ["~ 困る"]}, "cannot start with ~"),
        ({"kind": "worry", "reason": "worried", "colour": "red", "patterns": ["x"]}, "unknown"),
    ],
)
def test_a_malformed_group_is_reported_with_its_place(raw, complaint):
    with pytest.raises(LexiconError, match=complaint):
        _group(raw, "xx.yaml group 1")


def test_patterns_do_not_end_inside_a_latin_word():
    # The regex backtracks to "order" + "s" rather than stopping inside "orders".
    regex = _compile("cannot (?:\\w+ )?(?:order|place)", "test")
    assert regex.search("customers cannot place orders").group() == "cannot place"
