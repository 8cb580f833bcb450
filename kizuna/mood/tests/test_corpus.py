"""Measured quality on the labelled corpus: macro precision and recall of at least 0.8."""

from collections import Counter

from kizuna.mood import MOODS
from kizuna.mood.evaluation import evaluate, load_corpus

SAMPLES = load_corpus()


def test_the_corpus_is_large_bilingual_and_covers_every_mood():
    assert len(SAMPLES) >= 130
    assert len({s.id for s in SAMPLES}) == len(SAMPLES)
    langs = Counter(s.lang for s in SAMPLES)
    assert min(langs["ja"], langs["en"]) >= 0.4 * len(SAMPLES)
    moods = Counter(s.mood for s in SAMPLES)
    assert min(moods[m] for m in MOODS) >= 25, moods
    for lang in ("ja", "en"):
        assert {s.mood for s in SAMPLES if s.lang == lang} == set(MOODS)


def test_it_reaches_the_precision_and_recall_floor():
    result = evaluate()
    report = "\n".join(
        [f"macro {result['macro']}"]
        + [f"{m}: {result['per_mood'][m]}" for m in MOODS]
        + [f"{x['id']}: expected {x['expected']}, got {x['predicted']}" for x in result["misses"]]
    )
    print("\n" + report)
    assert result["macro"]["precision"] >= 0.8, report
    assert result["macro"]["recall"] >= 0.8, report


def test_the_evaluation_counts_add_up():
    result = evaluate()
    confusion = result["confusion"]
    assert sum(sum(row.values()) for row in confusion.values()) == result["samples"]
    for mood in MOODS:
        assert result["per_mood"][mood]["support"] == sum(confusion[mood].values())
        assert 0 <= result["per_mood"][mood]["f1"] <= 1
