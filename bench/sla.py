#!/usr/bin/env python3
"""Service levels: business-calendar arithmetic on one core.

    python bench/sla.py                 # 200,000 questions per calendar
    python bench/sla.py --count 1000000

For each calendar (Tokyo weekdays with a lunch break, Japanese holidays and the year-end
closing; New York with shifts across the clock changes; 24x7): "t plus N business minutes" for
random instants over three years and N up to five working days, and "business minutes between
a and b" for spans up to a month. Prints operations per second (the first question, which lays
the calendar out, is timed apart).

Target (issue "Promised times that are kept"): >= 200,000 additions per second on one core.

Then promise extraction (P13): a 1,000-character reply in Japanese and English (promises,
requests, a condition, a past event, quoted text) read --runs times; prints p50 and p95 in ms.
Target: p95 <= 5 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import zoneinfo
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Scripts in bench/ (queue.py among them) would shadow standard modules of the same name.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != str(ROOT / "bench")]
sys.path.insert(0, str(ROOT))

UTC = zoneinfo.ZoneInfo("UTC")


def calendars():
    from kizuna.sla.calendar import YEAR_END_CLOSING, Calendar, weekly_from

    lunch = {str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}
    shifts = {str(d): [["00:00", "03:00"], ["08:30", "17:30"]] for d in range(7)}
    return {
        "Tokyo, lunch break, JP holidays, year-end": lambda: Calendar(
            zone=zoneinfo.ZoneInfo("Asia/Tokyo"),
            weekly=weekly_from(lunch),
            country="JP",
            closed_yearly=frozenset(YEAR_END_CLOSING),
        ),
        "New York, shifts across clock changes, US holidays": lambda: Calendar(
            zone=zoneinfo.ZoneInfo("America/New_York"), weekly=weekly_from(shifts), country="US"
        ),
        "24x7": lambda: Calendar(zone=zoneinfo.ZoneInfo("Asia/Tokyo"), always_open=True),
    }


# A reply as agents write them: Japanese and English, promises among requests, a condition, a
# past event and the customer's quoted message. Cut to exactly 1,000 characters.
REPLY = """山田様

いつもお世話になっております。Kizunaサポートの佐藤です。
お問い合わせいただいたメール配信の遅延について、現在調査を進めております。
原因はメールサーバーのキューの滞留と考えられますが、まだ確定ではありません。
本日17時までに原因を特定し、明日15時までにご報告いたします。
お手数ですが、ログファイルを明日までにお送りいただけますでしょうか。
ログを拝受次第、2時間以内に回答いたします。

Dear Mr. Smith,

Thank you for your patience. We restarted the mail relay this morning at 9:30 a.m.
and the queue is draining. We'll update you by 3 pm today, and we expect to have the
full report within 2 business days. Please reply by Monday if the delay comes back.
If the vendor confirms the fix, we will close the ticket early next week.

> On Thursday, Yamada wrote:
> Please fix this by tomorrow morning.

よろしくお願いいたします。
"""


def promises(runs: int) -> None:
    from kizuna.sla.promises import extract

    calendar = calendars()["Tokyo, lunch break, JP holidays, year-end"]()
    reply = (REPLY * 2)[:1000]
    now = datetime(2026, 11, 20, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    found = extract(reply, now=now, calendar=calendar)  # lays the calendar out
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        extract(reply, now=now, calendar=calendar)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(
        f"  promises in a {len(reply):,}-character reply ({len(found)} found), {runs:,} runs: "
        f"p50 {p50:.2f} ms; p95 {p95:.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=2_000, help="promise extractions to time")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    os.environ.setdefault("KIZUNA_SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("KIZUNA_HOME", str(ROOT / "var" / "bench"))
    import django

    django.setup()
    rng = random.Random(args.seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3 * 365).total_seconds() // 60)
    instants = [start + timedelta(minutes=rng.randrange(span)) for _ in range(args.count)]
    amounts = [rng.randrange(1, 5 * 8 * 60) for _ in range(args.count)]
    spans = [timedelta(minutes=rng.randrange(0, 31 * 24 * 60)) for _ in range(args.count)]
    print(f"{args.count:,} questions per calendar, Python {sys.version.split()[0]}, one core")
    for name, make in calendars().items():
        calendar = make()
        t0 = time.perf_counter()
        calendar.add(instants[0], 60)
        layout_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        for t, n in zip(instants, amounts, strict=True):
            calendar.add(t, n)
        adds = args.count / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t, d in zip(instants, spans, strict=True):
            calendar.minutes_between(t, t + d)
        betweens = args.count / (time.perf_counter() - t0)
        print(
            f"  {name}: first question {layout_ms:.1f} ms (lays out the years); "
            f"add {adds:,.0f}/s; between {betweens:,.0f}/s"
        )
    promises(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
