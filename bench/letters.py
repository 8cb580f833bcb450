#!/usr/bin/env python3
"""Sample letters: rendering one for a ticket (P12).

    python bench/letters.py               # 2,000 renders per letter
    python bench/letters.py --runs 10000

In a fresh SQLite database (a temporary KIZUNA_HOME), a Japanese and an English ticket with
long values: for each built-in letter, the team's default is read, every variable's value is
made for the ticket (names, dates in the customer's time zone, links) and the letter is
rendered. Prints p50 and p95 in ms of the whole step, and of the rendering alone.

Target (issue "Closing the cycle"): rendering a letter, p95 <= 2 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != str(ROOT / "bench")]
sys.path.insert(0, str(ROOT))


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    os.environ["KIZUNA_HOME"] = tempfile.mkdtemp(prefix="kizuna-bench-letters-")
    os.environ.setdefault("KIZUNA_SECRET_KEY", "bench-" + "x" * 50)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from kizuna.letters import services as letters
    from kizuna.letters.variables import ticket_values
    from kizuna.tickets import services
    from kizuna.tickets.models import Contact, Organization, Ticket
    from kizuna.tickets.workflow import ResolutionAnswers

    org = Organization.objects.create(name="株式会社ベンチマーク商事")
    people = [
        Contact.objects.create(
            organization=org, name="山田 太郎", email="taro@bench.example.jp", language="ja"
        ),
        Contact.objects.create(
            organization=org,
            name="Jane Smith",
            email="jane@bench.example.com",
            language="en",
            timezone="Europe/London",
        ),
    ]
    report = ResolutionAnswers(
        cause="設定の誤り。" * 60,
        done="設定を修正いたしました。" * 40,
        fully_resolved="partly",
        recurrence="監視を追加いたしました。" * 40,
        further_help="月次の点検をご提案いたします。" * 10,
    )
    print("milliseconds: a whole step (read the letter, make the values, render), and rendering")
    print(f"{'letter':<24} {'step p50':>9} {'step p95':>9} {'render p95':>11}")
    worst = 0.0
    for contact in people:
        ticket = services.ticket_open(
            requester=contact, subject="メールが送信できない " * 10, body="送信できません。"
        )
        ticket = Ticket.objects.select_related("requester", "organization", "team", "assignee").get(
            pk=ticket.pk
        )
        close_at = timezone.now() + timedelta(days=7)
        for item in letters.builtins():
            if item["language"] != contact.language:
                continue
            steps, renders = [], []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                letter = letters.letter_for(item["purpose"], contact.language)
                values = ticket_values(
                    ticket,
                    report=report,
                    links={"satisfaction_link": "https://x.example/portal/feedback/t/"},
                    close_date=close_at,
                    questions="・いつ頃からですか。",
                )
                t1 = time.perf_counter()
                letters.render(letter, values)
                t2 = time.perf_counter()
                steps.append(t2 - t0)
                renders.append(t2 - t1)
            worst = max(worst, p(renders, 0.95))
            print(
                f"{item['builtin']:<24} {p(steps, 0.5):>9.3f} {p(steps, 0.95):>9.3f} "
                f"{p(renders, 0.95):>11.3f}"
            )
    print(f"rendering, worst p95: {worst:.3f} ms (target <= 2 ms)")


if __name__ == "__main__":
    main()
