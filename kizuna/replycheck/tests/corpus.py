"""The labelled corpus and its precision/recall per category."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kizuna.replycheck import check
from kizuna.replycheck.findings import CATEGORIES

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
COUNTED = ("error", "warning")  # info findings are hints, not predictions


@dataclass
class Sample:
    id: str
    lang: str
    audience: str
    purpose: str
    expect: frozenset[str]
    text: str


def load_corpus(*names: str) -> list[Sample]:
    """Every corpus file, or only those named (file stems such as "heldout")."""
    samples = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        if names and path.stem not in names:
            continue
        lang = path.stem
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
            unknown = set(raw["expect"]) - set(CATEGORIES)
            assert not unknown, f"{raw['id']}: unknown categories {unknown}"
            samples.append(
                Sample(
                    id=raw["id"],
                    lang=raw.get("lang", lang),
                    audience=raw.get("audience", "general"),
                    purpose=raw.get("purpose", "any"),
                    expect=frozenset(raw["expect"]),
                    text=raw["text"],
                )
            )
    return samples


def predicted(sample: Sample) -> tuple[frozenset[str], list]:
    # Detection is part of what we measure, so the corpus is checked with lang="auto".
    result = check(sample.text, audience=sample.audience, purpose=sample.purpose)
    assert result.lang == sample.lang, f"{sample.id}: detected {result.lang}"
    cats = frozenset(f.category for f in result.findings if f.severity in COUNTED)
    return cats, result.findings


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(samples: list[Sample]) -> tuple[dict[str, Scores], Scores, list[str]]:
    """Per-category and micro-averaged scores, plus a line per disagreement."""
    per = {c: Scores() for c in CATEGORIES}
    total = Scores()
    misses = []
    for sample in samples:
        got, findings = predicted(sample)
        for cat in CATEGORIES:
            s = per[cat]
            if cat in got and cat in sample.expect:
                s.tp += 1
                total.tp += 1
            elif cat in got:
                s.fp += 1
                total.fp += 1
                hits = [f.text[:40] for f in findings if f.category == cat]
                misses.append(f"FP {sample.id} {cat}: {hits}")
            elif cat in sample.expect:
                s.fn += 1
                total.fn += 1
                misses.append(f"FN {sample.id} {cat}")
    return per, total, misses


def table(samples: list[Sample]) -> str:
    per, total, _ = evaluate(samples)
    langs = {lang: sum(1 for s in samples if s.lang == lang) for lang in ("ja", "en")}
    lines = [
        f"reply checker corpus: {len(samples)} messages (ja {langs['ja']}, en {langs['en']})",
        f"{'category':<14} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}",
    ]
    for cat, s in per.items():
        lines.append(
            f"{cat:<14} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>10.2f} {s.recall:>7.2f}"
        )
    lines.append(
        f"{'overall':<14} {total.tp:>4} {total.fp:>4} {total.fn:>4} "
        f"{total.precision:>10.2f} {total.recall:>7.2f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """`python -m kizuna.replycheck.tests.corpus [NAME...] [--misses]`: print the table for
    the whole corpus or only the named files (e.g. `heldout`)."""
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.test_settings")

    args = sys.argv[1:] if argv is None else argv
    show_misses = "--misses" in args
    names = [a for a in args if not a.startswith("-")]
    unknown = set(names) - {p.stem for p in CORPUS_DIR.glob("*.yaml")}
    if unknown:
        raise SystemExit(f"no corpus file named {', '.join(sorted(unknown))}")
    django.setup()
    samples = load_corpus(*names)
    print(table(samples))
    if show_misses:
        print("\n".join(evaluate(samples)[2]))


if __name__ == "__main__":
    main()
