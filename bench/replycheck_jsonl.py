#!/usr/bin/env python3
"""`kizuna replycheck --jsonl`: a batch of drafts in one process.

    python bench/replycheck_jsonl.py            # 1,000 drafts
    python bench/replycheck_jsonl.py --count 5000

Writes the drafts (Japanese and English replies of a few hundred characters, some with
findings), checks them with one `kizuna replycheck --jsonl` run, and prints the total time and
the time per draft; then starts `kizuna replycheck` once per draft for 20 drafts and prints the
time per process, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIZUNA = Path(sys.executable).with_name("kizuna")

DRAFTS = [
    (
        "ja",
        "山田様\n\nお問い合わせいただき、ありがとうございます。メールが送信できない件について、"
        "送信サーバーの記録を確認いたしました。本日10時に設定を元に戻し、送信できることを確認して"
        "おります。次のご連絡は本日17時までにいたします。",
    ),
    ("ja", "これはお客様の操作ミスです。対応しました。ご確認ください。"),
    (
        "en",
        "Dear Jane,\n\nThank you for your patience. We restored the mailbox at 10:00 and checked "
        "that mail arrives again. The cause was a full disk on the mail server; we added an alert "
        "so that it cannot fill up unnoticed. We will check back with you tomorrow by 15:00.",
    ),
    ("en", "As I said before, your settings are wrong. Please read the documentation."),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    env = {
        **os.environ,
        "KIZUNA_HOME": tempfile.mkdtemp(prefix="kizuna-bench-jsonl-"),
        "KIZUNA_SECRET_KEY": os.environ.get("KIZUNA_SECRET_KEY", "bench-" + "x" * 50),
    }
    lines = [
        json.dumps(
            {"id": n, "text": DRAFTS[n % len(DRAFTS)][1], "lang": DRAFTS[n % len(DRAFTS)][0]}
        )
        for n in range(args.count)
    ]
    started = time.perf_counter()
    done = subprocess.run(
        [str(KIZUNA), "replycheck", "--jsonl"],
        input=("\n".join(lines) + "\n").encode(),
        capture_output=True,
        env=env,
        check=False,
    )
    total = time.perf_counter() - started
    answers = done.stdout.decode().splitlines()
    assert len(answers) == args.count, (len(answers), done.stderr.decode()[-500:])
    print(
        f"--jsonl: {args.count} drafts in {total:.2f} s, {1000 * total / args.count:.2f} ms per draft"
    )
    started = time.perf_counter()
    for lang, text in (DRAFTS * 5)[:20]:
        subprocess.run(
            [str(KIZUNA), "replycheck", "--lang", lang, "-"],
            input=text.encode(),
            capture_output=True,
            env=env,
            check=False,
        )
    single = (time.perf_counter() - started) / 20
    print(f"one process per draft: {1000 * single:.0f} ms per draft")


if __name__ == "__main__":
    main()
