"""The accuracy corpus: labelled sentences and whole replies, Japanese and English.

Each item has `id`, `lang`, `text`, `split` ("tune" or "held_out"), `labels` (the categories
a reviewer applying the standard would flag; an empty list is good phrasing that must stay
clean) and, optionally, `audience` and (for whole replies) `purpose`. About half the items
are clean: polite refusals with an alternative, labelled guesses, explained terms, apologies
that take responsibility, quoted customer words. Every third item of each group is held out:
the rules are never tuned on it, so its figures show how the checker does on new wording.

    from kizuna.replycheck.accuracy import evaluate, load

    report = evaluate()             # {"tune": {...}, "held_out": {...}, "all": {...}}
    report = evaluate("held_out")   # only that split

Each split's report::

    {"items": n, "clean_items": n, "false_flags": n, "false_flag_rate": x,
     "categories": {category: {lang: {"tp", "fp", "fn", "precision", "recall"}}},
     "misses": ["FN en-s-012 blame", "FP ja-r-004 checkpoint: ...", ...]}

An item counts as flagged for a category when a finding of severity error or warning has
that category (info findings are hints). A clean item is falsely flagged when it draws any
error or warning. Precision with nothing flagged and recall with nothing to find are 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kizuna.replycheck import check
from kizuna.replycheck.findings import AUDIENCES, CATEGORIES, LANGUAGES, PURPOSES

CORPUS_DIR = Path(__file__).resolve().parent
FILES = ("sentences-ja", "sentences-en", "replies-ja", "replies-en")
SPLITS = ("tune", "held_out")
COUNTED = ("error", "warning")  # info findings are hints, not predictions

__all__ = ["CATEGORIES", "Item", "evaluate", "load"]


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # "sentence" or "reply"
    lang: str
    split: str
    labels: frozenset[str]
    text: str
    audience: str = "general"
    purpose: str = "any"

    @property
    def clean(self) -> bool:
        return not self.labels


def _item(raw: dict, kind: str, source: str) -> Item:
    where = f"{source}: {raw.get('id', '?')}"
    labels = raw.get("labels")
    if not isinstance(labels, list):
        raise ValueError(f"{where}: labels must be a list")
    unknown = set(labels) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"{where}: unknown categories {sorted(unknown)}")
    checks = (
        ("lang", raw.get("lang"), LANGUAGES),
        ("split", raw.get("split"), SPLITS),
        ("audience", raw.get("audience", "general"), AUDIENCES),
        ("purpose", raw.get("purpose", "any"), PURPOSES),
    )
    for name, value, allowed in checks:
        if value not in allowed:
            raise ValueError(f"{where}: {name} must be one of {', '.join(allowed)}; got {value!r}")
    if not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise ValueError(f"{where}: text is missing")
    return Item(
        id=str(raw["id"]),
        kind=kind,
        lang=raw["lang"],
        split=raw["split"],
        labels=frozenset(labels),
        text=raw["text"],
        audience=raw.get("audience", "general"),
        purpose=raw.get("purpose", "any"),
    )


@cache
def _load_all() -> tuple[Item, ...]:
    items = []
    for name in FILES:
        path = CORPUS_DIR / f"{name}.yaml"
        kind = "sentence" if name.startswith("sentences") else "reply"
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
            items.append(_item(raw, kind, path.name))
    return tuple(items)


def load(split: str | None = None) -> list[Item]:
    """Every corpus item, or only those of one split ("tune" or "held_out")."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    return [item for item in _load_all() if split is None or item.split == split]


def flagged(item: Item) -> tuple[frozenset[str], list]:
    """The categories the checker flags on an item (error or warning), and its findings."""
    result = check(item.text, lang=item.lang, audience=item.audience, purpose=item.purpose)
    found = [f for f in result.findings if f.severity in COUNTED]
    return frozenset(f.category for f in found), found


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _score(items: list[Item], results: dict[str, tuple[frozenset[str], list]]) -> dict:
    counts = {cat: {lang: [0, 0, 0] for lang in LANGUAGES} for cat in CATEGORIES}
    misses = []
    clean = false_flags = 0
    for item in items:
        got, found = results[item.id]
        if item.clean:
            clean += 1
            false_flags += bool(got)
        for cat in CATEGORIES:
            row = counts[cat][item.lang]
            if cat in got and cat in item.labels:
                row[0] += 1
            elif cat in got:
                row[1] += 1
                hits = [f.text[:40] for f in found if f.category == cat]
                misses.append(f"FP {item.id} {cat}: {hits}")
            elif cat in item.labels:
                row[2] += 1
                misses.append(f"FN {item.id} {cat}")
    categories = {
        cat: {
            lang: {
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn),
            }
            for lang, (tp, fp, fn) in per_lang.items()
        }
        for cat, per_lang in counts.items()
    }
    return {
        "items": len(items),
        "clean_items": clean,
        "false_flags": false_flags,
        "false_flag_rate": false_flags / clean if clean else 0.0,
        "categories": categories,
        "misses": misses,
    }


def evaluate(split: str | None = None) -> dict:
    """Precision and recall per category and language, and the false-flag rate on clean
    items. With no split: {"tune": …, "held_out": …, "all": …}; with one, that split's report."""
    items = load(split)
    results = {item.id: flagged(item) for item in items}
    if split is not None:
        return _score(items, results)
    report = {name: _score([i for i in items if i.split == name], results) for name in SPLITS}
    report["all"] = _score(items, results)
    return report
