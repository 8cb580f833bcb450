"""The labelled search set: queries over a generated corpus with the tickets each should find,
and precision and recall per language (bench/search.py prints them; a test holds them up)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kizuna.search.evaluation.corpus import TicketSpec, contacts

QUERIES = Path(__file__).resolve().parent / "queries.yaml"
_EMAIL = re.compile(r"\{email:(\d+)\}")


@dataclass(frozen=True)
class LabelledQuery:
    q: str
    lang: str
    wants: tuple[dict, ...]  # every one of these must hold for a ticket to be expected


@cache
def queries() -> tuple[LabelledQuery, ...]:
    data = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    people = {c.key: c for c in contacts()}
    out = []
    for raw in data["queries"]:
        q = _EMAIL.sub(lambda m: people[int(m.group(1))].email, str(raw["q"]))
        wants = (
            tuple(raw["all"])
            if "all" in raw
            else ({k: v for k, v in raw.items() if k not in ("q", "lang")},)
        )
        out.append(LabelledQuery(q, raw["lang"], wants))
    return tuple(out)


def _holds(spec: TicketSpec, want: dict) -> bool:
    if "topics" in want:
        return bool(spec.topics & set(want["topics"]))
    if "family" in want:
        return spec.contact.family == want["family"]
    if "organization" in want:
        return spec.contact.organization == want["organization"]
    if "attachment" in want:
        return spec.attachment == want["attachment"]
    if "contact" in want:
        return spec.contact.key == want["contact"]
    raise ValueError(f"unknown label {want}")


def expected(query: LabelledQuery, specs: list[TicketSpec], ids: list[int]) -> set[int]:
    return {
        ticket_id
        for spec, ticket_id in zip(specs, ids, strict=True)
        if all(_holds(spec, want) for want in query.wants)
    }


@dataclass
class Score:
    queries: int = 0
    found: int = 0  # expected tickets found
    wanted: int = 0  # expected tickets
    returned: int = 0  # tickets returned
    right: int = 0  # returned tickets that were expected

    @property
    def recall(self) -> float:
        return self.found / self.wanted if self.wanted else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.returned if self.returned else 1.0


def evaluate(run, specs: list[TicketSpec], ids: list[int]) -> tuple[dict[str, Score], list]:
    """`run(q)` returns the ticket ids a search gives. Per language (and "all"), with the
    queries that missed or over-found."""
    scores = {"ja": Score(), "en": Score(), "all": Score()}
    misses = []
    for query in queries():
        want = expected(query, specs, ids)
        got = set(run(query.q))
        for key in (query.lang, "all"):
            s = scores[key]
            s.queries += 1
            s.wanted += len(want)
            s.found += len(want & got)
            s.returned += len(got)
            s.right += len(got & want)
        if want != got:
            misses.append((query.q, len(want), len(want & got), len(got - want)))
    return scores, misses
