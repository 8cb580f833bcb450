"""What the rule format offers a manager writing rules: word forms in English, dictionary
forms in Japanese, a refusal rescued only by what follows it, offered options that must say
what they cost, and one report per problem."""

from __future__ import annotations

import pytest

from kizuna.replycheck import check
from kizuna.replycheck.engine import _KINDS, Draft
from kizuna.replycheck.rules import RulePackError, _compile_rule
from kizuna.replycheck.segments import mask_unchecked

EXAMPLES = {"bad": ["x"], "good": ["y"]}


def compile_rule(lang: str, **raw) -> object:
    base = {
        "id": f"{lang}.blame.test",
        "kind": "existence",
        "category": "blame",
        "principle": "P3",
        "severity": "warning",
        "message": "m",
        "suggestion": "s",
        "examples": EXAMPLES,
    }
    return _compile_rule({**base, **raw}, lang=lang, defs={}, source="test.yaml")


def hits(rule, text: str, lang: str) -> list[str]:
    draft = Draft(text=text, masked=mask_unchecked(text), lang=lang, audience="general")
    return [text[s:e] for s, e, _ in _KINDS[rule.kind](rule, draft)]


def test_an_english_word_in_braces_matches_every_form_of_it():
    rule = compile_rule("en", tokens=["{cause} by your {setting}"])
    for text in ("It was caused by your settings.", "This causes by your setting"):
        assert hits(rule, text, "en"), text
    assert not hits(rule, "It was caused by our setting.", "en")


def test_quantifiers_in_braces_stay_quantifiers():
    rule = compile_rule("en", tokens=["a{2}b"])
    assert hits(rule, "xx aab yy", "en") == ["aab"]


def test_japanese_dictionary_forms_match_every_inflection():
    rule = compile_rule("ja", kind="lemmas", tokens=["復旧 は 出来る (?:ます )?(?:ず|ない)"])
    for text in (
        "データの復旧はできません。",
        "データの復旧はできませんでした。",
        "復旧はできない。",
    ):
        assert hits(rule, text, "ja"), text
    assert not hits(rule, "データの復旧はできます。", "ja")


def test_a_lemma_rule_is_japanese_only():
    with pytest.raises(RulePackError, match="Japanese dictionary forms only"):
        compile_rule("en", kind="lemmas", tokens=["be"])


def test_a_refusal_is_rescued_by_a_way_forward_after_it_not_before():
    rule = compile_rule(
        "en", kind="pattern", tokens=["we cannot restore"], unless=["instead"], window="rest"
    )
    assert not hits(rule, "We cannot restore it. Instead, we can copy your laptop's mail.", "en")
    assert hits(rule, "We tried the copy instead. We cannot restore it.", "en")


def test_each_offered_option_must_say_what_it_costs():
    rule = compile_rule(
        "en",
        kind="options",
        when=["options?"],
        item=[r"(?:^|(?<=\n))\d\.[ \t]+(?=\S)"],
        require=["cost|hours?"],
    )
    text = "Two options:\n1. Move the site: two hours offline.\n2. Upgrade the server.\n"
    assert hits(rule, text, "en") == ["2. Upgrade the server."]
    # A list that offers no choice is a list of what was done.
    assert not hits(rule, "Done:\n1. Restarted it.\n2. Cleared it.\n", "en")


def test_overlapping_findings_of_one_category_are_reported_once():
    text = "The problem is caused by your own configuration."
    blame = [f for f in check(text, lang="en").findings if f.category == "blame"]
    assert len(blame) == 1
    assert blame[0].severity == "error"
    assert "caused by your own configuration" in blame[0].text


BLAMING = "これはお客様の操作ミスです。設定を元に戻しました。"


def blame(overrides=None) -> list[tuple[str, str]]:
    result = check(BLAMING, lang="ja", overrides=overrides)
    return [(f.rule, f.severity) for f in result.findings if f.category == "blame"]


def test_a_rule_the_team_switched_off_is_not_reported_again_by_a_sibling():
    assert blame() == [("ja.blame.customer-mistake", "error")]
    assert blame({"ja.blame.customer-mistake": {"enabled": False}}) == []


def test_a_rule_the_team_lowered_reports_its_words_at_the_lowered_severity():
    lowered = {"ja.blame.customer-mistake": {"severity": "warning"}}
    assert blame(lowered) == [("ja.blame.customer-mistake", "warning")]


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("I am sorry: the disk could not be recovered. We will restore the backup.", True),
        ("I am sorry: the disk could not be recovered. We will restore it by [[when]].", False),
    ],
)
def test_a_letter_blank_is_not_judged_before_the_agent_fills_it(text, flagged):
    result = check(text, lang="en", purpose="bad-news")
    assert any(f.rule == "en.bad-news.no-time" for f in result.findings) is flagged
