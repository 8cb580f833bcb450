"""How well `assess` reads the labelled corpus: per-mood precision, recall and F1.

`evaluate()` is what bench/mood.py prints and what the tests hold to their floor (macro
precision and recall of at least 0.8). The corpus is corpus/messages.yaml: inbound messages
written for this project, each with the mood a support lead reads in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kizuna.mood.engine import MOODS, assess

CORPUS = Path(__file__).resolve().parent / "corpus" / "messages.yaml"


@dataclass(frozen=True)
class Sample:
    id: str
    lang: str
    mood: str
    text: str


@cache
def load_corpus() -> tuple[Sample, ...]:
    with CORPUS.open(encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    samples = []
    for item in raw:
        sample = Sample(id=item["id"], lang=item["lang"], mood=item["mood"], text=item["text"])
        if sample.mood not in MOODS or sample.lang not in ("ja", "en"):
            raise ValueError(f"corpus sample {sample.id}: bad mood or lang")
        samples.append(sample)
    return tuple(samples)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(samples: tuple[Sample, ...] | None = None) -> dict:
    """Assess every sample and compare with its label.

    Returns ``{"samples": n, "accuracy": …, "per_mood": {mood: {"precision", "recall", "f1",
    "support"}}, "macro": {"precision", "recall", "f1"}, "confusion": {expected: {predicted:
    n}}, "by_lang": {lang: {"samples", "accuracy"}}, "misses": [{"id", "expected",
    "predicted"}]}``.
    """
    samples = load_corpus() if samples is None else samples
    confusion = {e: dict.fromkeys(MOODS, 0) for e in MOODS}
    misses = []
    by_lang: dict[str, list[int]] = {}
    for s in samples:
        predicted = assess(s.text).mood
        confusion[s.mood][predicted] += 1
        hits = by_lang.setdefault(s.lang, [0, 0])
        hits[1] += 1
        if predicted == s.mood:
            hits[0] += 1
        else:
            misses.append({"id": s.id, "expected": s.mood, "predicted": predicted})
    per_mood = {}
    for mood in MOODS:
        tp = confusion[mood][mood]
        predicted = sum(confusion[e][mood] for e in MOODS)
        support = sum(confusion[mood].values())
        p, r = _ratio(tp, predicted), _ratio(tp, support)
        per_mood[mood] = {"precision": p, "recall": r, "f1": _f1(p, r), "support": support}
    macro = {
        key: sum(per_mood[m][key] for m in MOODS) / len(MOODS)
        for key in ("precision", "recall", "f1")
    }
    correct = sum(confusion[m][m] for m in MOODS)
    return {
        "samples": len(samples),
        "accuracy": _ratio(correct, len(samples)),
        "per_mood": per_mood,
        "macro": macro,
        "confusion": confusion,
        "by_lang": {
            lang: {"samples": n, "accuracy": _ratio(ok, n)} for lang, (ok, n) in by_lang.items()
        },
        "misses": misses,
    }
