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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
