#!/usr/bin/env python3
"""Intake facts (P9): quality on the labelled corpus, and the latency of `find_facts`.

    python bench/intake.py               # the corpus table, then p50/p95 at 2,000 characters
    python bench/intake.py --runs 1000   # more timed runs per request (at least 300)
    python bench/intake.py --misses      # also every disagreement with the labels

The table: per fact, how many requests are labelled with it, true and false positives, misses,
precision, recall and F1; then macro averages overall and per language. Latency: one
2,000-character first request in Japanese and one in English, in process, after warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py would shadow the standard library's queue module that Django imports.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != str(ROOT / "bench")]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")

SIZE = 2_000

# A long first request of each language: the facts spread over several paragraphs, a pasted
# log line, an English error inside the Japanese one, quoted mail and a signature at the end.
PARAGRAPHS = {
    "ja": [
        "キズナホスティング サポートご担当者様\n\nいつもお世話になっております。"
        "株式会社ヤマセ物流 総務部の小川です。\n",
        "本日の朝8時半頃から、本社と倉庫の両方で社内ポータルにログインできなくなっております。"
        "ブラウザ（Windows 11 の Edge と Chrome）では「HTTP ERROR 503」と表示されます。\n",
        "社員約60名が出荷指示書を印刷できず、午前中の出荷が止まっております。\n",
        "こちらでは、パソコンの再起動とブラウザのキャッシュ削除を試しましたが変わりません。"
        "スマホの4G回線からも同じ表示でした。\n",
        "2026-11-24 08:31:02 ERROR upstream connect error or disconnect/reset before headers\n",
        "昨日までは問題なく使えており、こちらで設定を変更した覚えはございません。\n",
        "午後の便の締めが14時のため、それまでに復旧の見込みだけでもお知らせいただけますと"
        "大変助かります。\n",
        "お忙しいところ恐れ入りますが、何卒よろしくお願いいたします。\n\n"
        "━━━━━━━━━━━━━━━━\n株式会社ヤマセ物流 総務部\n小川 真理\n"
        "TEL: 03-5555-2468\n━━━━━━━━━━━━━━━━\n\n",
        "2026年11月21日(金) 17:40 キズナホスティング サポート <support@kizuna-hosting.example>:\n"
        "> 小川様\n> 今週末にポータルサーバーのメンテナンスを予定しております。\n",
    ],
    "en": [
        "Hello support,\n\nThis is Laura from Fenwick & Hale Architects. Since about 8:30 this "
        "morning nobody in our London office can open the project portal.\n",
        'Chrome and Edge on our Windows 11 laptops both show "503 Service Unavailable" right '
        "after the login page. Our Manchester office seems fine.\n",
        "About 35 people are affected and we have a client presentation at 2pm that depends on "
        "the drawings stored there, so this is urgent for us.\n",
        "We have already restarted the office router and cleared the browser cache, and I tried "
        "from my phone on mobile data: same error.\n",
        "2026-11-24 08:31:02 ERROR upstream connect error or disconnect/reset before headers\n",
        "It was working normally until yesterday evening and nothing has changed on our side.\n",
        "Could you let us know what you find as soon as you can?\n\nKind regards,\n"
        "Laura Fenwick\nOffice Manager, Fenwick & Hale Architects\n+44 20 7946 0321\n\n",
        "On Fri, 21 Nov 2026 at 17:40, Support <support@kizuna-hosting.example> wrote:\n"
        "> Dear Laura,\n> We will carry out maintenance on the portal server this weekend.\n",
    ],
}


def sample(lang: str, size: int = SIZE) -> str:
    parts, text, i = PARAGRAPHS[lang], "", 0
    while len(text) < size:
        text += parts[i % len(parts)]
        i += 1
    return text[:size]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def print_quality(misses: bool) -> None:
    from kizuna.intake.evaluation import evaluate, report

    figures = evaluate()
    print(report(figures))
    if misses:
        print("\n".join(figures["misses"]))


def print_latency(runs: int) -> None:
    from kizuna.intake import find_facts

    print(f"find_facts() on a {SIZE:,}-character first request, in process ({runs} runs):")
    print(f"  {'request':<10} {'p50 ms':>8} {'p95 ms':>8}  facts given")
    for lang in ("ja", "en"):
        text = sample(lang)
        for _ in range(50):  # warm-up: lexicons, the analyser's dictionary, caches
            result = find_facts(text)
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            find_facts(text)
            timings.append((time.perf_counter() - t0) * 1000)
        given = ", ".join(result.given) or "none"
        print(
            f"  {lang:<10} {statistics.median(timings):>8.2f} {percentile(timings, 95):>8.2f}"
            f"  {given}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500, help="timed runs per request (>= 300)")
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    if args.runs < 300:
        parser.error("--runs must be at least 300")
    os.environ.setdefault("KIZUNA_SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("KIZUNA_HOME", str(ROOT / "var" / "bench"))
    import django

    django.setup()
    print_quality(args.misses)
    print()
    print_latency(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
