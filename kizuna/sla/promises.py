"""Promises in an agent's own words (P13): "明日15時までにご連絡します", "I'll update you by
Friday". `extract()` finds each time an agent commits the team to in a reply or status note,
the words that name the time, and when the promise falls due, read through the business
calendar. See docs/sla.md ("Promises") for what counts and how vague words resolve.

Pure text work, no database. Regular expressions only, each compiled once and free of nested
repetition, so any input is read in time about linear in its length. Every pattern starts
with a cheap test of the first character (or a word boundary), so the engine passes over
ordinary text quickly; English is matched on an ASCII-lowercased copy instead of with
IGNORECASE for the same reason.

How a promise is found:

1. Quoted text is set aside: lines starting with ">", and everything after a quote header
   ("… wrote:", "… <addr>:", "-----Original Message-----") unless the quote below it is
   marked line by line.
2. The rest is cut into sentences (。!? a full stop before a space, a blank line, a list item).
3. Time words are found (dates, weekdays, 明日 / tomorrow, clock times, parts of the day,
   durations, 今週中 / this week …) and joined when only connecting words stand between them:
   "by noon on November 24" and "来週月曜の午前中に" are one time each.
4. Each time is governed by one predicate: in a Japanese sentence the first one after it
   (ご連絡します, ご返信ください, ご連絡しました …), in English the nearest one before it
   (we'll, please, we called …); failing that, the nearest on the other side. Only a
   commitment by the team makes a promise; a request, a past event, a refusal or a question
   does not, and neither does a sentence with a condition (もし, 〜次第, if, once …).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kizuna.sla.calendar import Calendar

_UTC = ZoneInfo("UTC")
_ZONES = {"jst": ZoneInfo("Asia/Tokyo"), "utc": _UTC, "gmt": _UTC}


@dataclass(frozen=True, slots=True)
class Promise:
    """A commitment with a time: `text` is exactly `input[start:end]` (the words that name the
    time, with their "by" / までに), `due` the aware moment it falls due."""

    text: str
    start: int
    end: int
    due: datetime


# --- reading the text ---------------------------------------------------------------------

# Full-width ASCII (１５：３０, ＞) read as ASCII and A-Z as a-z: one character for one, so
# offsets into the folded copy are offsets into the input.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH.update({c: c - 0xFEE0 + 0x20 for c in range(0xFF21, 0xFF3B)})
_WIDTH[0x3000] = 0x20
_FOLD = {**_WIDTH, **{c: c + 0x20 for c in range(0x41, 0x5B)}}
_FULL_WIDTH = re.compile(r"[\uff01-\uff5e\u3000]")


def _fold(text: str) -> str:
    low = text.lower()  # fast; a few characters lengthen in lower case (İ), then map by hand
    if len(low) != len(text):
        return text.translate(_FOLD)
    return low.translate(_WIDTH) if _FULL_WIDTH.search(low) else low


_KANJI_DIGITS = dict(zip("〇一二三四五六七八九", range(10), strict=True))
_K = "[〇一二三四五六七八九十]"
_NUM_JA = rf"(?:[0-9]{{1,2}}|{_K}{{1,3}})"

_EN_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "twenty-four": 24,
    "forty-eight": 48,
}
_EN_NUM = (
    r"[0-9]{1,4}(?:\.[0-9])?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|fifteen|twenty-four|twenty|thirty|forty-five|forty-eight|a\scouple\sof|half\san?"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_NUMBER = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WEEKDAYS_EN = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WEEKDAYS_JA = dict(zip("月火水木金土日", range(7), strict=True))
# "11月24日(火)", "12/3 (thu)": the weekday in brackets belongs to the date.
_ANNOT = r"(?:\s?\((?:[月火水木金土日](?:曜日?)?|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?)\))?"

# Where each named part of a day ends (minutes from midnight); None: read from the calendar.
_PART_END = {
    "first": None,  # one hour after the calendar opens that day
    "morning": 12 * 60,
    "noon": 12 * 60,
    "early-afternoon": 14 * 60,
    "afternoon": 17 * 60,
    "evening": 17 * 60,
    "eod": None,  # the calendar's closing time that day
    "night": 23 * 60 + 59,
}
_PART_ORDER = list(_PART_END)


@dataclass(slots=True)
class _Time:
    """Time words found in the text; several join into one expression."""

    start: int
    end: int
    day: tuple | None = None  # ("rel", n) ("date", y, m, d) ("wd", wd, week) ("nbd",) ("dom", d, k)
    clock: tuple | None = None  # (hour, minute, "am"|"pm"|None, bare 1–7 means pm, zone)
    part: str | None = None
    window: str | None = None  # week0, week1, week1-start, month0, year0, new-year, past
    duration: tuple | None = None  # (amount, unit): min, hour, day, week, month, bhour, bday
    lead: bool = True  # an English "by" / "at" before it belongs to it


def _int(text: str) -> int:
    if text.isascii():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_KANJI_DIGITS.get(tens, 0) if tens else 1) * 10 + _KANJI_DIGITS.get(ones, 0)
    value = 0
    for ch in text:
        value = value * 10 + _KANJI_DIGITS[ch]
    return value


def _en_number(text: str) -> float | None:
    text = " ".join(text.split())
    if text[0].isdigit():
        return float(text)
    if text.startswith("half"):
        return 0.5
    if text.startswith("a couple"):
        return 2
    return _EN_WORDS.get(text)


def _clock(h: int, m: int, ap: str | None, bare: bool, zone: str | None = None) -> tuple | None:
    if h > 24 or m > 59 or (h == 24 and m) or (ap and not 0 < h <= 12):
        return None
    return (h, m, ap, bare, zone)


def _ap(text: str | None) -> str | None:
    if not text:
        return None
    return "pm" if text in ("午後",) or text[0] == "p" else "am"


# Each pattern with the function that reads its match (given the match and the input).

_JA_TIME = re.compile(
    rf"(?=[0-9〇一二三四五六七八九十午])(?P<ap>午前|午後)?(?<![0-9〇一二三四五六七八九十])"
    rf"(?P<h>[0-9]{{1,2}}|(?!一時){_K}{{1,3}})時(?![間点])(?:(?P<m>{_NUM_JA})分|(?P<half>半))?"
)


def _ja_time(m: re.Match, text: str) -> _Time | None:
    h_text = m["h"]
    minute = 30 if m["half"] else _int(m["m"]) if m["m"] else 0
    bare = not m["ap"] and not h_text.startswith("0")
    clock = _clock(_int(h_text), minute, _ap(m["ap"]), bare)
    return _Time(m.start(), m.end(), clock=clock) if clock else None


_HM = re.compile(
    r"(?=[0-9午])(?:(?P<ap>午前|午後)\s?)?(?<![0-9:.])(?P<h>[01]?[0-9]|2[0-4]):(?P<m>[0-5][0-9])"
    r"(?![0-9:])(?:\s?(?P<ap2>[ap]\.m\.|[ap]\.?m\b))?(?:\s?\(?(?P<tz>jst|utc|gmt)\b\)?)?"
)


def _hm(m: re.Match, text: str) -> _Time | None:
    ap = _ap(m["ap"] or m["ap2"])
    bare = not ap and not m["h"].startswith("0")
    clock = _clock(int(m["h"]), int(m["m"]), ap, bare, m["tz"])
    return _Time(m.start(), m.end(), clock=clock) if clock else None


_EN_CLOCK = re.compile(
    r"(?=[0-9oftnse])(?<![a-z0-9:.])(?:(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5][0-9]))?\s?"
    r"(?P<ap>[ap]\.m\.|[ap]\.?m\b)(?:\s?\(?(?P<tz>jst|utc|gmt)\b\)?)?"
    r"|(?P<oh>1[0-2]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\so['’]clock\b)"
)


def _en_clock(m: re.Match, text: str) -> _Time | None:
    if m["oh"]:
        h = int(m["oh"]) if m["oh"].isdigit() else _EN_WORDS[m["oh"]]
        return _Time(m.start(), m.end(), clock=_clock(h, 0, None, True))
    clock = _clock(int(m["h"]), int(m["m"] or 0), _ap(m["ap"]), False, m["tz"])
    return _Time(m.start(), m.end(), clock=clock) if clock else None


_JA_DATE = re.compile(
    rf"(?=[0-9〇一二三四五六七八九十今来])(?:"
    rf"(?<![0-9〇一二三四五六七八九十])(?:(?P<y>[0-9]{{4}})年)?(?P<mo>{_NUM_JA})月(?P<d>{_NUM_JA})日(?!間){_ANNOT}"
    rf"|(?P<q>今月|来月)(?P<qd>[0-9]{{1,2}})日{_ANNOT}"
    rf"|(?<![0-9月])(?P<dom>[0-9]{{1,2}})日(?![間以後中程ほ分前付連]){_ANNOT})"
)


def _ja_date(m: re.Match, text: str) -> _Time:
    if m["mo"]:
        day = ("date", int(m["y"]) if m["y"] else None, _int(m["mo"]), _int(m["d"]))
    elif m["q"]:
        day = ("dom", int(m["qd"]), 1 if m["q"] == "来月" else 0)
    else:
        day = ("dom", int(m["dom"]), None)
    return _Time(m.start(), m.end(), day=day)


_NUM_DATE = re.compile(
    r"(?=[0-9])(?<![0-9/.:\-])(?:"
    rf"(?:(?P<y>20[0-9]{{2}})[/.])?(?P<mo>1[0-2]|0?[1-9])/(?P<d>3[01]|[12][0-9]|0?[1-9])(?![0-9/])"
    rf"{_ANNOT}|(?P<iy>20[0-9]{{2}})-(?P<im>1[0-2]|0[1-9])-(?P<id>3[01]|[12][0-9]|0[1-9])"
    rf"(?![0-9]){_ANNOT})"
)


def _num_date(m: re.Match, text: str) -> _Time:
    if m["iy"]:
        day = ("date", int(m["iy"]), int(m["im"]), int(m["id"]))
    else:
        day = ("date", int(m["y"]) if m["y"] else None, int(m["mo"]), int(m["d"]))
    return _Time(m.start(), m.end(), day=day)


_EN_DATE = re.compile(
    rf"\b(?=[0-9jfmasondt])(?:(?P<mon>{_MONTHS})\.?\s(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b"
    rf"(?:,?\s(?P<y>20[0-9]{{2}})\b)?{_ANNOT}"
    rf"|(?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<mon2>{_MONTHS})\b"
    rf"(?:,?\s(?P<y2>20[0-9]{{2}})\b)?"
    r"|the\s(?P<dom>[0-9]{1,2})(?:st|nd|rd|th)\b)"
)


def _en_date(m: re.Match, text: str) -> _Time:
    if m["dom"]:
        return _Time(m.start(), m.end(), day=("dom", int(m["dom"]), None))
    month = _MONTH_NUMBER[(m["mon"] or m["mon2"])[:3]]
    year = m["y"] or m["y2"]
    day = ("date", int(year) if year else None, month, int(m["d"] or m["d2"]))
    return _Time(m.start(), m.end(), day=day)


# Relative days: the words, the day (days from today) and the part of the day they name.
_JA_DAYS = {
    "本日": (0, None),
    "今日": (0, None),
    "きょう": (0, None),
    "本日中": (0, "eod"),
    "今日中": (0, "eod"),
    "今晩": (0, "night"),
    "今夜": (0, "night"),
    "今夕": (0, "evening"),
    "今朝": (0, "morning"),
    "明朝": (1, "morning"),
    "翌朝": (1, "morning"),
    "明晩": (1, "night"),
    "明日": (1, None),
    "あした": (1, None),
    "あす": (1, None),
    "翌日": (1, None),
    "明日中": (1, "eod"),
    "明後日": (2, None),
    "あさって": (2, None),
    "昨日": (-1, None),
    "きのう": (-1, None),
    "一昨日": (-2, None),
    "昨夜": (-1, "night"),
    "昨晩": (-1, "night"),
}
_JA_DAY = re.compile(
    r"(?=[本今き明翌あ昨一次])(?:本日中?|今日中?|きょう|今晩|今夜|今夕|今朝|明朝|翌朝|明晩|明後日|明日中?"
    r"|あさって|あした|あす|翌日|昨日|きのう|一昨日|昨夜|昨晩|(?P<nbd>翌営業日|次の営業日|次営業日))"
)


def _ja_day(m: re.Match, text: str) -> _Time:
    if m["nbd"]:
        return _Time(m.start(), m.end(), day=("nbd",))
    offset, part = _JA_DAYS[m.group()]
    return _Time(m.start(), m.end(), day=("rel", offset), part=part)


_EN_DAY = re.compile(
    r"\b(?=[ltyfn])(?:(?:later\s)?(?P<today>today)|this\s(?P<tp>morning|afternoon|evening)"
    r"|(?P<tonight>tonight)|(?P<dat>the\sday\safter\stomorrow)|(?P<tom>tomorrow|tmrw)"
    r"|(?P<yest>yesterday|last\snight)|(?P<nbd>(?:the\s)?(?:next|following)\s(?:business|working)"
    r"\sday))\b"
)


def _en_day(m: re.Match, text: str) -> _Time:
    t = _Time(m.start(), m.end())
    if m["today"]:
        t.day = ("rel", 0)
    elif m["tp"]:
        t.day, t.part = ("rel", 0), m["tp"]
    elif m["tonight"]:
        t.day, t.part = ("rel", 0), "night"
    elif m["dat"]:
        t.day = ("rel", 2)
    elif m["tom"]:
        t.day = ("rel", 1)
    elif m["yest"]:
        t.day = ("rel", -1)
    else:
        t.day = ("nbd",)
    return t


_JA_PARTS = {
    "朝一": "first",
    "朝一番": "first",
    "朝イチ": "first",
    "始業直後": "first",
    "午前中": "morning",
    "午前": "morning",
    "朝方": "morning",
    "朝": "morning",
    "昼過ぎ": "early-afternoon",
    "昼すぎ": "early-afternoon",
    "正午": "noon",
    "お昼": "noon",
    "昼": "noon",
    "午後": "afternoon",
    "昼以降": "afternoon",
    "夕方": "evening",
    "夕刻": "evening",
    "夜間": "night",
    "深夜": "night",
    "夜": "night",
}
_JA_PART = re.compile(
    r"(?=[朝始午昼正お夕夜深終定営業])(?:朝一番?|朝イチ|始業直後|午前中|午前|朝方|朝|昼過ぎ|昼すぎ|正午|お昼"
    r"|昼以降|昼(?![休食間夜])|午後|夕方|夕刻|夜間|深夜|夜"
    r"|(?P<eod>終業(?:時刻|時間|時)?|定時|営業時間内|業務時間内|営業終了(?:時刻|時間)?))"
)


def _ja_part(m: re.Match, text: str) -> _Time:
    part = "eod" if m["eod"] else _JA_PARTS[m.group()]
    return _Time(m.start(), m.end(), part=part)


_EN_PART = re.compile(
    r"\b(?=[idmaen1lofctb])(?:(?:(?:in|during)\sthe\s)?(?P<p>morning|afternoon|evening)\b"
    r"|(?:12\s?)?(?P<noon>noon|midday|lunchtime|lunch\stime)\b|(?P<night>midnight|overnight)\b"
    r"|(?P<first>first\sthing)(?:\sin\sthe\smorning)?\b"
    r"|(?P<eod>(?:the\s)?end\sof\s(?:the\s)?(?:business\s|working\s|work\s)?day"
    r"|(?:the\s)?(?:end|close)\sof\s(?:business|play)|cob|eod|eob|eop)\b"
    r"|(?P<eodof>(?:the\s)?end\sof)(?=\s(?:today|tomorrow|mon|tue|wed|thu|fri|[0-9])))"
)


def _en_part(m: re.Match, text: str) -> _Time | None:
    if m["p"] and text[max(0, m.start() - 5) : m.start()].lower() == "good ":
        return None  # a greeting
    if m["p"]:
        part = m["p"]
    elif m["eodof"]:
        part = "eod"
    else:
        part = m.lastgroup
    return _Time(m.start(), m.end(), part=part)


_JA_WEEKDAY = re.compile(
    r"(?=[今来再翌次先月火水木金土日])(?:(?P<q>今週|来週|再来週|翌週|次週|先週)の?)?"
    r"(?P<wd>[月火水木金土日])曜日?"
)
_JA_WEEK = {None: None, "今週": 0, "来週": 1, "翌週": 1, "次週": 1, "再来週": 2, "先週": -1}


def _ja_weekday(m: re.Match, text: str) -> _Time:
    return _Time(m.start(), m.end(), day=("wd", _WEEKDAYS_JA[m["wd"]], _JA_WEEK[m["q"]]))


_EN_WEEKDAY = re.compile(
    r"\b(?=[ntcflmwsa])(?:(?P<q>next|this\scoming|the\scoming|coming|this|following|last)\s)?"
    r"(?P<wd>(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b"
)
_EN_WEEK = {"this": 0, "next": 1, "following": 1, "last": -1}


def _en_weekday(m: re.Match, text: str) -> _Time | None:
    if len(m["wd"]) < 6 and not text[m.start("wd")].isupper():
        return None  # "sun", "sat", "wed" as words; "Sat", "Wed" as days
    week = _EN_WEEK.get(m["q"] or "")
    return _Time(m.start(), m.end(), day=("wd", _WEEKDAYS_EN[m["wd"][:3]], week))


_JA_WINDOW = re.compile(
    r"(?=[週来今月年先])(?:(?P<ws>週明け|来週(?:早々|頭|初め|はじめ|明け))|(?P<w1>来週(?:中|末|いっぱい)?)"
    r"|(?P<w0>今週(?:中|末|いっぱい)?|週内|週末)|(?P<m0>今月(?:中|末|いっぱい)?|月末|月内)"
    r"|(?P<ny>年明け)|(?P<y0>年内|今年中|年末)|(?P<past>先週|先月))"
)
_EN_WINDOW = re.compile(
    r"\b(?=[ebslntmyafi])(?:(?P<ws>(?:early|earlier\sin)\snext\sweek"
    r"|(?:the\s)?(?:beginning|start)\sof\snext\sweek)"
    r"|(?P<w1>(?:the\s)?end\sof\snext\sweek|next\sweek)"
    r"|(?P<w0>(?:the\s)?end\sof\s(?:this|the)\sweek|later\sthis\sweek|this\sweek|eow)"
    r"|(?P<m0>(?:the\s)?end\sof\s(?:this|the)\smonth|this\smonth|month[-\s]end)"
    r"|(?P<ny>(?:early\s)?in\sthe\snew\syear|after\sthe\snew\syear)"
    r"|(?P<y0>(?:the\s)?end\sof\s(?:this|the)\syear|year[-\s]end)|(?P<past>last\s(?:week|month)))\b"
)
_WINDOWS = {"ws": "week1-start", "w1": "week1", "w0": "week0", "m0": "month0", "y0": "year0"}
_WINDOWS.update({"ny": "new-year", "past": "past"})


def _window(m: re.Match, text: str) -> _Time:
    return _Time(m.start(), m.end(), window=_WINDOWS[m.lastgroup])


_JA_DURATION = re.compile(
    rf"(?=[0-9〇一二三四五六七八九十])(?<![0-9.〇一二三四五六七八九十])(?P<n>[0-9]{{1,4}}(?:\.[0-9])?|(?!十分){_K}{{1,3}})\s?"
    r"(?P<u>分|時間半|時間|営業時間|営業日|日|週間|か月|ヶ月|カ月)"
    r"(?:ほど|程度|ぐらい|くらい)?(?:以内|内|後|のうちに|中|で)"
)
_JA_UNITS = {"分": "min", "時間": "hour", "時間半": "hour", "営業時間": "bhour", "営業日": "bday"}
_JA_UNITS.update({"日": "day", "週間": "week", "か月": "month", "ヶ月": "month", "カ月": "month"})


def _ja_duration(m: re.Match, text: str) -> _Time:
    n = float(m["n"]) if m["n"][0].isdigit() else _int(m["n"])
    n += 0.5 if m["u"] == "時間半" else 0
    return _Time(m.start(), m.end(), duration=(n, _JA_UNITS[m["u"]]))


_EN_DURATION = re.compile(
    rf"\b(?=[wi0-9aothfsen])(?:(?:within|in|inside(?:\sof)?)\s(?:the\snext\s|the\scoming\s)?"
    rf"(?P<n>{_EN_NUM})\s?-?\s?(?P<b>business\s|working\s)?"
    r"(?P<u>minutes?|mins?|hours?|hrs?|h|days?|weeks?)\b"
    rf"|(?P<n2>{_EN_NUM})\s?(?P<b2>business\s|working\s)?(?P<u2>minutes?|mins?|hours?|hrs?|days?)"
    r"\sfrom\snow\b|within\sthe\s(?P<hour>hour)\b)"
)


def _en_duration(m: re.Match, text: str) -> _Time | None:
    if m["hour"]:
        return _Time(m.start(), m.end(), duration=(1, "hour"), lead=False)
    n = _en_number(m["n"] or m["n2"])
    unit = m["u"] or m["u2"]
    business = bool(m["b"] or m["b2"])
    if n is None:
        return None
    if unit.startswith("m"):
        kind = "min"
    elif unit.startswith("h"):
        kind = "bhour" if business else "hour"
    elif unit.startswith("d"):
        kind = "bday" if business else "day"
    else:
        kind = "week"
    return _Time(m.start(), m.end(), duration=(n, kind), lead=False)


_SCANNERS = (
    (_JA_TIME, _ja_time),
    (_HM, _hm),
    (_EN_CLOCK, _en_clock),
    (_JA_DATE, _ja_date),
    (_NUM_DATE, _num_date),
    (_EN_DATE, _en_date),
    (_JA_DAY, _ja_day),
    (_EN_DAY, _en_day),
    (_JA_PART, _ja_part),
    (_EN_PART, _en_part),
    (_JA_WEEKDAY, _ja_weekday),
    (_EN_WEEKDAY, _en_weekday),
    (_JA_WINDOW, _window),
    (_EN_WINDOW, _window),
    (_JA_DURATION, _ja_duration),
    (_EN_DURATION, _en_duration),
)

# What may stand between two time words of one expression ("noon on nov 24", "来週月曜の午前").
_CONNECT = re.compile(r"(?:[\s,、()]|の|at\b|on\b|by\b|around\b|about\b|@|in\sthe\b|of\b|the\b)*")
_RANGE = re.compile(r"\s?(?:[-–~〜～]|to|から|until)\s?")
# "by" and its kin before an English time, particles after a Japanese one.
_LEAD = re.compile(
    r"\b(?:by|before|no\slater\sthan|not\slater\sthan|until|till|at|on|around|about|for|sometime)"
    r"\s(?:the\s)?$"
)
_TRAIL = re.compile(
    r"(?:頃|ごろ|前後|を目[処途]|目[処途]|をめど|めど|を目安)?"
    r"(?:まで(?:には|に)?|迄に?|中に?|以内に?|内に|には|に)?"
    r"(?:,?\sat\sthe\slatest\b)?"
)

# --- who does what: the predicates that govern a time -------------------------------------

# Where two start at the same place the first alternative wins: お願いします is a request,
# not ご〜します; 申し訳ございません is no refusal.
_MASU = r"ます(?!か)"
_CUES_JA = re.compile(
    r"(?=[\u3040-\u30ff\u4e00-\u9fff])(?:"
    r"(?P<skip>申し訳(?:ござい|あり)ません|(?:問題|差し支え)(?:ござい|あり)ません|構いません|かまいません)"
    r"|(?P<request>(?:く|下)ださ(?:い|いませ)|いただ(?:け|き)(?:ます|ません)(?:でしょう)?か"
    r"|頂(?:け|き)(?:ます|ません)(?:でしょう)?か|いただけますと|いただけると|いただければ|頂ければ"
    r"|いただきたく|頂きたく|いただきますよう|いただけますよう|お願い(?:いた|致)?し(?:ます|たく)"
    r"|お願い申し上げ|お願いでき|お待ちしております|お待ち申し上げ|願います|ほしい|欲しい"
    r"|もらえ(?:ます|ません)か|のほど|ますか|でしょうか)"
    r"|(?P<condition>もし|万一|万が一|(?:まし|でし)たら|たら(?=[、,\s]|すぐ|直ちに|ただちに)"
    r"|なら(?:ば)?(?=[、,\s])|次第|場合(?!でも|にも|も)|[えけせてねべめれ]ば(?=[、,\s])"
    r"|いただいた後|受領後|拝受後|受け取り後)"
    r"|(?P<past>ました(?!ら)|でした(?!ら)|済み)"
    r"|(?P<negation>ません|かねます|できない|できず|難しい|困難|不可|間に合わない"
    r"|お休み|休み|休業|不在|休暇|休日)"
    r"|(?P<commit>させて(?:いただ|頂)き(?:ます|たく)|(?:いた|致)し(?:ます(?!か)|たく)"
    r"|差し上げ(?:ます|る)|申し上げます|(?<!ご)予定|見込み|見込|つもりです|努めます|目指します"
    rf"|でき{_MASU}|行い{_MASU}|(?:お|ご)[一-龥]{{1,4}}[ぁ-ん]{{0,2}}し{_MASU}"
    r"|(?:連絡|報告|回答|返答|返信|案内|送付|共有|提出|対応|修正|復旧|調査|確認|実施|作業|完了|再開"
    r"|再起動|更新|反映|設定|交換|手配|発送|納品|解除|復元|公開|適用|送信|通知|電話|訪問|検証|解析"
    rf"|準備|着手|開始|終了|切替|移行|リリース)(?:を|が)?(?:し|させ){_MASU}"
    rf"|(?:送り|届け|伝え|知らせ|戻り|折り返し|伺い|参り|まいり|仕上げ|終え|始め|進め|直し){_MASU}"
    r"|次回の?ご?(?:連絡|報告|更新|案内|回答)))"
)
_CUES_EN = re.compile(
    r"\b(?=[a-z])(?:"
    r"(?P<request>please\b|kindly\b|(?:could|can|would|will)\syou\b|would\sit\sbe\b"
    r"|(?:we|i)\s(?:need|require|ask|request)\s(?:you|that\syou)\b"
    r"|(?:we|i)(?:\swould|['’]d)\s(?:appreciate|like\syou|be\sgrateful)\b"
    r"|let\s(?:me|us)\sknow\b|you(?:['’]ll|\swill)?\s(?:need|must|should)\b|you\shave\sto\b"
    r"|make\ssure\b|remember\sto\b|do\syou\b|are\syou\b)"
    r"|(?P<condition>if\b|once\b|unless\b|as\ssoon\sas\b|provided\b|assuming\b"
    r"|depend(?:s|ing)\son\b|in\scase\b|subject\sto\b"
    r"|(?:when|whenever|after|upon)\s(?:we|you|they|the|it|our|your|receiving|hearing|getting)\b)"
    r"|(?P<negation>(?:cannot|can['’]t|can\snot|won['’]t|will\snot|shall\snot|unable\sto"
    r"|not\sable\sto|not\sbe\sable|couldn['’]t|could\snot|don['’]t|do\snot|doesn['’]t|does\snot"
    r"|no\slonger|never|not\spossible|impossible|not\suntil)\b"
    r"|be\s(?:out|away|off|on\s(?:leave|vacation|holiday)|unavailable|closed|offline)\b)"
    r"|(?P<past>(?:i|we|you|they|he|she|it|this|that)\s(?:already\s|just\s|also\s)?"
    r"(?:[a-z]+(?<!e)ed|was|were|had|did|sent|spoke|wrote|got|made|told|gave|took|found|saw|came"
    r"|went|left|rang|heard|met|paid|began|brought)\b"
    r"|(?:have|has|had|['’]ve)\s(?:already\s|just\s)?(?:been|[a-z]+(?<!e)ed|sent|spoken|written"
    r"|got|gotten|made|told|given|taken|found|seen|heard|done)\b"
    r"|(?:was|were)\s(?:[a-z]+(?<!e)ed|sent|done|made|told|given|taken|found|seen)\b"
    r"|(?:confirmed|reported|noticed|occurred|happened|crashed|failed|recovered|restarted)\b)"
    r"|(?P<commit>(?:i|we)\s(?:will|shall)\b(?!\snot\b|\snever\b)|(?:i|we)['’]ll\b"
    # "we are checking the logs and will update you": the subject said once for both.
    r"|(?:and|then)\s(?:will|shall)\b(?!\snot\b|\snever\b|\syou\b)"
    r"|will\sbe\s(?:sent|provided|deployed|completed|fixed|restored|resolved|updated|delivered"
    r"|shared|released|applied|replaced|repaired|emailed|posted)\s(?:to\syou\s)?(?=by\b|before\b|within\b|no\slater\b|on\b|at\b|tomorrow\b|today\b)"
    r"|(?:i|we)(?:\sam|\sare|['’]m|['’]re)\sgoing\sto\b"
    r"|(?:i|we)\s(?:plan|expect|aim|intend|promise|hope|commit|undertake)\sto\b"
    r"|(?:i|we)\s(?:should|can|could)\s(?:be\sable\sto\s)?(?:get|have|send|give|provide|update"
    r"|call|finish|complete|deliver|restore)\b"
    r"|(?:our|the)\s(?:team|engineers?|staff|support\steam|technicians?)\s(?:will|is\sgoing\sto"
    r"|are\sgoing\sto|plans?\sto)\b(?!\snot\b)"
    r"|you(?:['’]ll|\swill)\s(?:hear|get|receive|have)\b"
    r"|expect\s(?:an?|our|my)\s(?:update|reply|response|answer|call|report|fix|e-?mail)\b"
    r"|expect\sto\s(?:hear|receive)\b|next\s(?:status\s)?(?:update|checkpoint|report|call)\b"
    r"|let\sme\s(?!know\b)[a-z]+|eta\b|(?:is|are)\s(?:scheduled|planned|expected)\s(?:for|to)\b))"
)
# "we'll have fixed it": a future perfect, not a past event.
_FUTURE_PERFECT = re.compile(r"(?:will|['’]ll)\s$")
# "even if", "sooner if": no condition on the promise.
_NOT_A_CONDITION = re.compile(r"\b(?:even|sooner|earlier)\s$")

# --- sentences and quotes -----------------------------------------------------------------

_BOUNDARY = re.compile(
    r"[。!?]|\.(?=\s|$|[\u3040-\u9fff])|\n[ \t]*\n"
    r"|\n(?=[ \t]*(?:[-*•・●■◆◇□※]|[0-9]{1,2}[.)][ \t]))"
)
_ABBREVIATION = re.compile(
    r"(?:\b[ap]\.m|\b(?:mr|mrs|ms|dr|st|vs|e\.g|i\.e|no|approx|jan|feb|mar|apr|jun|jul|aug"
    r"|sep|sept|oct|nov|dec|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)|\b[a-z])$"
)
_NEXT_WORD = re.compile(r"\s{1,8}([a-z]{1,20})")
_CALENDAR_WORDS = {*_WEEKDAYS_EN, *_MONTH_NUMBER, "jst", "utc", "gmt"}
_QUOTE_HEAD = re.compile(
    r"(?:wrote|writes)\s?:\s*$|書きました\s?[:。]?\s*$|<[^<>\s]{1,200}@[^<>\s]{1,200}>\s?:\s*$"
    r"|^\s*-{3,}\s?(?:original message|元のメッセージ|forwarded message|転送されたメッセージ)"
    r"|^\s*_{10,}\s*$"
)
_JAPANESE = re.compile(r"[\u3040-\u30ff]")


def _quoted_mark(line: str) -> bool:
    return line.lstrip()[:1] == ">"


def _unquoted(low: str) -> list[tuple[int, int]]:
    """The stretches of the text that are the writer's own words (quoted lines and quoted
    tails left out), as (start, end) offsets."""
    lines = low.splitlines(keepends=True)
    # For each line: does the next non-blank line start a line-by-line quote?
    marked_below = [False] * len(lines)
    below = False
    for i in range(len(lines) - 1, -1, -1):
        marked_below[i] = below
        if lines[i].strip():
            below = _quoted_mark(lines[i])
    regions: list[tuple[int, int]] = []
    pos = 0
    for i, line in enumerate(lines):
        end = pos + len(line)
        if _quoted_mark(line):
            pass
        elif _QUOTE_HEAD.search(line):
            if not marked_below[i]:
                break  # everything below the header is the quoted message
        elif regions and regions[-1][1] == pos:
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((pos, end))
        pos = end
    return regions


def _sentences(text: str, low: str, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for lo, hi in regions:
        start = lo
        for m in _BOUNDARY.finditer(low, lo, hi):
            if m.group() == "." and _ABBREVIATION.search(low, max(lo, m.start() - 5), m.start()):
                # "Dec. 3", "e.g. this" go on. After "a.m." / "p.m." a capitalised word starts
                # a new sentence unless it is a weekday, a month or a zone ("3 p.m. Friday").
                word = _NEXT_WORD.match(low, m.end(), hi)
                if not (
                    low[m.start() - 1] == "m"
                    and word
                    and text[word.start(1)].isupper()
                    and word[1][:3] not in _CALENDAR_WORDS
                ):
                    continue
            if m.end() > start:
                out.append((start, m.end()))
            start = m.end()
        if hi > start:
            out.append((start, hi))
    return out


# --- reading times ------------------------------------------------------------------------


def _scan(text: str, low: str, regions: list[tuple[int, int]]) -> list[_Time]:
    found = []
    for pattern, read in _SCANNERS:
        for m in (m for lo, hi in regions for m in pattern.finditer(low, lo, hi)):
            t = read(m, text)
            if t is not None:
                found.append(t)
    found.sort(key=lambda t: (t.start, t.start - t.end))
    kept: list[_Time] = []
    for t in found:
        if not kept or t.start >= kept[-1].end:
            kept.append(t)
    return kept


def _join(a: _Time, b: _Time, gap: str) -> bool:
    """Fold `b` into `a` when together they name one time; False when they are two times."""
    if a.duration or b.duration or len(gap) > 12:
        return False
    if a.clock and b.clock:
        if b.day or b.part or b.window or not _RANGE.fullmatch(gap):
            return False
        a.clock, a.end = b.clock, b.end  # "10:00〜12:00": due when the range ends
        return True
    if not _CONNECT.fullmatch(gap):
        return False
    if a.day and b.day:
        if b.day[0] == "date" and a.day[0] != "date":
            day = b.day  # "明日(11/21)": the explicit date wins
        elif a.day[0] == "date" and b.day[0] != "date":
            day = a.day
        else:
            return False
    else:
        day = a.day or b.day
    if a.window and b.window:
        return False
    if a.part and b.part:
        part = min(a.part, b.part, key=_PART_ORDER.index)
    else:
        part = a.part or b.part
    window = a.window or b.window
    if day and day[0] == "wd" and day[2] is None and window in ("week0", "week1"):
        day = ("wd", day[1], 0 if window == "week0" else 1)  # "next week monday"
    a.day, a.clock, a.part, a.window, a.end = day, a.clock or b.clock, part, window, b.end
    return True


def _expressions(tokens: list[_Time], low: str) -> list[_Time]:
    out: list[_Time] = []
    for t in tokens:
        if out and _join(out[-1], t, low[out[-1].end : t.start]):
            continue
        out.append(t)
    return out


# --- when a promise falls due -------------------------------------------------------------


class _Resolver:
    """Turns time words into an aware moment in the calendar's zone, relative to `now`."""

    def __init__(self, now: datetime, calendar: Calendar):
        self.calendar = calendar
        self.zone = calendar.zone
        self.now = now.astimezone(self.zone)
        self.today = self.now.date()
        # A business day in business minutes: the longest working day of the week.
        self.day_minutes = max(
            (sum(e - s for s, e in ranges) for ranges in calendar.weekly.values()), default=0
        ) or (24 * 60)

    def at(self, day: date, minute: int, zone: ZoneInfo | None = None) -> datetime:
        extra, minute = divmod(minute, 24 * 60)
        wall = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60))
        return wall.replace(tzinfo=zone or self.zone).astimezone(self.zone)

    def closing(self, day: date) -> datetime:
        """The end of the day's last working hours; the end of the day itself (23:59) when the
        day has none or they are already over."""
        end_of_day = self.at(day, 23 * 60 + 59)
        ranges = self.calendar.open_ranges(day)
        if ranges and ranges[-1][1] > self.now:
            return min(ranges[-1][1], end_of_day)
        return end_of_day

    def working_day(self, start: date, stop: date) -> date | None:
        """The first working day from `start` towards `stop` (either direction), both included."""
        step = timedelta(days=1 if stop >= start else -1)
        day = start
        for _ in range(abs((stop - start).days) + 1):
            if self.calendar.is_working_day(day):
                return day
            day += step
        return None

    def due(self, t: _Time) -> datetime | None:
        if t.duration:
            return self.after(*t.duration)
        if t.window == "past":
            return None
        if t.day:
            day = self.day(t.day)
            return self.on(day, t) if day else None
        if t.window:
            return self.on(self.window_day(t.window), t)
        # No day named: today, or tomorrow when that time of day has already passed.
        due = self.on(self.today, t)
        return due if due > self.now else self.on(self.today + timedelta(days=1), t)

    def on(self, day: date, t: _Time) -> datetime:
        if t.clock:
            h, m, ap, bare, zone = t.clock
            if ap == "pm" and h < 12:
                h += 12
            elif ap == "am" and h == 12:
                h = 0
            elif ap is None and h < 12:
                if t.part in ("early-afternoon", "afternoon", "evening", "night"):
                    h += 12
                elif bare and 1 <= h <= 7 and t.part not in ("morning", "first"):
                    h += 12  # 3時, 3:30 in a working day are in the afternoon
            return self.at(day, h * 60 + m, _ZONES[zone] if zone else None)
        part = t.part or "eod"
        if part == "eod":
            return self.closing(day)
        if part == "first":
            ranges = self.calendar.open_ranges(day)
            return ranges[0][0] + timedelta(hours=1) if ranges else self.at(day, 10 * 60)
        return self.at(day, _PART_END[part])

    def day(self, spec: tuple) -> date | None:
        kind, today = spec[0], self.today
        if kind == "rel":
            return today + timedelta(days=spec[1])
        if kind == "nbd":
            return self.working_day(today + timedelta(days=1), today + timedelta(days=60))
        if kind == "wd":
            _, weekday, week = spec
            if week is None:
                return today + timedelta(days=(weekday - today.weekday()) % 7)
            monday = today - timedelta(days=today.weekday())
            return monday + timedelta(days=7 * week + weekday)
        if kind == "dom":
            return self.day_of_month(spec[1], spec[2])
        _, year, month, number = spec
        if year is not None and not today.year - 1 <= year <= today.year + 10:
            return None
        try:
            candidate = date(year or today.year, month, number)
            if year is None and candidate < today:
                candidate = date(today.year + 1, month, number)  # past this year: next year
        except ValueError:
            return None
        return candidate

    def day_of_month(self, number: int, months_ahead: int | None) -> date | None:
        """ "the 24th" / 24日: this month's, or next month's once it has passed; 今月 / 来月
        name the month."""
        today = self.today
        index = today.year * 12 + today.month - 1 + (months_ahead or 0)
        for extra in range(3 if months_ahead is None else 1):
            year, month = divmod(index + extra, 12)
            try:
                candidate = date(year, month + 1, number)
            except ValueError:
                continue
            if candidate >= today or months_ahead is not None:
                return candidate
        return None

    def window_day(self, window: str) -> date:
        today = self.today
        monday = today - timedelta(days=today.weekday())
        if window in ("week1-start", "new-year"):
            start = (
                monday + timedelta(days=7)
                if window == "week1-start"
                else date(today.year + 1, 1, 1)
            )
            return self.working_day(start, start + timedelta(days=30)) or start
        if window in ("week0", "week1"):
            sunday = monday + timedelta(days=6 if window == "week0" else 13)
            first = today if window == "week0" else monday + timedelta(days=7)
            return self.working_day(sunday, first) or sunday
        if window == "month0":
            last = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            last = date(today.year, 12, 31)
        return self.working_day(last, today) or last

    def after(self, amount: float, unit: str) -> datetime | None:
        if amount <= 0:
            return None
        if unit == "bday":
            if amount > 260:
                return None
            return self.calendar.add(self.now, round(amount * self.day_minutes))
        if unit == "bhour":
            return self.calendar.add(self.now, round(amount * 60)) if amount <= 2000 else None
        if unit in ("min", "hour"):
            minutes = amount if unit == "min" else amount * 60
            if minutes > 366 * 24 * 60:
                return None
            return (self.now.astimezone(_UTC) + timedelta(minutes=minutes)).astimezone(self.zone)
        days = amount * {"day": 1, "week": 7, "month": 30}[unit]
        return self.now + timedelta(days=days) if days <= 366 else None


