"""Reply checker accuracy on the labelled corpus, and check() latency on 1,000 characters.

    python bench/replycheck_accuracy.py             # tables per split, false-flag rate, timing
    python bench/replycheck_accuracy.py --misses    # plus every false positive and negative
    python bench/replycheck_accuracy.py --split held_out

Prints precision and recall per category and language for the tune split, the held-out split
(never used to tune the rules) and both together; the share of clean items (good phrasing)
that drew any error or warning; and p50/p95 of `check` on a 1,000-character reply built from
the corpus's own replies, per language, after a warm-up, and for Japanese also without the
morphological analyser (issue "Accuracy, measured" and "Speed").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = 1_000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def print_split(name: str, report: dict, *, misses: bool) -> None:
    from kizuna.replycheck.findings import LANGUAGES

    print(
        f"{name}: {report['items']} items, {report['clean_items']} clean; "
        f"false-flag rate {report['false_flag_rate']:.3f} "
        f"({report['false_flags']} of {report['clean_items']} clean items flagged)"
    )
    header = "".join(
        f" | {lang:<2} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>5} {'rec':>5}" for lang in LANGUAGES
    )
    print(f"  {'category':<14}{header}")
    totals = {lang: [0, 0, 0] for lang in LANGUAGES}
    for cat, per_lang in report["categories"].items():
        cells = []
        for lang in LANGUAGES:
            s = per_lang[lang]
            for i, key in enumerate(("tp", "fp", "fn")):
                totals[lang][i] += s[key]
            cells.append(
                f" |    {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} {s['precision']:>5.2f} {s['recall']:>5.2f}"
            )
        print(f"  {cat:<14}{''.join(cells)}")
    cells = []
    for lang in LANGUAGES:
        tp, fp, fn = totals[lang]
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        cells.append(f" |    {tp:>4} {fp:>4} {fn:>4} {prec:>5.2f} {rec:>5.2f}")
    print(f"  {'overall':<14}{''.join(cells)}")
    if misses:
        for line in report["misses"]:
            print(f"    {line}")
    print()


def reply_of(lang: str, size: int = SIZE) -> str:
    """A reply of `size` characters made of the corpus's replies in that language."""
    from kizuna.replycheck.accuracy import load

    texts = [i.text for i in load() if i.kind == "reply" and i.lang == lang]
    text, n = "", 0
    while len(text) < size:
        text += texts[n % len(texts)] + "\n"
        n += 1
    return text[:size]


def _timings(lang: str, repeat: int) -> list[float]:
    from kizuna.replycheck import check

    text = reply_of(lang)
    for _ in range(20):
        check(text, lang=lang, purpose="update")
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        check(text, lang=lang, purpose="update")
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def timing(repeat: int) -> None:
    """p50/p95 per language; Japanese also without the analyser (its rules that read
    dictionary forms then see no words), to show what the analysis itself costs. English
    rules are expanded to word forms when the pack loads, so a check never lemmatises."""
    from kizuna.replycheck import engine

    print(f"check() on a {SIZE:,}-character reply, {repeat} runs after warm-up:")
    print(f"  {'lang':<26} {'p50 ms':>8} {'p95 ms':>8}")
    rows = [("ja (with the analyser)", "ja"), ("en", "en")]
    for name, lang in rows:
        timings = _timings(lang, repeat)
        print(f"  {name:<26} {statistics.median(timings):>8.2f} {percentile(timings, 95):>8.2f}")
    analyse = engine.analyse
    engine.analyse = lambda text: []
    try:
        timings = _timings("ja", repeat)
    finally:
        engine.analyse = analyse
    name = "ja (without the analyser)"
    print(f"  {name:<26} {statistics.median(timings):>8.2f} {percentile(timings, 95):>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "held_out"), help="only this split")
    parser.add_argument("--misses", action="store_true", help="list false positives and negatives")
    parser.add_argument("--repeat", type=int, default=300, help="timed checks per language")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    from kizuna.replycheck.accuracy import evaluate, load

    items = load()
    counts = {
        (kind, lang): sum(1 for i in items if i.kind == kind and i.lang == lang)
        for kind in ("sentence", "reply")
        for lang in ("ja", "en")
    }
    clean = sum(1 for i in items if i.clean)
    print(
        f"accuracy corpus: {len(items)} items ({clean} clean); sentences ja {counts['sentence', 'ja']}, "
        f"en {counts['sentence', 'en']}; replies ja {counts['reply', 'ja']}, en {counts['reply', 'en']}"
    )
    print()
    if args.split:
        print_split(args.split, evaluate(args.split), misses=args.misses)
    else:
        report = evaluate()
        for name in ("tune", "held_out", "all"):
            print_split(name, report[name], misses=args.misses and name != "all")
    timing(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
