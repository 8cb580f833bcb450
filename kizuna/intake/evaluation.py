"""How well `find_facts` reads the labelled corpus: precision, recall and F1 per fact.

The corpus is `corpus/*.yaml`: first requests written for this purpose, each with `id`, `lang`,
`facts` (the facts a careful reader finds in it) and `text`. A fact counts as found when
`find_facts` gives it (with lang="auto": telling the language is part of what is measured).

    python -m kizuna.intake.evaluation            # the table
    python -m kizuna.intake.evaluation --misses   # and every disagreement
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kizuna.intake.facts import FACTS, find_facts

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class Request:
    id: str
    lang: str
    facts: frozenset[str]
    text: str


def load_corpus() -> list[Request]:
    """Every labelled request, checked for well-formed labels."""
    requests = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            facts = frozenset(raw["facts"])
            unknown = facts - set(FACTS)
            if unknown:
                raise ValueError(f"{path.name}: {raw['id']}: unknown facts {sorted(unknown)}")
            if raw["lang"] not in ("ja", "en"):
                raise ValueError(f"{path.name}: {raw['id']}: lang must be ja or en")
            requests.append(Request(raw["id"], raw["lang"], facts, raw["text"]))
    return requests


def _scores(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "support": tp + fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def _macro(per_fact: dict) -> dict:
    n = len(per_fact)
    return {
        key: sum(s[key] for s in per_fact.values()) / n for key in ("precision", "recall", "f1")
    }


def evaluate(requests: list[Request] | None = None) -> dict:
    """Precision, recall and F1 per fact, their macro averages (overall and per language), the
    corpus size and one line per disagreement (`misses`)."""
    requests = load_corpus() if requests is None else requests
    counts = {lang: {f: [0, 0, 0] for f in FACTS} for lang in ("ja", "en")}
    misses = []
    wrong_lang = []
    for request in requests:
        result = find_facts(request.text)
        if result.lang != request.lang:
            wrong_lang.append(request.id)
        found = set(result.given)
        for fact in FACTS:
            c = counts[request.lang][fact]
            if fact in found and fact in request.facts:
                c[0] += 1
            elif fact in found:
                c[1] += 1
                cues = [cue.text for cue in result.given[fact]]
                misses.append(f"FP {request.id} {fact}: {cues}")
            elif fact in request.facts:
                c[2] += 1
                misses.append(f"FN {request.id} {fact}")
    facts = {
        f: _scores(*(sum(counts[lang][f][i] for lang in counts) for i in range(3))) for f in FACTS
    }
    by_lang = {}
    for lang, per in counts.items():
        scored = {f: _scores(*per[f]) for f in FACTS}
        by_lang[lang] = {
            "requests": sum(1 for r in requests if r.lang == lang),
            "facts": scored,
            "macro": _macro(scored),
        }
    return {
        "requests": len(requests),
        "labels": {f: sum(1 for r in requests if f in r.facts) for f in FACTS},
        "facts": facts,
        "macro": _macro(facts),
        "languages": by_lang,
        "wrong_language": wrong_lang,
        "misses": misses,
    }


def report(figures: dict) -> str:
    """The figures from `evaluate()` as a table."""
    langs = figures["languages"]
    lines = [
        f"intake facts (P9) on {figures['requests']} labelled first requests "
        f"(ja {langs['ja']['requests']}, en {langs['en']['requests']})",
        f"{'fact':<12} {'given':>5} {'tp':>4} {'fp':>4} {'fn':>4} "
        f"{'precision':>9} {'recall':>6} {'f1':>5}",
    ]
    for fact, s in figures["facts"].items():
        lines.append(
            f"{fact:<12} {figures['labels'][fact]:>5} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
            f"{s['precision']:>9.2f} {s['recall']:>6.2f} {s['f1']:>5.2f}"
        )
    for name, macro in [("macro", figures["macro"])] + [
        (f"macro {lang}", langs[lang]["macro"]) for lang in langs
    ]:
        lines.append(
            f"{name:<12} {'':>5} {'':>4} {'':>4} {'':>4} "
            f"{macro['precision']:>9.2f} {macro['recall']:>6.2f} {macro['f1']:>5.2f}"
        )
    if figures["wrong_language"]:
        lines.append("language told wrongly: " + ", ".join(figures["wrong_language"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    django.setup()
    args = sys.argv[1:] if argv is None else argv
    figures = evaluate()
    print(report(figures))
    if "--misses" in args:
        print("\n".join(figures["misses"]))


if __name__ == "__main__":
    main()
