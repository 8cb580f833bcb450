"""The blanks of a letter left unfilled in a message ([[the plan]]), on their own: the reply
standard asks for them before every send, without the letters' template engine (jinja2) and
built-in letters (YAML) being loaded at every process's start."""

from __future__ import annotations

from kizuna.replycheck.segments import BLANK


def blanks(text: str) -> list[str]:
    """The unfilled blanks in a message made from a letter."""
    return BLANK.findall(text or "")
