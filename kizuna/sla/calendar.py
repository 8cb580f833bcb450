"""Business-time arithmetic: "t plus N business minutes", "business minutes between a and b",
"is t within business hours", for a calendar of weekly working hours in a time zone, national
holidays (the `holidays` package), company closed days and extra working days (P1, P12).

Working hours are wall-clock ranges on local dates, turned into instants day by day with the
zone's rules, so a day on which clocks change keeps its 09:00–18:00 (and is an hour shorter or
longer). The open intervals of a span of years are laid out once as sorted epoch seconds with
the business seconds that come before each interval; every question is then two binary
searches, whatever the distance. Spans are added as questions reach further.
"""

from __future__ import annotations

import bisect
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays as holiday_data
from django.utils.translation import gettext as _

MINUTES_PER_DAY = 24 * 60

# Company closed days offered as a preset: the Japanese year-end and New Year break.
YEAR_END_CLOSING = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))

_UTC = zoneinfo.ZoneInfo("UTC")

# Years laid out around the first question; more are added on demand.
_SPAN_YEARS = 2


class CalendarError(ValueError):
    """A calendar that cannot be used, with what is wrong in words a manager understands."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


Ranges = tuple[tuple[int, int], ...]  # minutes from local midnight, [start, end)


def parse_ranges(value: Sequence[Sequence[str]], *, field: str = "hours") -> Ranges:
    """[["09:00", "12:00"], ["13:00", "18:00"]] as minute ranges, checked: each range ends
    after it starts, within the day (24:00 allowed as an end), and ranges do not overlap."""
    ranges = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise CalendarError(
                _("%(value)s is not a range like 09:00-18:00.") % {"value": item}, field=field
            )
        start, end = (_minute(part, field=field) for part in item)
        if end <= start:
            raise CalendarError(
                _("%(start)s–%(end)s ends before it starts.") % {"start": item[0], "end": item[1]},
                field=field,
            )
        ranges.append((start, end))
    ranges.sort()
    for (s1, e1), (s2, e2) in zip(ranges, ranges[1:], strict=False):
        if s2 < e1:
            raise CalendarError(
                _("%(first)s and %(second)s overlap.")
                % {"first": f"{_clock(s1)}–{_clock(e1)}", "second": f"{_clock(s2)}–{_clock(e2)}"},
                field=field,
            )
    return tuple(ranges)


def _minute(text, *, field: str) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise CalendarError(
            _("“%(value)s” is not a time like 09:00.") % {"value": text}, field=field
        )
    hours, minutes = text[:2], text[3:]
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()):
        raise CalendarError(
            _("“%(value)s” is not a time like 09:00.") % {"value": text}, field=field
        )
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY:
        raise CalendarError(_("“%(value)s” is not a time of day.") % {"value": text}, field=field)
    return value


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def time_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(
            _("“%(value)s” is not a time zone (e.g. Asia/Tokyo).") % {"value": name},
            field="time_zone",
        ) from None


def check_country(country: str, subdivision: str = "") -> None:
    if not country:
        return
    supported = holiday_data.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            _("“%(value)s” is not a country the holiday data knows (e.g. JP, US, GB).")
            % {"value": country},
            field="country",
        )
    if subdivision and subdivision not in supported[country]:
        raise CalendarError(
            _("“%(value)s” is not a region of %(country)s in the holiday data.")
            % {"value": subdivision, "country": country},
            field="subdivision",
        )


@dataclass
class Calendar:
    """Working hours per weekday (0 = Monday) in `zone`, closed on `country`'s holidays, on
    `closed` dates and on `closed_yearly` (month, day) pairs, open on `extra_working_days` with
    `extra_day_hours`. `always_open` is the 24×7 calendar of contracts that pay for it."""

    zone: zoneinfo.ZoneInfo
    weekly: Mapping[int, Ranges] = field(default_factory=dict)
    country: str = ""
    subdivision: str = ""
    closed: frozenset[date] = frozenset()
    closed_yearly: frozenset[tuple[int, int]] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    extra_day_hours: Ranges = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        check_country(self.country, self.subdivision)
        if self.always_open:
            self.weekly = {day: ((0, MINUTES_PER_DAY),) for day in range(7)}
            self.country, self.closed, self.closed_yearly = "", frozenset(), frozenset()
        if not any(self.weekly.get(day) for day in range(7)):
            raise CalendarError(_("The calendar has no working hours on any day."), field="hours")
        if self.extra_working_days and not self.extra_day_hours:
            self.extra_day_hours = next(self.weekly[d] for d in range(7) if self.weekly.get(d))
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # business seconds before each interval
        self._cum_ends: list[int] = []  # … and up to its end
        self._first_day: date | None = None
        self._last_day: date | None = None
        self._safe_lo, self._safe_hi = 0, 0
        self._holidays = (
            holiday_data.country_holidays(self.country, subdiv=self.subdivision or None)
            if self.country
            else None
        )

    # --- questions ------------------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        ts = self._ts(t)
        self._cover(ts, ts)
        i = bisect.bisect_right(self._starts, ts) - 1
        return i >= 0 and ts < self._ends[i]

    def add(self, t: datetime, minutes: float) -> datetime:
        """The instant `minutes` business minutes after `t` (in the calendar's zone). From a
        closed moment the count starts at the next opening; a result that falls exactly on a
        closing time is that closing time, not the next morning."""
        if minutes < 0:
            raise CalendarError(_("Business minutes to add cannot be negative."), field="minutes")
        if minutes == 0:
            return t.astimezone(self.zone)
        ts = int(t.timestamp()) if t.tzinfo is not None else self._ts(t)
        if not self._safe_lo <= ts < self._safe_hi:
            self._cover(ts, ts)
        target = self._position(ts) + (
            minutes * 60 if type(minutes) is int else round(minutes * 60)
        )
        while not self._cum_ends or target > self._cum_ends[-1]:
            self._extend_forward()
        j = bisect.bisect_left(self._cum_ends, target)
        result = self._starts[j] + (target - self._before[j])
        return datetime.fromtimestamp(result, self.zone)

    def minutes_between(self, a: datetime, b: datetime) -> float:
        """Business minutes from `a` to `b` (negative when `b` is earlier)."""
        ta, tb = self._ts(a), self._ts(b)
        self._cover(min(ta, tb), max(ta, tb))
        return (self._position(tb) - self._position(ta)) / 60

    def open_ranges(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working hours of one local date as instants (empty on a closed day)."""
        return [
            (datetime.fromtimestamp(s, self.zone), datetime.fromtimestamp(e, self.zone))
            for s, e in self._day_intervals(day)
        ]

    def is_working_day(self, day: date) -> bool:
        return bool(self._day_ranges(day))

    def next_opening(self, t: datetime) -> datetime:
        """`t` itself when open, else the next moment the calendar opens."""
        ts = self._ts(t)
        self._cover(ts, ts)
        i = bisect.bisect_right(self._starts, ts) - 1
        if i >= 0 and ts < self._ends[i]:
            return t.astimezone(self.zone)
        while i + 1 >= len(self._starts):
            self._extend_forward()
        return datetime.fromtimestamp(self._starts[i + 1], self.zone)

    # --- the layout -----------------------------------------------------------------------

    def _ts(self, t: datetime) -> int:
        if t.tzinfo is None:
            raise CalendarError(_("A time without a time zone cannot be placed in a calendar."))
        return int(t.timestamp())

    def _position(self, ts: int) -> int:
        """Business seconds from the start of the layout to `ts`."""
        i = bisect.bisect_right(self._starts, ts) - 1
        if i < 0:
            return 0
        return self._before[i] + min(ts, self._ends[i]) - self._starts[i]

    def _day_ranges(self, day: date) -> Ranges:
        if day in self.extra_working_days:
            return self.extra_day_hours
        if day in self.closed or (day.month, day.day) in self.closed_yearly:
            return ()
        if self._holidays is not None and day in self._holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    def _day_intervals(self, day: date) -> list[tuple[int, int]]:
        """The open instants of one local date: those whose wall-clock time lies in one of the
        day's ranges. On the two days a year the clocks change, the day is walked minute by
        minute (a repeated hour counts twice, a skipped one not at all)."""
        ranges = self._day_ranges(day)
        if not ranges:
            return []
        first = _wall(day, 0, self.zone)
        last = _wall(day + timedelta(days=1), 0, self.zone)
        if first.utcoffset() == last.utcoffset():
            out = []
            for start, end in ranges:
                s_ts = int(first.timestamp()) + start * 60
                e_ts = int(first.timestamp()) + end * 60
                out.append((s_ts, e_ts))
            return out
        return _walk_day(first, last, ranges, self.zone)

    def _cover(self, lo: int, hi: int) -> None:
        """Lay out enough days that both instants lie inside the layout (with a day to spare)."""
        if self._safe_lo <= lo and hi < self._safe_hi:
            return
        lo_day = datetime.fromtimestamp(lo, self.zone).date() - timedelta(days=1)
        hi_day = datetime.fromtimestamp(hi, self.zone).date() + timedelta(days=1)
        if self._first_day is None:
            start = date(lo_day.year - 1, 1, 1)
            end = date(max(hi_day.year, lo_day.year) + _SPAN_YEARS, 1, 1)
            self._layout(start, end)
            return
        if lo_day < self._first_day:
            self._layout(date(lo_day.year - 1, 1, 1), self._last_day)
        while hi_day >= self._last_day:
            self._extend_forward()

    def _extend_forward(self) -> None:
        self._layout(self._first_day, date(self._last_day.year + _SPAN_YEARS, 1, 1))

    def _layout(self, start: date, end: date) -> None:
        """Intervals of the local dates [start, end), merged where one ends as the next begins
        (midnight on a 24-hour day), with the running total of business seconds."""
        starts: list[int] = []
        ends: list[int] = []
        day = start
        while day < end:
            for s, e in self._day_intervals(day):
                if ends and s <= ends[-1]:
                    ends[-1] = max(ends[-1], e)
                else:
                    starts.append(s)
                    ends.append(e)
            day += timedelta(days=1)
        before, cumulative, total = [], [], 0
        for s, e in zip(starts, ends, strict=True):
            before.append(total)
            total += e - s
            cumulative.append(total)
        self._starts, self._ends, self._before = starts, ends, before
        self._cum_ends = cumulative
        self._first_day, self._last_day = start, end
        # Instants well inside the laid-out dates, whatever the zone's offset.
        self._safe_lo = int(datetime.combine(start, time(), tzinfo=_UTC).timestamp()) + 2 * 86400
        self._safe_hi = int(datetime.combine(end, time(), tzinfo=_UTC).timestamp()) - 2 * 86400


def _wall(day: date, minute: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """The first instant whose local wall time is `minute` on `day` or later (24:00 is the
    next day's midnight): a wall time skipped when clocks go forward maps to the moment they
    jumped; one repeated when they go back, to its first occurrence."""
    extra, minute = divmod(minute, MINUTES_PER_DAY)
    local = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60))
    aware = local.replace(tzinfo=zone, fold=0)
    if aware.astimezone(_UTC).astimezone(zone).replace(tzinfo=None) == local:
        return aware
    # In a gap: walk from the earlier reading, minute by minute, to the jump (gaps are short).
    instant = local.replace(tzinfo=zone, fold=1).astimezone(_UTC)
    while instant.astimezone(zone).replace(tzinfo=None) < local:
        instant += timedelta(minutes=1)
    return instant


