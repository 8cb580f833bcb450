"""Every rule's own examples: each bad one fires the rule, no good one does."""

import pytest

from kizuna.replycheck import check
from kizuna.replycheck.rules import all_rules

RULES = all_rules()


def _purpose(rule) -> str:
    # Purpose-specific rules only run for their purpose; check their examples in it.
    return sorted(rule.purposes)[0] if rule.purposes else "any"


def _alone(rule) -> dict:
    # Overlapping findings of one category are reported once; a rule the standard grades
    # holds its place against its siblings, so each rule's own examples show what it finds.
    return {rule.id: {"severity": rule.severity_for("general") or "warning"}}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_it_fires_each_rule_on_its_bad_examples_and_not_on_its_good_ones(rule):
    problems = []
    for text in rule.examples["bad"]:
        result = check(text, lang=rule.lang, purpose=_purpose(rule), overrides=_alone(rule))
        if not any(f.rule == rule.id for f in result.findings):
            problems.append(f"bad example not flagged: {text!r}")
    for text in rule.examples["good"]:
        result = check(text, lang=rule.lang, purpose=_purpose(rule), overrides=_alone(rule))
        hits = [f.text for f in result.findings if f.rule == rule.id]
        if hits:
            problems.append(f"good example flagged at {hits}: {text!r}")
    assert not problems, "\n".join(problems)


def test_it_has_rules_for_every_category_in_both_languages():
    from kizuna.replycheck.findings import CATEGORIES

    for lang in ("ja", "en"):
        covered = {r.category for r in RULES if r.lang == lang}
        assert covered == set(CATEGORIES), (lang, set(CATEGORIES) - covered)
