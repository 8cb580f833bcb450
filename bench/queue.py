"""Benchmark: the agent desk queue (/desk/) with 100,000 tickets, on SQLite and PostgreSQL.

    python bench/queue.py [--count 100000] [--requests 200] [--postgres postgres://USER@HOST:5432/DBNAME]

For each database it creates a fresh one (SQLite in a temporary KIZUNA_HOME; the PostgreSQL
database named in the URL is dropped and created again), generates tickets with
`kizuna generate_tickets`, then requests the queue page in-process through Django's test
client as a signed-in agent and prints p50/p95 per scenario. It also prints the number of SQL
queries per page with 1,000 and with all tickets stored: that number must not grow.
Target: p95 ≤ 100 ms.
"""

from __future__ import annotations

import sys

# This file is named like the standard library's `queue` module: keep its directory off the
# import path so that `import queue` elsewhere finds the real one.
sys.path[:] = [p for p in sys.path if p not in ("", __file__.rpartition("/")[0])]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SMALL = 1000
TARGET_P95_MS = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=100_000, help="tickets to store (default 100000)"
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per scenario (default 200)"
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL database (recreated!)"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.count, args.requests)))
        return 0
    if args.count < SMALL:
        parser.error(f"--count must be at least {SMALL}")

    results = {}
    backends = [("sqlite", None)] + ([("postgres", args.postgres)] if args.postgres else [])
    for name, url in backends:
        with tempfile.TemporaryDirectory(prefix="kizuna-bench-") as home:
            env = os.environ.copy()
            env.update(
                DJANGO_SETTINGS_MODULE="kizuna.settings",
                KIZUNA_HOME=home,
                KIZUNA_HTTPS="0",
                KIZUNA_SECRET_KEY="bench-only-" + "x" * 40,
                KIZUNA_ALLOWED_HOSTS="testserver",
                KIZUNA_LOG_LEVEL="WARNING",
            )
            env.pop("KIZUNA_DATABASE_URL", None)
            if url:
                recreate_database(url)
                env["KIZUNA_DATABASE_URL"] = url
            print(
                f"[{name}] generating {args.count:,} tickets and measuring…",
                file=sys.stderr,
                flush=True,
            )
            out = subprocess.run(
                [
                    sys.executable,
                    "-P",
                    __file__,
                    "--child",
                    name,
                    "--count",
                    str(args.count),
                    "--requests",
                    str(args.requests),
                ],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            results[name] = json.loads(out.strip().splitlines()[-1])
    report(results, args.count, args.requests)
    worst = max(s["p95"] for r in results.values() for s in r["scenarios"].values())
    grew = any(r["queries"]["small"] != r["queries"]["large"] for r in results.values())
    return 1 if worst > TARGET_P95_MS or grew else 0


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"Refusing to recreate a database named {name!r}: use letters, digits and _ only.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(count: int, requests: int) -> dict:
    """Inside the child process: Django set up for one database."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from kizuna.tickets.models import AgentProfile, Organization, Status

    setup_test_environment()  # lets the test client collect templates and context safely
    call_command("migrate", verbosity=0)
    agent = get_user_model().objects.create_user("bench", "bench@kizuna.example", None)
    AgentProfile.objects.create(user=agent, timezone="Asia/Tokyo", language="ja")
    client = Client()
    client.force_login(agent)

    def scenarios() -> dict[str, dict]:
        org = Organization.objects.filter(name__startswith="Bench org ").order_by("id")[10]
        someone = get_user_model().objects.get(username="bench-agent-03")
        return {
            "default queue": {},
            "status=investigating": {"status": Status.INVESTIGATING},
            "organization": {"organization": org.id},
            "assignee": {"assignee": someone.id},
            "page 20": {"page": 20},
        }

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def count_queries() -> dict[str, int]:
        counts = {}
        for label, params in scenarios().items():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/desk/", params)
            assert response.status_code == 200, (label, response.status_code)
            counts[label] = len(ctx.captured_queries)
        return counts

    call_command("generate_tickets", count=SMALL, verbosity=0)
    analyze()
    small = count_queries()
    started = time.perf_counter()
    call_command("generate_tickets", count=count - SMALL, verbosity=0)
    generated_s = time.perf_counter() - started
    # The query planner needs statistics, as a running installation has through autovacuum.
    analyze()
    large = count_queries()

    timings = {}
    for label, params in scenarios().items():
        for _ in range(10):  # warm caches, connections and templates
            client.get("/desk/", params)
        samples = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get("/desk/", params)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        q = statistics.quantiles(samples, n=100)
        timings[label] = {
            "p50": round(q[49], 1),
            "p95": round(q[94], 1),
            "rows": len(response.context["rows"]),
        }
    return {
        "vendor": connection.vendor,
        "generated_s": round(generated_s, 1),
        "queries": {"small": small, "large": large},
        "scenarios": timings,
    }


def report(results: dict, count: int, requests: int) -> None:
    print(
        f"Desk queue (/desk/), {count:,} tickets, {requests} requests per scenario; target p95 ≤ {TARGET_P95_MS} ms"
    )
    for name, r in results.items():
        print(f"\n{name} ({r['vendor']}): generated in {r['generated_s']} s")
        print(
            f"  {'scenario':<22} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5}  queries @{SMALL:,} / @{count:,}"
        )
        for label, s in r["scenarios"].items():
            qs, ql = r["queries"]["small"][label], r["queries"]["large"][label]
            print(f"  {label:<22} {s['p50']:>8} {s['p95']:>8} {s['rows']:>5}  {qs} / {ql}")


if __name__ == "__main__":
    sys.exit(main())
