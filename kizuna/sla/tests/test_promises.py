"""Promise extraction (P13) against a table of agents' sentences in Japanese and English: which
words are a commitment with a time, and when each falls due in a Japanese business calendar
(weekdays 09:00–18:00, national holidays, closed 29 December to 3 January).

The expected due times are worked out by hand from the rules in docs/sla.md ("Promises").
2026-11-23 (Monday) is Labour Thanksgiving Day, so the Friday before it is followed by a
three-day weekend."""

from __future__ import annotations

import time
import zoneinfo
from datetime import datetime

import pytest

from kizuna.sla.calendar import YEAR_END_CLOSING, Calendar, weekly_from
from kizuna.sla.promises import Promise, extract

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def japan() -> Calendar:
    return Calendar(
        zone=TOKYO,
        weekly=weekly_from({str(d): [["09:00", "18:00"]] for d in range(5)}),
        country="JP",
        closed_yearly=frozenset(YEAR_END_CLOSING),
    )


CALENDAR = japan()

FRI = datetime(2026, 11, 20, 10, 0, tzinfo=TOKYO)  # the Friday before the Monday holiday
FRI_EVENING = datetime(2026, 11, 20, 19, 0, tzinfo=TOKYO)  # after closing time
WED = datetime(2026, 11, 18, 14, 0, tzinfo=TOKYO)
YEAR_END = datetime(2026, 12, 25, 16, 0, tzinfo=TOKYO)  # the last Friday before the closing


def _due(text: str) -> str:
    return text if "+" in text[10:] else text + "+09:00"


