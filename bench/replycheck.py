"""Reply checker latency: p50/p95 per message of ~200, 1,000 and 5,000 characters.

    python bench/replycheck.py                      # in process, plus first check in a fresh process
    python bench/replycheck.py --api URL --token T  # through POST /api/v1/replycheck
    python bench/replycheck.py --long               # 200,000 characters of one class each

Targets (issue "Reply checker"): p95 <= 15 ms at 1,000 characters in process; the first check
after start <= 1 s. Issue "Hardening": linear time on any input, shown by `--long` (a draft of
one class of character at 100,000 and 200,000 characters: time and growth when doubled).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (200, 1_000, 5_000)

# Realistic paragraphs (with some findings in them), repeated up to the wanted size.
PARAGRAPHS = {
    "en": [
        "Hello Ms Carter,\n\nThank you for letting us know that mail to your Outlook users is "
        "bouncing. I have opened request #4821 and I am looking at the mail server now.\n\n",
        "We found that messages to Outlook addresses are refused because the receiving side "
        "flags our sending address. The cause is probably the SPF record. We will get back to "
        "you as soon as possible.\n\n",
        "> URGENT!!! None of our emails reach our clients.\n> Fix it now!!\n\n",
        "As I already told you, the mailbox is full. I will update you by 14:00 today (JST), "
        "sooner if I find the cause.\n\n",
    ],
    "ja": [
        "佐藤様\n\nいつもお世話になっております。サンプルホスティングの伊藤です。"
        "メールが送信できないとのご連絡、ありがとうございます。\n\n",
        "Outlook宛てのメールが受信側で拒否されていることが分かりました。原因はおそらくSPFレコード"
        "の設定だと思います。分かり次第ご連絡いたします。\n\n",
        "> 大至急！！取引先にメールが一通も届きません！\n> 最悪です。\n\n",
        "前回も申し上げた通り、メールボックスの容量が上限に達しています。本日14時までに確認結果を"
        "ご報告いたします。\n\n",
    ],
}


def sample(lang: str, size: int) -> str:
    parts, text, i = PARAGRAPHS[lang], "", 0
    while len(text) < size:
        text += parts[i % len(parts)]
        i += 1
    return text[:size]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(run: Callable[[str, str], None], *, repeat: int) -> list[tuple[str, int, float, float]]:
    rows = []
    for lang in ("ja", "en"):
        for size in SIZES:
            text = sample(lang, size)
            run(text, lang)  # warm-up, so that loading the rule packs is not counted here
            timings = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                run(text, lang)
                timings.append((time.perf_counter() - t0) * 1000)
            rows.append((lang, size, statistics.median(timings), percentile(timings, 95)))
    return rows


def in_process(text: str, lang: str) -> None:
    from kizuna.replycheck import check

    check(text, lang="auto", purpose="update")


def api_caller(url: str, token: str) -> Callable[[str, str], None]:
    endpoint = url.rstrip("/") + "/api/v1/replycheck"

    def call(text: str, lang: str) -> None:
        body = json.dumps(
            {"text": text, "lang": "auto", "audience": "general", "purpose": "update"}
        ).encode()
        request = urllib.request.Request(
            endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            json.load(response)

    return call


FIRST_CHECK = """
import time
t0 = time.perf_counter()
from kizuna.replycheck import check
check({text!r})
print(time.perf_counter() - t0)
"""


def first_check_seconds(runs: int = 5) -> list[float]:
    """Wall clock of import + first check (both rule packs' load) in a fresh interpreter."""
    results = []
    for lang in ("en", "ja"):
        code = FIRST_CHECK.format(text=sample(lang, 1_000))
        for _ in range(runs):
            t0 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
            )
            wall = time.perf_counter() - t0
            results.append((lang, float(out.stdout.strip()), wall))
    return results


def long_drafts() -> None:
    """Time to check 200,000 characters of one class, and the growth from 100,000."""
    from kizuna.replycheck import check
    from kizuna.replycheck.tests.long_inputs import UNITS, repeated

    def best_of(text: str, runs: int = 3) -> float:
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            check(text, lang="auto", purpose="update")
            timings.append(time.perf_counter() - t0)
        return min(timings)

    check("warm-up")
    print("one class of character, checked in process (best of 3):")
    print(f"  {'input':<32} {'100k ms':>9} {'200k ms':>9} {'growth':>7}")
    for name, unit in UNITS.items():
        half, full = best_of(repeated(unit, 100_000)), best_of(repeated(unit, 200_000))
        print(f"  {name:<32} {half * 1000:>9.1f} {full * 1000:>9.1f} {full / half:>6.2f}x")


def print_table(title: str, rows) -> None:
    print(title)
    print(f"  {'lang':<4} {'chars':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for lang, size, p50, p95 in rows:
        print(f"  {lang:<4} {size:>6} {p50:>8.2f} {p95:>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", metavar="URL", help="base URL of a running Kizuna")
    parser.add_argument("--token", help="API token (kizuna apitoken USERNAME)")
    parser.add_argument("--repeat", type=int, default=200, help="checks per size and language")
    parser.add_argument("--long", action="store_true", help="drafts of 200,000 characters")
    args = parser.parse_args()
    if args.long:
        long_drafts()
        return 0
    if args.api:
        if not args.token:
            parser.error("--api needs --token")
        print_table(
            f"through the API at {args.api}:",
            measure(api_caller(args.api, args.token), repeat=args.repeat),
        )
        return 0
    print_table("in process:", measure(in_process, repeat=args.repeat))
    print("first check in a fresh process (import + rule packs + one check):")
    for lang, inside, wall in first_check_seconds():
        print(
            f"  {lang}: {inside * 1000:7.1f} ms in the interpreter, {wall * 1000:7.1f} ms wall clock with interpreter start"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
