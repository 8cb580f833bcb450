"""Measured quality on the labelled corpus: each fact's precision and recall at least 0.75,
their macro averages at least 0.8."""

from collections import Counter

from kizuna.intake import FACTS
from kizuna.intake.evaluation import evaluate, load_corpus, report

REQUESTS = load_corpus()


def test_it_has_a_large_bilingual_corpus_covering_every_fact():
    assert len(REQUESTS) >= 70
    assert len({r.id for r in REQUESTS}) == len(REQUESTS)
    langs = Counter(r.lang for r in REQUESTS)
    assert min(langs["ja"], langs["en"]) >= 0.4 * len(REQUESTS)
    for lang in ("ja", "en"):
        for fact in FACTS:
            given = sum(1 for r in REQUESTS if r.lang == lang and fact in r.facts)
            assert given >= 5, (lang, fact, given)
    # Terse requests that give almost nothing, and complete reports that give everything.
    assert sum(1 for r in REQUESTS if len(r.facts) <= 1) >= 10
    assert sum(1 for r in REQUESTS if r.facts == set(FACTS)) >= 5


def test_it_reaches_the_precision_and_recall_targets():
    figures = evaluate(REQUESTS)
    table = report(figures) + "\n" + "\n".join(figures["misses"])
    print("\n" + table)
    assert not figures["wrong_language"], table
    for fact, scores in figures["facts"].items():
        assert scores["precision"] >= 0.75, (fact, table)
        assert scores["recall"] >= 0.75, (fact, table)
    assert figures["macro"]["precision"] >= 0.8, table
    assert figures["macro"]["recall"] >= 0.8, table


def test_its_figures_have_the_shape_the_bench_prints():
    figures = evaluate(REQUESTS[:4])
    assert figures["requests"] == 4
    assert set(figures["facts"]) == set(FACTS)
    for scores in figures["facts"].values():
        assert set(scores) >= {"precision", "recall", "f1", "tp", "fp", "fn", "support"}
    assert set(figures["macro"]) == {"precision", "recall", "f1"}
    assert "macro" in report(figures)