# (now, the agent's text, [(promise words, due)]); due in Tokyo time unless it has an offset.
JA_PROMISES = [
    (FRI, "明日15時までにご連絡します。", [("明日15時までに", "2026-11-21T15:00")]),
    (FRI, "本日中に回答いたします。", [("本日中に", "2026-11-20T18:00")]),
    (FRI, "2時間以内にご報告いたします。", [("2時間以内に", "2026-11-20T12:00")]),
    # The named day stands even when it is a holiday; the morning ends at noon.
    (FRI, "来週月曜の午前中にお送りします。", [("来週月曜の午前中に", "2026-11-23T12:00")]),
    # 週明け: the first working day of next week (Monday is a holiday), at closing time.
    (FRI, "週明けにご案内いたします。", [("週明けに", "2026-11-24T18:00")]),
    (FRI, "夕方までに折り返します。", [("夕方までに", "2026-11-20T17:00")]),
    (FRI, "金曜日までに対応します。", [("金曜日までに", "2026-11-20T18:00")]),
    (FRI, "11月24日にご連絡いたします。", [("11月24日に", "2026-11-24T18:00")]),
    (FRI, "12/3までに完了する予定です。", [("12/3までに", "2026-12-03T18:00")]),
    (FRI, "１５時にご連絡します。", [("１５時に", "2026-11-20T15:00")]),
    (FRI, "十五時にお電話いたします。", [("十五時に", "2026-11-20T15:00")]),
    (FRI, "午後3時にお電話差し上げます。", [("午後3時に", "2026-11-20T15:00")]),
    # Three business days of nine hours from Friday 10:00, skipping the holiday: Thursday 10:00.
    (FRI, "3営業日以内に回答いたします。", [("3営業日以内に", "2026-11-26T10:00")]),
    (FRI, "三営業日以内に回答いたします。", [("三営業日以内に", "2026-11-26T10:00")]),
    (FRI, "翌営業日中にご連絡いたします。", [("翌営業日中に", "2026-11-24T18:00")]),
    (FRI, "今週中に対応予定です。", [("今週中に", "2026-11-20T18:00")]),
    (FRI, "明朝10時にご連絡いたします。", [("明朝10時に", "2026-11-21T10:00")]),
    (FRI, "30分後に再度ご連絡いたします。", [("30分後に", "2026-11-20T10:30")]),
    (FRI, "1時間半以内に復旧する見込みです。", [("1時間半以内に", "2026-11-20T11:30")]),
    (FRI, "10:00〜12:00の間にお伺いします。", [("10:00〜12:00", "2026-11-20T12:00")]),
    (FRI, "次回のご連絡は11月25日(水) 15:00です。", [("11月25日(水) 15:00", "2026-11-25T15:00")]),
    (
        FRI,
        "本日17時までに原因を調査し、明日10時までにご報告いたします。",
        [("本日17時までに", "2026-11-20T17:00"), ("明日10時までに", "2026-11-21T10:00")],
    ),
    (
        FRI,
        "申し訳ございませんが、明後日の正午までにご連絡いたします。",
        [("明後日の正午までに", "2026-11-22T12:00")],
    ),
    # 場合でも is "even if": no condition on the promise.
    (FRI, "進展がない場合でも、16時に状況をご連絡いたします。", [("16時に", "2026-11-20T16:00")]),
    # 明日 is governed by 休業 (closed), 24日(火)の朝一番 by ご連絡します: an hour after opening.
    (
        FRI,
        "明日は休業日のため、24日(火)の朝一番にご連絡します。",
        [("24日(火)の朝一番に", "2026-11-24T10:00")],
    ),
    # A named day without working hours (a Saturday) is due when the day ends.
    (FRI, "来月5日までに納品いたします。", [("来月5日までに", "2026-12-05T23:59")]),
    (FRI, "夜8時までにお送りします。", [("夜8時までに", "2026-11-20T20:00")]),
    (
        FRI,
        "お客様へ\n\n明日15時までに\nご連絡いたします。",
        [("明日15時までに", "2026-11-21T15:00")],
    ),
    (FRI_EVENING, "本日中にご連絡いたします。", [("本日中に", "2026-11-20T23:59")]),
    (
        FRI_EVENING,
        "翌営業日の午前中にご連絡いたします。",
        [("翌営業日の午前中に", "2026-11-24T12:00")],
    ),
    (WED, "来週金曜日までにお送りします。", [("来週金曜日までに", "2026-11-27T18:00")]),
    (WED, "今週金曜の17時までに対応いたします。", [("今週金曜の17時までに", "2026-11-20T17:00")]),
    # The morning is over at 14:00, so 午前中 with no day named is tomorrow's.
    (WED, "午前中にご連絡します。", [("午前中に", "2026-11-19T12:00")]),
    (YEAR_END, "年明けにご連絡いたします。", [("年明けに", "2027-01-04T18:00")]),
    (YEAR_END, "1月5日までにご回答いたします。", [("1月5日までに", "2027-01-05T18:00")]),
    (YEAR_END, "翌営業日にご連絡します。", [("翌営業日に", "2026-12-28T18:00")]),
    # Fri 16–18, Mon 28th, the closing, Mon 4 January, then 7 hours on the 5th.
    (YEAR_END, "3営業日以内に対応いたします。", [("3営業日以内に", "2027-01-05T16:00")]),
    (YEAR_END, "年内に作業を完了させます。", [("年内に", "2026-12-28T18:00")]),
]

JA_NOT_PROMISES = [
    (FRI, "明日までにご返信ください。"),
    (FRI, "ログを明日15時までにお送りいただけますでしょうか。"),
    (FRI, "ご都合のよい日時を金曜日までにお知らせいただけますと幸いです。"),
    (FRI, "もし明日までにご返信がない場合は、金曜日にお電話いたします。"),
    (FRI, "ログを拝受次第、2時間以内に回答いたします。"),
    (FRI, "確認でき次第、明日中にご連絡します。"),
    (FRI, "昨日15時にご連絡いたしました。"),
    (FRI, "本日9時にサーバーを再起動しました。"),
    (FRI, "明日15時までのご報告は難しい状況です。"),
    (FRI, "15時にご連絡できません。"),
    (FRI, "明日は休業日です。"),
    (FRI, "明日の打ち合わせは15時からでよろしいでしょうか。"),
    (FRI, "先週金曜日にご案内しております。"),
    (FRI, "> 明日15時までにご連絡します\n> よろしくお願いします。"),
    (FRI, "＞明日15時までにご連絡します"),
    (FRI, "明日15時までにご連絡しますか？"),
    (FRI, "ご連絡いたします。"),  # no time
]

