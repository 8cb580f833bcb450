"""Measured quality on the labelled corpus (issue: ≥0.90 precision, ≥0.85 recall)."""

from collections import Counter

from kizuna.replycheck.findings import CATEGORIES
from kizuna.replycheck.tests.corpus import evaluate, load_corpus, predicted, table

SAMPLES = load_corpus()


def test_it_has_a_large_bilingual_corpus_covering_every_category():
    assert len(SAMPLES) >= 150
    langs = Counter(s.lang for s in SAMPLES)
    assert min(langs["ja"], langs["en"]) >= 0.4 * len(SAMPLES)
    assert len({s.id for s in SAMPLES}) == len(SAMPLES)
    for lang in ("ja", "en"):
        covered = set().union(*(s.expect for s in SAMPLES if s.lang == lang))
        assert covered == set(CATEGORIES), (lang, set(CATEGORIES) - covered)
    assert sum(1 for s in SAMPLES if not s.expect) >= 0.3 * len(SAMPLES)


def test_it_reaches_the_precision_and_recall_targets():
    _, total, misses = evaluate(SAMPLES)
    report = table(SAMPLES) + "\n" + "\n".join(misses)
    print("\n" + report)
    assert total.precision >= 0.90, report
    assert total.recall >= 0.85, report


def test_it_finds_no_error_in_good_messages():
    errors = []
    for sample in SAMPLES:
        if sample.expect:
            continue
        _, findings = predicted(sample)
        errors += [
            f"{sample.id}: {f.rule} {f.text[:40]!r}" for f in findings if f.severity == "error"
        ]
    assert not errors, "\n".join(errors)
