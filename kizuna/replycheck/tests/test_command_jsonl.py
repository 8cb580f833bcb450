"""`kizuna replycheck --jsonl`: many drafts in one process, one JSON object per line in and
out, in order; a bad line is answered with what is wrong and the others are still checked."""

import json
import subprocess
import sys
from pathlib import Path

KIZUNA = Path(sys.executable).with_name("kizuna")


def _run(lines: list[str], *args):
    stdin = ("\n".join(lines) + "\n").encode("utf-8")
    done = subprocess.run(
        [str(KIZUNA), "replycheck", "--jsonl", *args], input=stdin, capture_output=True, timeout=120
    )
    return done.returncode, [json.loads(line) for line in done.stdout.decode().splitlines()]


def test_each_line_gets_its_answer_in_order_with_its_id():
    code, answers = _run(
        [
            json.dumps({"id": 7, "text": "これはお客様の操作ミスです。"}, ensure_ascii=False),
            json.dumps({"id": "b", "text": "We restored the site at 10:00.", "lang": "en"}),
        ]
    )
    assert code == 1  # the first draft has an error finding
    assert [a["id"] for a in answers] == [7, "b"]
    assert answers[0]["findings"][0]["rule"] == "ja.blame.customer-mistake"
    text = "これはお客様の操作ミスです。"
    f = answers[0]["findings"][0]
    assert text[f["start"] : f["end"]] == f["text"]
    assert answers[1] == {"id": "b", "lang": "en", "findings": []}


def test_options_are_defaults_that_a_line_may_override():
    draft = "Your backup could not be restored. We will copy yesterday's copy back by 18:00."
    code, answers = _run(
        [json.dumps({"text": draft}), json.dumps({"text": draft, "purpose": "any"})],
        "--purpose",
        "bad-news",
    )
    rules = [{f["rule"] for f in a["findings"]} for a in answers]
    assert "en.bad-news.no-empathy" in rules[0]
    assert "en.bad-news.no-empathy" not in rules[1]
    assert code == 0


def test_bad_lines_say_what_is_wrong_and_the_rest_is_checked():
    code, answers = _run(
        [
            "not json",
            json.dumps({"text": 5}),
            json.dumps(["a list"]),
            json.dumps({"text": "x", "purpose": "poem"}),
            json.dumps({"text": "x", "colour": "red"}),
            json.dumps({"text": "ok \ud800 " + "長い文。" * 25_000}),
            json.dumps({"id": 1, "text": "Thank you. We will reply by 15:00 today."}),
        ]
    )
    assert code == 2
    assert [a.get("line") for a in answers[:5]] == [1, 2, 3, 4, 5]
    assert "not JSON" in answers[0]["error"]
    assert "text" in answers[1]["error"]
    assert "object" in answers[2]["error"]
    assert "purpose" in answers[3]["error"]
    assert "colour" in answers[4]["error"]
    assert "findings" in answers[5]  # a lone surrogate and 100,000 characters: still checked
    assert answers[6]["id"] == 1


def test_a_line_that_is_not_utf8_is_refused_alone():
    stdin = b'{"text": "\xff"}\n{"text": "fine"}\n'
    done = subprocess.run(
        [str(KIZUNA), "replycheck", "--jsonl"], input=stdin, capture_output=True, timeout=60
    )
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 2
    assert "UTF-8" in answers[0]["error"]
    assert "findings" in answers[1]
