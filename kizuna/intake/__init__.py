"""Intake (P9): which facts about the customer's situation a first request gives.

A first request is almost never complete. `find_facts` reads the customer's own words (quoted
earlier mail, signatures and "Sent from my iPhone" lines are left out) and tells which of six
facts they give, with the words that give each one, and which are missing, so that the first
reply asks only for what is missing. See docs/intake.md.

Public API (used by the ticket page and the first reply)::

    from kizuna.intake import FACTS, find_facts, label, question

    FACTS   # ("impact", "urgency", "symptom", "since", "tried", "environment")
    result = find_facts(text, lang="auto", answered=())
    result.lang      # "ja" or "en" (detected from the text when lang="auto")
    result.given     # {fact: [Cue(fact, text, start, end)]}, in FACTS order
    result.missing   # [fact, ...] in FACTS order
    result.to_dict() # {"lang", "given": {fact: [{"text", "start", "end"}]}, "missing"}
    label(fact)      # the fact's name, translatable: "Impact", "Urgency or deadline", ...
    question(fact, lang)  # one polite question asking the customer for the fact (ja or en)

- The facts: `impact` (who or what is affected and how much: people, services, the business),
  `urgency` (how urgent, or by when it must work; "no rush" answers it too), `symptom` (what
  happens: the error or behaviour seen), `since` (since when, or how often), `tried` (what the
  customer already did, or that they have not tried anything yet), `environment` (device, OS,
  browser or program and version, server or host name, network, plan).
- `answered`: fact ids the portal's new-request form already answered (`FORM_FIELD_FACTS`
  maps its fields to facts). They count as given; their list of cues holds whatever the text
  itself gives, possibly nothing.
- Offsets are character (code point) offsets into `text` as given: `text[c.start:c.end] ==
  c.text`. Cues of one fact never overlap and come in text order.
- Words that do not give a fact are not cues: "I don't know since when" gives no `since`,
  "別のパソコンでも同じ" is something tried, not the customer's environment. "We have not tried
  anything yet" does give `tried`.
- Bad arguments raise `ValueError` (unknown lang or fact) or `TypeError` (text not a str).
- Any text is read in time about linear in its length; lexicons are loaded once per process.
"""

from __future__ import annotations

from kizuna.intake.facts import (
    FACTS,
    FORM_FIELD_FACTS,
    LABELS,
    Cue,
    IntakeResult,
    find_facts,
    label,
    question,
)

__all__ = [
    "FACTS",
    "FORM_FIELD_FACTS",
    "LABELS",
    "Cue",
    "IntakeResult",
    "find_facts",
    "label",
    "question",
]
