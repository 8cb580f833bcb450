"""Reply checker: a draft to a customer, checked against the team's communication standard.

See docs/replycheck.md for the rule format, the rule packs and how to measure them.

Public API (used by the desk composer, the API and `kizuna replycheck`)::

    from kizuna.replycheck import check, list_rules

    result = check(text, lang="auto", audience="general", purpose="any", overrides=None)
    result.lang            # "ja" or "en" (detected per message when lang="auto")
    result.findings        # [Finding(rule, category, principle, severity, start, end,
                           #          text, message, suggestion)], in text order
    result.has_errors      # any finding of severity "error" (sending needs an override)
    result.to_dict()       # {"lang": ..., "findings": [{...}]}: the CLI and API JSON shape

- `lang`: "auto" | "ja" | "en". `audience`: "general" | "technical" (technical relaxes
  jargon and readability, P5/P6). `purpose`: "any" | "update" | "resolution" | "bad-news" |
  "closing"; purpose-specific structure checks (checkpoint P1, resolution report P2, bad-news
  structure P11, closing P10) run only for their purpose.
- `overrides`: a team's written standard (P12) per organization, as
  `{rule_id: {"enabled": bool, "severity": "error" | "warning" | "info"}}`.
- Offsets are character (code point) offsets into `text` as given. Quoted customer mail,
  signatures and code or log excerpts are never checked.
- Messages and suggestions are in the language of the checked text.
- Bad arguments raise `ValueError` with a message saying what is wrong.

`list_rules(lang=None)` returns the rules' metadata (id, lang, kind, category, principle,
severity, message, suggestion, purposes, audience) for a manager's UI.
"""

from __future__ import annotations

from kizuna.replycheck.findings import CATEGORIES, Finding, Result

__all__ = ["CATEGORIES", "Finding", "Result", "check", "list_rules", "warm_up"]


def __getattr__(name: str):
    # The engine comes with the rule packs' English word forms (lemminflect, and with it
    # numpy): about 0.1 s that a command which never checks a draft (kizuna ingest, which
    # only uses the language detection next to it) should not spend at every start.
    if name == "check":
        from kizuna.replycheck.engine import check

        globals()["check"] = check  # asked once: later uses find it directly
        return check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def warm_up() -> None:
    """Compile the rule packs and load the analyser's dictionary now, at a web worker's
    start, so the first live check an agent waits for is as fast as the rest (about a
    second of loading otherwise lands on that keystroke)."""
    from kizuna.replycheck.engine import check

    check("準備 ready", lang="ja")
    check("ready", lang="en")


def list_rules(lang: str | None = None) -> list[dict]:
    """Metadata of every rule, or of one language pack's rules."""
    from kizuna.replycheck.findings import LANGUAGES
    from kizuna.replycheck.rules import load_pack

    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    langs = LANGUAGES if lang is None else (lang,)
    return [rule.metadata() for code in langs for rule in load_pack(code)]