EN_PROMISES = [
    # The subject said once for two verbs, and a passive with the team's work as its subject.
    (
        FRI,
        "We are checking the logs and will update you by 5 pm tomorrow.",
        [("by 5 pm tomorrow", "2026-11-21T17:00")],
    ),
    (WED, "The patch will be deployed by Friday.", [("by Friday", "2026-11-20T18:00")]),
    (FRI, "We'll update you by 3 pm today.", [("by 3 pm today", "2026-11-20T15:00")]),
    (FRI, "I will get back to you tomorrow morning.", [("tomorrow morning", "2026-11-21T12:00")]),
    (
        FRI,
        "We expect to have a fix within 30 minutes.",
        [("within 30 minutes", "2026-11-20T10:30")],
    ),
    (
        FRI,
        "We will send the report by noon on November 24.",
        [("by noon on November 24", "2026-11-24T12:00")],
    ),
    (FRI, "We'll follow up early next week.", [("early next week", "2026-11-24T18:00")]),
    (
        FRI,
        "I'll confirm by end of business today.",
        [("by end of business today", "2026-11-20T18:00")],
    ),
    (FRI, "We will update you by Friday.", [("by Friday", "2026-11-20T18:00")]),
    (FRI, "We'll send it by Dec 3.", [("by Dec 3", "2026-12-03T18:00")]),
    (FRI, "We'll send the patch on 3 December.", [("on 3 December", "2026-12-03T18:00")]),
    (FRI, "I'll call you at 3:30 p.m. tomorrow.", [("at 3:30 p.m. tomorrow", "2026-11-21T15:30")]),
    # Two business days of nine hours from Friday 10:00, skipping the holiday.
    (
        FRI,
        "We will respond within 2 business days.",
        [("within 2 business days", "2026-11-25T10:00")],
    ),
    (FRI, "You'll hear from us by 4 pm.", [("by 4 pm", "2026-11-20T16:00")]),
    (FRI, "Expect an update within the hour.", [("within the hour", "2026-11-20T11:00")]),
    (FRI, "We aim to restore service by 13:00 JST.", [("by 13:00 JST", "2026-11-20T13:00")]),
    # Tomorrow in the calendar's zone, ten o'clock in UTC.
    (
        FRI,
        "We'll update you by 10:00 UTC tomorrow.",
        [("by 10:00 UTC tomorrow", "2026-11-21T19:00")],
    ),
    (
        FRI,
        "We won't be able to finish by Friday, but we will update you by Thursday noon.",
        [("by Thursday noon", "2026-11-26T12:00")],
    ),
    (FRI, "We will update you by 3 pm even if we have no news.", [("by 3 pm", "2026-11-20T15:00")]),
    (
        FRI,
        "Next update: Monday, Nov 30 at 10:00.",
        [("Monday, Nov 30 at 10:00", "2026-11-30T10:00")],
    ),
    (
        FRI,
        "Tomorrow morning, we will send you the report.",
        [("Tomorrow morning", "2026-11-21T12:00")],
    ),
    (FRI, "We'll have it back to you in half an hour.", [("in half an hour", "2026-11-20T10:30")]),
    (FRI, "We'll reply first thing on Tuesday.", [("first thing on Tuesday", "2026-11-24T10:00")]),
    (FRI, "I'll email you tonight.", [("tonight", "2026-11-20T23:59")]),
    (
        FRI,
        "We will finish by the end of next week.",
        [("by the end of next week", "2026-11-27T18:00")],
    ),
    # Monday is a holiday: the named day stands and is due when it ends.
    (FRI, "We'll call you on Monday.", [("on Monday", "2026-11-23T23:59")]),
    (
        FRI,
        "The team will deploy the fix on 12/3 at 2 am.",
        [("on 12/3 at 2 am", "2026-12-03T02:00")],
    ),
    (
        FRI,
        "We'll call you at 3 p.m. If that time does not suit you, please tell us.",
        [("at 3 p.m.", "2026-11-20T15:00")],
    ),
    (FRI, "WE'LL CALL YOU BY ３ ＰＭ TODAY.", [("BY ３ ＰＭ TODAY", "2026-11-20T15:00")]),
    (
        FRI,
        "We'll update you by 3 pm today.\n\n"
        "On Thu, Nov 19, 2026 at 9:00 AM Taro Yamada <taro@example.com> wrote:\n"
        "> Can you call me tomorrow? We'll be in the office on Monday.\n",
        [("by 3 pm today", "2026-11-20T15:00")],
    ),
    # Quoted mail below a header without ">" marks: everything below it is the customer's.
    (
        FRI,
        "承知しました。本日中にご連絡いたします。\n\n"
        "2026年11月19日(木) 15:00 山田太郎 <yamada@example.jp>:\n"
        "明日15時までにご連絡いただけますか。We will send it by Monday.\n",
        [("本日中に", "2026-11-20T18:00")],
    ),
    (FRI_EVENING, "We'll call you at 9 am.", [("at 9 am", "2026-11-21T09:00")]),
    (FRI_EVENING, "I'll update you by end of day.", [("by end of day", "2026-11-20T23:59")]),
    # Business hours start again on Tuesday morning.
    (
        FRI_EVENING,
        "We will respond within 2 business hours.",
        [("within 2 business hours", "2026-11-24T11:00")],
    ),
    (WED, "We will update you by Friday.", [("by Friday", "2026-11-20T18:00")]),
    (WED, "We will update you next Friday.", [("next Friday", "2026-11-27T18:00")]),
    (WED, "We'll respond this afternoon.", [("this afternoon", "2026-11-18T17:00")]),
    (YEAR_END, "We'll reply in the new year.", [("in the new year", "2027-01-04T18:00")]),
    # A date already past this year is next year's.
    (YEAR_END, "We will send the invoice by Dec 3.", [("by Dec 3", "2027-12-03T18:00")]),
    (
        YEAR_END,
        "We will update you by the end of the year.",
        [("by the end of the year", "2026-12-28T18:00")],
    ),
]

