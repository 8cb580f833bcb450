"""The accuracy corpus: its shape, the evaluation over every category, and the bar the
checker must clear on it (issue "Accuracy, measured"): recall of at least 0.85 in each
language and at most 5% of the good phrasing flagged. `bench/replycheck_accuracy.py` prints
the figures per category, and the held-out third separately.
"""

from __future__ import annotations

import pytest

from kizuna.replycheck.accuracy import CORPUS_DIR, FILES, SPLITS, evaluate, flagged, load
from kizuna.replycheck.findings import CATEGORIES, LANGUAGES

MIN_RECALL = 0.85
MAX_FALSE_FLAG_RATE = 0.05


@pytest.fixture(scope="module")
def items():
    return load()


@pytest.fixture(scope="module")
def report():
    return evaluate()


def _recall(part: dict, lang: str) -> tuple[float, int, int]:
    tp = sum(per_lang[lang]["tp"] for per_lang in part["categories"].values())
    fn = sum(per_lang[lang]["fn"] for per_lang in part["categories"].values())
    return tp / (tp + fn), tp, fn


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_checker_finds_at_least_85_percent_of_the_labelled_problems(report, lang):
    recall, tp, fn = _recall(report["all"], lang)
    misses = [m for m in report["all"]["misses"] if m.startswith("FN") and f" {lang}-" in m]
    assert recall >= MIN_RECALL, f"{lang}: recall {recall:.3f} ({tp} found, {fn} missed): {misses}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_checker_leaves_at_least_95_percent_of_good_phrasing_clean(items, lang):
    clean = [i for i in items if i.clean and i.lang == lang]
    flagged_ids = [i.id for i in clean if flagged(i)[0]]
    rate = len(flagged_ids) / len(clean)
    assert rate <= MAX_FALSE_FLAG_RATE, (
        f"{lang}: {rate:.3f} of good phrasing flagged: {flagged_ids}"
    )


def test_every_file_is_package_data_next_to_the_module():
    for name in FILES:
        assert (CORPUS_DIR / f"{name}.yaml").is_file()


def test_sizes(items):
    sentences = [i for i in items if i.kind == "sentence"]
    replies = [i for i in items if i.kind == "reply"]
    assert len(sentences) >= 600
    assert len(replies) >= 120


@pytest.mark.parametrize("kind", ["sentence", "reply"])
def test_languages_are_balanced(items, kind):
    of_kind = [i for i in items if i.kind == kind]
    for lang in LANGUAGES:
        share = sum(1 for i in of_kind if i.lang == lang) / len(of_kind)
        assert share >= 0.40, f"{kind}s in {lang}: {share:.0%}"


def test_enough_clean_good_phrasing(items):
    assert sum(1 for i in items if i.clean) / len(items) >= 0.45
    for lang in LANGUAGES:
        of_lang = [i for i in items if i.lang == lang]
        assert sum(1 for i in of_lang if i.clean) / len(of_lang) >= 0.45


def test_labels_are_known_categories(items):
    for item in items:
        assert item.labels <= set(CATEGORIES), item.id


def test_every_category_has_examples_in_both_languages(items):
    for lang in LANGUAGES:
        labelled = set().union(*(i.labels for i in items if i.lang == lang))
        assert labelled == set(CATEGORIES), f"{lang}: none for {set(CATEGORIES) - labelled}"


def test_ids_are_unique(items):
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids))


def test_a_third_is_held_out(items):
    for kind in ("sentence", "reply"):
        for lang in LANGUAGES:
            group = [i for i in items if i.kind == kind and i.lang == lang]
            share = sum(1 for i in group if i.split == "held_out") / len(group)
            assert 0.25 <= share <= 0.40, f"{kind}s in {lang}: {share:.0%} held out"
    held_out = [i for i in items if i.split == "held_out"]
    assert sum(1 for i in held_out if i.clean) / len(held_out) >= 0.40


def test_texts_are_not_repeated(items):
    texts = [" ".join(i.text.split()) for i in items]
    assert len(texts) == len(set(texts))


def test_load_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="split must be one of"):
        load("train")


def test_evaluate_reports_every_category_per_language_and_split(items, report):
    assert set(report) == {*SPLITS, "all"}
    assert report["all"]["items"] == len(items)
    assert report["tune"]["items"] + report["held_out"]["items"] == len(items)
    for name, part in report.items():
        assert set(part["categories"]) == set(CATEGORIES), name
        assert 0.0 <= part["false_flag_rate"] <= 1.0
        assert part["clean_items"] > 0
        for per_lang in part["categories"].values():
            assert set(per_lang) == set(LANGUAGES)
            for scores in per_lang.values():
                assert set(scores) == {"tp", "fp", "fn", "precision", "recall"}
                assert 0.0 <= scores["precision"] <= 1.0
                assert 0.0 <= scores["recall"] <= 1.0
    # Each labelled category is counted once per item: true positives plus misses.
    labelled = sum(len(i.labels) for i in items)
    counted = sum(
        s["tp"] + s["fn"]
        for per_lang in report["all"]["categories"].values()
        for s in per_lang.values()
    )
    assert counted == labelled


def test_evaluate_one_split_matches_its_part_of_the_whole(report):
    assert evaluate("held_out")["categories"] == report["held_out"]["categories"]