# --- putting it together ------------------------------------------------------------------


def _cues(low: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """The predicates of one sentence, in order, as (start, end, kind)."""
    out = []
    for pattern in (_CUES_JA, _CUES_EN):
        for m in pattern.finditer(low, lo, hi):
            kind = m.lastgroup
            if kind == "skip":
                continue
            if kind == "past" and _FUTURE_PERFECT.search(low, max(0, m.start() - 6), m.start()):
                continue
            if kind == "condition" and _NOT_A_CONDITION.search(
                low, max(0, m.start() - 9), m.start()
            ):
                continue
            out.append((m.start(), m.end(), kind))
    out.sort()
    return out


def _governing(cues: list[tuple[int, int, str]], start: int, end: int, ja: bool) -> int | None:
    """Index of the predicate that governs the time words [start, end) in their sentence."""
    starts = [c[0] for c in cues]
    after = bisect.bisect_left(starts, end)
    before = after - 1
    while before >= 0 and cues[before][1] > start:
        before -= 1  # a predicate overlapping the time words does not govern them
    if ja:
        return after if after < len(cues) else before if before >= 0 else None
    return before if before >= 0 else after if after < len(cues) else None


def extract(text: str, *, now: datetime, calendar: Calendar) -> list[Promise]:
    """The promises with a time in an agent's `text`, in order. `now` (aware) is when the text
    is written; relative words are read in `calendar`'s time zone, and `due` is given in it."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    low = _fold(text)
    regions = _unquoted(low)
    sentences = _sentences(text, low, regions)
    if not sentences:
        return []
    sentence_starts = [s for s, _ in sentences]
    resolver = _Resolver(now, calendar)

    # Time words, grouped by the sentence that holds them whole (quoted text holds none).
    by_sentence: dict[int, list[_Time]] = {}
    for t in _scan(text, low, regions):
        i = bisect.bisect_right(sentence_starts, t.start) - 1
        if i >= 0 and t.end <= sentences[i][1]:
            by_sentence.setdefault(i, []).append(t)

    promises = []
    for i, tokens in by_sentence.items():
        lo, hi = sentences[i]
        if low[lo:hi].rstrip()[-1:] == "?":
            continue  # a question asks; it does not promise
        ja = _JAPANESE.search(low, lo, hi) is not None
        cues = _cues(low, lo, hi)
        for t in _expressions(tokens, low):
            g = _governing(cues, t.start, t.end, ja)
            if g is None or cues[g][2] != "commit":
                continue
            # A condition anywhere in an English sentence, or before the Japanese predicate.
            if any(c[2] == "condition" for c in (cues[:g] if ja else cues)):
                continue
            due = resolver.due(t)
            if due is None or due < resolver.now:
                continue
            start, end = t.start, t.end
            if t.lead and low[start : start + 1].isascii():
                lead = _LEAD.search(low, max(lo, start - 24), start)
                start = lead.start() if lead else start
            trail = _TRAIL.match(low, end, hi)
            end = trail.end() if trail else end
            promises.append(Promise(text=text[start:end], start=start, end=end, due=due))
    promises.sort(key=lambda p: p.start)
    return promises
