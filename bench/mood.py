"""Customer mood: quality on the labelled corpus, and the latency of `assess`.

    python bench/mood.py                # corpus figures, then p50/p95 at 2,000 characters
    python bench/mood.py --repeat 1000  # more runs per message
    python bench/mood.py --long         # 100,000 and 200,000 characters of one class each

Targets (issue "Customer mood"): macro precision and recall of at least 0.8 on the corpus
(the tests hold that floor); p95 <= 5 ms for a 2,000-character message, in process, after
warm-up.
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

# Realistic paragraphs of one inbound mail each (a long report with a few cues, quoted mail
# and a signature), repeated up to the wanted size. The Japanese one mixes in English words,
# a log line and full-width punctuation.
PARAGRAPHS = {
    "ja": [
        "キズナホスティング サポートご担当者様\n\nいつもお世話になっております。"
        "株式会社ミナト商会 情報システム部の佐々木です。\n",
        "本日9時すぎから、販売管理システムにログインできない状態が続いております。"
        "VPN経由でも社内LANからでも同じで、ブラウザには「502 Bad Gateway」と表示されます。\n",
        "午前中に営業部から問い合わせが相次ぎ、受注入力が全く進んでおりません！！"
        "昨夜のメンテナンスの後から発生しているように見えますが、こちらでは設定を変更しておりません。\n",
        "念のため確認した内容です。\n・サーバーのping応答：あり\n・管理画面：ログイン後に502\n"
        "・ファイルサーバー、メール：問題なし\n",
        "2026-11-20 09:12:33 ERROR upstream timed out (110: Connection timed out)\n",
        "先週も同じような障害があり、再発防止策を検討しますとのご回答でしたが、その後のご報告は"
        "いただいておりません。正直なところ、大変困っております。\n",
        "本日17時に月次の締め処理があるため、それまでに復旧の見込みだけでも教えていただけますで"
        "しょうか？原因と今後の対策についても、あわせてご説明いただけますと幸いです。\n",
        "お忙しいところ恐れ入りますが、ご確認のほどよろしくお願いいたします。\n"
        "━━━━━━━━━━━━━━━━\n株式会社ミナト商会 情報システム部\n佐々木 健一\n"
        "TEL: 03-5555-1234\n━━━━━━━━━━━━━━━━\n\n",
        "2026年11月19日(木) 18:02 キズナホスティング サポート <support@kizuna-hosting.example>:\n"
        "> 佐々木様\n> 本日22時より夜間メンテナンスを実施いたします。\n",
    ],
    "en": [
        "Hello support team,\n\nI'm writing about ticket #4821 again. Since the maintenance "
        'window last night, our order portal returns "502 Bad Gateway" for every user after '
        "login.\n",
        "We can reach the server (ping works, the admin page loads), and file shares and email "
        "are fine, so it looks like the application tier did not come back properly.\n",
        "This is the second time in three weeks that a planned change has left us in this "
        "state. Last time we were told a follow-up report would be sent, and we never got it.\n",
        "Our sales team has been unable to enter orders all morning and customers are calling "
        "to ask where their confirmations are. Could you please treat this as urgent?\n",
        "2026-11-20 09:12:33 ERROR upstream timed out (110: Connection timed out)\n",
        "I would like to know when you expect the portal back, what changed during the "
        "maintenance, and what you will do so that this does not happen a third time.\n",
        "We have month-end closing at 5pm today. Please call me on +81 90 1234 5678 if it is "
        "quicker to talk.\n\nBest regards,\nDaniel Moore\nIT Manager, Harbor Trading Ltd.\n\n",
        "On Thu, 19 Nov 2026 at 18:02, Support <support@kizuna-hosting.example> wrote:\n"
        "> Dear Mr Moore,\n> We will perform scheduled maintenance tonight from 22:00 JST.\n",
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


def print_mood_quality() -> None:
    from kizuna.mood import MOODS
    from kizuna.mood.evaluation import evaluate

    result = evaluate()
    langs = ", ".join(f"{lang} {v['samples']}" for lang, v in sorted(result["by_lang"].items()))
    print(f"mood corpus: {result['samples']} messages ({langs})")
    print(f"  {'mood':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for mood in MOODS:
        m = result["per_mood"][mood]
        print(
            f"  {mood:<10} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} "
            f"{m['support']:>8}"
        )
    macro = result["macro"]
    print(f"  {'macro':<10} {macro['precision']:>9.3f} {macro['recall']:>7.3f} {macro['f1']:>6.3f}")
    accuracy = ", ".join(
        f"{lang} {v['accuracy']:.3f}" for lang, v in sorted(result["by_lang"].items())
    )
    print(f"  accuracy {result['accuracy']:.3f} ({accuracy})")
    print("confusion (rows: labelled, columns: assessed):")
    print("  " + " " * 10 + "".join(f"{m:>11}" for m in MOODS))
    for expected in MOODS:
        row = result["confusion"][expected]
        print(f"  {expected:<10}" + "".join(f"{row[m]:>11}" for m in MOODS))


def print_intake_quality() -> None:
    # ---- Intake facts (P9) ---------------------------------------------------------------
    # Reserved for the intake section, printed from kizuna.intake.evaluation.evaluate() by
    # the intake app's owner: per-fact precision, recall and F1 and their macro averages.
    # ---------------------------------------------------------------------------------------
    from kizuna.intake.evaluation import evaluate, report

    print(report(evaluate()))


def print_latency(repeat: int) -> None:
    from kizuna.mood import assess

    print(f"assess() on a {SIZE:,}-character message, in process ({repeat} runs after warm-up):")
    print(f"  {'message':<34} {'p50 ms':>8} {'p95 ms':>8} {'mood':>10}")
    for lang, label in (("ja", "Japanese with English and logs"), ("en", "English")):
        text = sample(lang)
        for _ in range(50):  # warm-up: lexicons, analyser dictionary, caches
            result = assess(text)
        timings = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            assess(text)
            timings.append((time.perf_counter() - t0) * 1000)
        print(
            f"  {label:<34} {statistics.median(timings):>8.2f} "
            f"{percentile(timings, 95):>8.2f} {result.mood:>10}"
        )


UNITS = {
    "kana": "あ",
    "Latin letters": "a",
    "shouted urgency": "URGENT!! ",
    "Japanese urgency": "至急！！",
    "polite anger": "いつになったら直るのでしょうか。",
    "quoted lines": "> URGENT quoted\n",
    "lone surrogates": "\ud800至急\udfff",
}


def print_long() -> None:
    """Time to assess 200,000 characters of one class, and the growth from 100,000."""
    from kizuna.mood import assess

    def best_of(text: str, runs: int = 3) -> float:
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            assess(text)
            timings.append(time.perf_counter() - t0)
        return min(timings)

    def repeated(unit: str, size: int) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    assess("warm-up")
    print("one class of character, in process (best of 3):")
    print(f"  {'input':<20} {'100k ms':>9} {'200k ms':>9} {'growth':>7}")
    for name, unit in UNITS.items():
        half, full = best_of(repeated(unit, 100_000)), best_of(repeated(unit, 200_000))
        print(f"  {name:<20} {half * 1000:>9.1f} {full * 1000:>9.1f} {full / half:>6.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500, help="runs per message (>= 300)")
    parser.add_argument("--long", action="store_true", help="messages of 200,000 characters")
    args = parser.parse_args()
    if args.repeat < 300:
        parser.error("--repeat must be at least 300")
    import django

    django.setup()
    if args.long:
        print_long()
        return 0
    print_mood_quality()
    print()
    print_intake_quality()
    print()
    print_latency(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
