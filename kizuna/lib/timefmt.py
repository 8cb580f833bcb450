"""Dates and times as a customer reads them: in their own time zone and language (P1)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, tzinfo

from django.utils import timezone

_WEEKDAYS_JA = "月火水木金土日"

# The dates people may give Kizuna (checkpoints): wide enough for any real promise, and far
# from the ends of the calendar (years 1 and 9999), where moving a time into another time
# zone runs past the last or first day there is.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "Asia/Tokyo")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Tokyo")


def in_range(dt: datetime) -> bool:
    """True when `dt` (aware) lies between EARLIEST and LATEST."""
    try:
        return EARLIEST <= dt < LATEST
    except (OverflowError, TypeError):
        return False


def localtime_or_utc(value: datetime, tz: tzinfo | None = None) -> datetime:
    """`value` in `tz` (default: the active time zone); where that conversion would run off
    the calendar (a stored date near year 1 or 9999), `value` as it is, so a page or an
    answer still shows it rather than failing."""
    try:
        return value.astimezone(tz) if tz is not None else timezone.localtime(value)
    except (OverflowError, ValueError):
        return value


def format_when(dt: datetime, *, lang: str, tzname: str | None) -> str:
    """'2026年11月23日(月) 15:00 (JST)' or 'Mon 23 Nov 2026, 15:00 JST'."""
    local = localtime_or_utc(dt, zone(tzname))
    abbrev = local.strftime("%Z")
    if lang == "ja":
        wd = _WEEKDAYS_JA[local.weekday()]
        return f"{local.year}年{local.month}月{local.day}日({wd}) {local:%H:%M} ({abbrev})"
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {abbrev}"