EN_NOT_PROMISES = [
    # A state of affairs, not something the team does.
    (FRI, "The server will be down until 3 pm."),
    (FRI, "We are checking the logs and will not finish by Friday."),
    (FRI, "Please reply by Monday."),
    (FRI, "Could you send us the logs by Friday?"),
    (FRI, "If the vendor replies by Monday, we will fix it by Friday."),
    (FRI, "Once we hear from the carrier, we'll update you within 30 minutes."),
    (FRI, "We'll update you as soon as we hear from the vendor, hopefully by 5 pm."),
    (FRI, "We called you yesterday at 3 pm."),
    (FRI, "The ticket was updated at 10:00 today."),
    (FRI, "We have already sent the report at 9:00 today."),
    (FRI, "We cannot deliver the fix by Friday."),
    (FRI, "We will not be able to call you tomorrow."),
    (FRI, "I'll be out of the office tomorrow."),
    (FRI, "Let me know by Friday whether the change worked."),
    (FRI, "We would appreciate it if you could reply by Monday."),
    (FRI, "Would it be OK if we call you tomorrow at 3 pm?"),
    (FRI, "> We'll check again on Monday."),
    (FRI, "Good morning, thank you for your patience."),
    (FRI, "We'll look into it as a priority."),  # no time
    (FRI, "The vendor said they restarted it this morning at 9 am."),
]

CASES = (
    [
        pytest.param(now, text, expected, id=f"ja-{i}")
        for i, (now, text, expected) in enumerate(JA_PROMISES)
    ]
    + [
        pytest.param(now, text, [], id=f"ja-not-{i}")
        for i, (now, text) in enumerate(JA_NOT_PROMISES)
    ]
    + [
        pytest.param(now, text, expected, id=f"en-{i}")
        for i, (now, text, expected) in enumerate(EN_PROMISES)
    ]
    + [
        pytest.param(now, text, [], id=f"en-not-{i}")
        for i, (now, text) in enumerate(EN_NOT_PROMISES)
    ]
)


@pytest.mark.parametrize("now, text, expected", CASES)
def test_the_table(now, text, expected):
    found = extract(text, now=now, calendar=CALENDAR)
    assert [(p.text, p.due.isoformat(timespec="minutes")) for p in found] == [
        (words, _due(due)) for words, due in expected
    ]
    for p in found:
        assert text[p.start : p.end] == p.text
        assert p.due.utcoffset() is not None


def test_the_table_is_big_enough():
    promises = len(JA_PROMISES) + len(EN_PROMISES)
    refusals = len(JA_NOT_PROMISES) + len(EN_NOT_PROMISES)
    assert promises + refusals >= 80 and refusals >= 25
    assert (
        abs((len(JA_PROMISES) + len(JA_NOT_PROMISES)) - (len(EN_PROMISES) + len(EN_NOT_PROMISES)))
        < 10
    )