def _walk_day(
    first: datetime, last: datetime, ranges: Ranges, zone: zoneinfo.ZoneInfo
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    ts, stop = int(first.timestamp()), int(last.timestamp())
    while ts < stop:
        wall = datetime.fromtimestamp(ts, zone)
        minute = wall.hour * 60 + wall.minute
        if any(start <= minute < end for start, end in ranges):
            if out and out[-1][1] == ts:
                out[-1] = (out[-1][0], ts + 60)
            else:
                out.append((ts, ts + 60))
        ts += 60
    return out


def weekly_from(mapping: Mapping[str, Sequence[Sequence[str]]]) -> dict[int, Ranges]:
    """{"0": [["09:00", "18:00"]], …} (0 = Monday) as checked minute ranges."""
    weekly = {}
    for key, value in mapping.items():
        if str(key) not in {str(d) for d in range(7)}:
            raise CalendarError(
                _("“%(value)s” is not a weekday (0 = Monday … 6 = Sunday).") % {"value": key},
                field="hours",
            )
        weekly[int(key)] = parse_ranges(value, field="hours")
    return weekly


def dates_from(values: Iterable[str], *, field: str) -> frozenset[date]:
    out = set()
    for value in values:
        try:
            out.add(date.fromisoformat(str(value)))
        except ValueError:
            raise CalendarError(
                _("“%(value)s” is not a date like 2026-12-29.") % {"value": value}, field=field
            ) from None
    return frozenset(out)
