"""Template helpers for the portal: dates as the viewer reads them (P1)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone, translation

from kizuna.lib.timefmt import format_when

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """'2026年11月23日(月) 15:00 (JST)' in the active language and time zone."""
    if not value:
        return ""
    return format_when(
        value, lang=translation.get_language() or "en", tzname=timezone.get_current_timezone_name()
    )
