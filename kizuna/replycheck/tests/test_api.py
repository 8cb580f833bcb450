"""The public API the desk composer and the REST endpoint call."""

import pytest

from kizuna.replycheck import check, list_rules
from kizuna.replycheck.findings import CATEGORIES


def test_it_returns_the_documented_json_shape():
    data = check("Fixed, please check.").to_dict()
    assert set(data) == {"lang", "findings"}
    assert data["lang"] == "en"
    (finding,) = data["findings"]
    assert set(finding) == {
        "rule", "category", "principle", "severity", "start", "end", "text", "message", "suggestion",
    }  # fmt: skip
    assert finding["category"] in CATEGORIES
    assert finding["severity"] == "error"


def test_it_lets_a_team_switch_a_rule_off():
    overrides = {"en.vague.fixed-please-check": {"enabled": False}}
    assert check("Fixed, please check.", overrides=overrides).findings == []


def test_it_lets_a_team_change_a_severity():
    overrides = {"en.vague.fixed-please-check": {"severity": "info"}}
    (finding,) = check("Fixed, please check.", overrides=overrides).findings
    assert finding.severity == "info"
    overrides = {"en.jargon.unexplained-term": {"severity": "error"}}
    result = check("We updated the SPF record.", overrides=overrides)
    assert result.has_errors


@pytest.mark.parametrize(
    "kwargs, complaint",
    [
        ({"lang": "fr"}, "lang must be one of"),
        ({"audience": "expert"}, "audience must be one of"),
        ({"purpose": "sales"}, "purpose must be one of"),
        ({"overrides": {"x": {"severity": "fatal"}}}, "override severity"),
        ({"overrides": {"x": {"enabled": "no"}}}, "'enabled' must be true or false"),
        ({"overrides": {"x": {"colour": "red"}}}, "may only set"),
    ],
)
def test_it_rejects_bad_arguments_with_a_clear_message(kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        check("Hello", **kwargs)


def test_it_writes_messages_in_the_language_of_the_text():
    (finding,) = check("対応しました。ご確認ください。").findings
    assert "伝わりません" in finding.message


def test_it_relaxes_jargon_for_a_technical_audience():
    text = "We updated the SPF record and lowered the TTL."
    assert any(f.category == "jargon" for f in check(text).findings)
    assert not any(f.category == "jargon" for f in check(text, audience="technical").findings)


def test_it_accepts_jargon_that_is_explained_nearby():
    assert not check(
        "We updated the SPF record (the list of servers allowed to send your mail)."
    ).findings
    assert not check("SPFレコード（メールを送ってよいサーバーの一覧）を更新しました。").findings
    assert not check("TTL、つまり古い情報が残る時間を短くしました。").findings


def test_it_runs_purpose_checks_only_for_their_purpose():
    text = "We are still looking into the delays."
    assert not check(text).findings
    assert [f.rule for f in check(text, purpose="update").findings] == ["en.checkpoint.missing"]


def test_it_reports_each_missing_part_of_a_resolution_report():
    rules = {f.rule for f in check("The mail works again.", purpose="resolution").findings}
    assert rules == {
        "en.resolution.cause",
        "en.resolution.done-and-remaining",
        "en.resolution.fully-resolved",
        "en.resolution.recurrence",
    }


def test_it_neutralises_labelled_guesses():
    assert check("The cause is probably the disk.").findings
    assert not check("My guess based on what we see now: the cause is probably the disk.").findings
    assert check("原因はおそらくディスクです。").findings
    assert not check("推測ですが、原因はおそらくディスクです。").findings


def test_it_lists_rule_metadata_for_a_manager():
    rules = list_rules("ja")
    assert rules and all(r["lang"] == "ja" for r in rules)
    keys = {"id", "category", "principle", "severity", "message", "lang"}
    assert all(keys <= set(r) for r in rules)
    assert len(list_rules()) == len(rules) + len(list_rules("en"))
    with pytest.raises(ValueError):
        list_rules("de")