def test_offsets_point_into_a_longer_reply():
    reply = (
        "山田様\n\nいつもお世話になっております。\n"
        "> 明日までに直してください。\n"
        "ご不便をおかけしております。明日15時までにご報告いたします。\n\n"
        "Dear Mr. Smith,\nPlease send us the logs. We'll update you by 3 pm today.\n"
    )
    found = extract(reply, now=FRI, calendar=CALENDAR)
    assert [p.text for p in found] == ["明日15時までに", "by 3 pm today"]
    assert [reply[p.start : p.end] for p in found] == [p.text for p in found]
    assert found[0].start == reply.index("明日15時までに")
    assert found[1].start == reply.index("by 3 pm today")


def test_relative_words_are_read_in_the_calendar_zone():
    # 10:00 Friday in Tokyo is 20:00 Thursday in New York: "tomorrow" there is Friday.
    new_york = Calendar(
        zone=NEW_YORK, weekly=weekly_from({str(d): [["09:00", "17:00"]] for d in range(5)})
    )
    (promise,) = extract("We'll call you tomorrow at 9 am.", now=FRI, calendar=new_york)
    assert promise.due.isoformat() == "2026-11-20T09:00:00-05:00"
    (promise,) = extract("We'll reply by end of business today.", now=FRI, calendar=new_york)
    assert promise.due.isoformat() == "2026-11-19T23:59:00-05:00"  # closed at 17:00 already


def test_end_of_day_on_a_calendar_open_around_the_clock_is_the_end_of_the_day():
    always = Calendar(zone=TOKYO, always_open=True)
    (promise,) = extract("本日中にご連絡いたします。", now=FRI, calendar=always)
    assert promise.due.isoformat() == "2026-11-20T23:59:00+09:00"
    (promise,) = extract("2営業日以内に対応いたします。", now=FRI, calendar=always)
    assert promise.due.isoformat() == "2026-11-22T10:00:00+09:00"


def test_promise_is_a_frozen_record():
    (promise,) = extract("明日15時までにご連絡します。", now=FRI, calendar=CALENDAR)
    assert promise == Promise(
        text="明日15時までに", start=0, end=8, due=datetime(2026, 11, 21, 15, 0, tzinfo=TOKYO)
    )
    with pytest.raises(AttributeError):
        promise.start = 3  # type: ignore[misc]


def test_it_needs_an_aware_now():
    with pytest.raises(ValueError):
        extract("明日ご連絡します。", now=datetime(2026, 11, 20, 10, 0), calendar=CALENDAR)


def test_empty_and_blank_text_have_no_promises():
    assert extract("", now=FRI, calendar=CALENDAR) == []
    assert extract(" \n\n\t", now=FRI, calendar=CALENDAR) == []


HOSTILE = {
    "random promises": ("明日15時までにご連絡します。We'll update you by 3 pm today. " * 2000)[
        :100_000
    ],
    "digits": "1" * 100_000,
    "colons": "1:" * 50_000,
    "control characters": "".join(chr(i % 32) for i in range(100_000)),
    "lone surrogates": "\ud800明日15時\udfffby 3 pm" * 10_000,
    "quote marks": "\n>" * 50_000,
    "quote headers": "wrote:\n" * 14_000,
    "angle brackets": ("<" + "a" * 150) * 660,
    "meridiems": "3 p.m. " * 14_000,
    "kanji numerals": "十五時" * 33_000,
    "time ranges": "10:00〜12:00 " * 8_000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_read_quickly_without_error(text):
    started = time.perf_counter()
    found = extract(text, now=FRI, calendar=CALENDAR)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{elapsed:.2f} s for {len(text):,} characters"
    for p in found[:50]:
        assert text[p.start : p.end] == p.text


def test_every_promise_of_a_long_reply_is_found():
    text = "明日15時までにご連絡します。" * 7_000
    found = extract(text, now=FRI, calendar=CALENDAR)
    assert len(found) == 7_000
    assert {p.due.isoformat() for p in found} == {"2026-11-21T15:00:00+09:00"}
