"""Dates and times as a customer reads them: in their own time zone and language (P1)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

_WEEKDAYS_JA = "月火水木金土日"


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "Asia/Tokyo")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Tokyo")


def format_when(dt: datetime, *, lang: str, tzname: str | None) -> str:
    """'2026年11月23日(月) 15:00 (JST)' or 'Mon 23 Nov 2026, 15:00 JST'."""
    local = dt.astimezone(zone(tzname))
    abbrev = local.strftime("%Z")
    if lang == "ja":
        wd = _WEEKDAYS_JA[local.weekday()]
        return f"{local.year}年{local.month}月{local.day}日({wd}) {local:%H:%M} ({abbrev})"
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {abbrev}"
