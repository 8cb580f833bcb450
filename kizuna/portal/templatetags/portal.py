"""Template helpers for the portal: dates as the viewer reads them, statuses in the
customer's words, notes shortened at a sentence end (P1)."""

from __future__ import annotations

import re
from datetime import datetime

from django import template
from django.utils import timezone, translation

from kizuna.lib.timefmt import format_when
from kizuna.tickets.wording import CUSTOMER_STATUS

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """'2026年11月23日(月) 15:00 (JST)' in the active language and time zone."""
    if not value:
        return ""
    return format_when(
        value, lang=translation.get_language() or "en", tzname=timezone.get_current_timezone_name()
    )


@register.filter
def customer_status(value: str) -> str:
    """A status in the customer's words, as the mails say it."""
    return str(CUSTOMER_STATUS.get(value, value))


# Where a sentence may end, in Japanese and English.
_SENTENCE_END = re.compile(r"[。．！？!?]|\.(?=\s)|\n")


@register.filter
def up_to_a_sentence(text: str, limit: int = 240) -> str:
    """`text` as a whole when short; else cut after the last sentence that ends within
    `limit` characters (never mid-sentence), with an ellipsis; a first sentence longer than
    the limit is cut at a word or character boundary."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]].rstrip() + " …"
    space = head.rfind(" ")
    cut = space if space >= limit // 2 else limit - 1
    return head[:cut].rstrip() + "…"
