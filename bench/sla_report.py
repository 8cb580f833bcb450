"""Benchmark: the SLA report over 1,000,000 deadlines, on SQLite and PostgreSQL.

    python bench/sla_report.py [--count 1000000] [--repeat 5] [--postgres postgres://USER@HOST:5432/DBNAME]

For each database it creates a fresh one (SQLite in a temporary KIZUNA_HOME; the PostgreSQL
database named in the URL is dropped and created again), generates 20,000 tickets with
`kizuna generate_tickets`, inserts `--count` deadlines due over the last 400 days (a mix of
met on time, met late, breached, open, paused and cancelled; all four kinds; four policies),
then times `sla_report()` for 30 and 366 days per grouping, the charts, and the desk page
and the API call for 30 days (in-process, Django's test client). Prints medians in ms and the
number of SQL queries per report, which must not depend on the number of groups.
"""

from __future__ import annotations

import sys

# Scripts in bench/ (queue.py among them) would shadow standard modules of the same name.
sys.path[:] = [p for p in sys.path if p not in ("", __file__.rpartition("/")[0])]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TICKETS = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="deadlines (1000000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per scenario (5)")
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL database (recreated!)"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.count, args.repeat)))
        return 0

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
            print(f"[{name}] {args.count:,} deadlines…", file=sys.stderr, flush=True)
            out = subprocess.run(
                [sys.executable, "-P", __file__, "--child", name, "--count", str(args.count)]
                + ["--repeat", str(args.repeat)],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            results[name] = json.loads(out.strip().splitlines()[-1])
    report(results, args.count)
    return 0


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


def insert_deadlines(count: int) -> float:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from kizuna.sla.models import Deadline, DeadlineKind, SlaPolicy

    rng = random.Random(11)
    now = timezone.now()
    tickets = list(Deadline._meta.get_field("ticket").related_model.objects.values_list("id"))
    tickets = [t for (t,) in tickets]
    policies = list(SlaPolicy.objects.values_list("id", flat=True)) + [None]
    agents = list(get_user_model().objects.values_list("id", flat=True)) + [None]
    kinds = [k.value for k in DeadlineKind]
    started = time.perf_counter()
    batch = []
    for i in range(count):
        due = now - timedelta(minutes=rng.randrange(400 * 24 * 60)) + timedelta(hours=6)
        kind = kinds[i % 4]
        row = Deadline(
            ticket_id=rng.choice(tickets),
            kind=kind,
            policy_id=None if kind == "promise" else rng.choice(policies),
            started_at=due - timedelta(hours=4),
            due_at=due,
            created_by_id=rng.choice(agents) if kind == "promise" else None,
        )
        fate = rng.random()
        if fate < 0.70:
            row.met_at = due - timedelta(minutes=rng.randrange(1, 240))
        elif fate < 0.82:
            row.met_at = due + timedelta(minutes=rng.randrange(1, 600))
            row.breached_at = due + timedelta(minutes=1) if fate < 0.78 else None
        elif fate < 0.88:
            row.breached_at = due + timedelta(minutes=1)
        elif fate < 0.93:
            row.cancelled_at = due + timedelta(minutes=rng.randrange(-600, 600))
        elif fate < 0.96:
            row.paused_at = due - timedelta(minutes=30)
        batch.append(row)
        if len(batch) == 10_000:
            with transaction.atomic():
                Deadline.objects.bulk_create(batch)
            batch = []
    if batch:
        Deadline.objects.bulk_create(batch)
    return time.perf_counter() - started


def run(count: int, repeat: int) -> dict:
    """Inside the child process: Django set up for one database."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from kizuna.api.models import ApiToken
    from kizuna.sla import reports

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("generate_tickets", count=TICKETS, verbosity=0)
    inserted_s = insert_deadlines(count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    tz = ZoneInfo("Asia/Tokyo")
    today = timezone.localdate(timezone=tz)
    end = today + timedelta(days=1)

    def timed(fn) -> float:
        fn()  # warm
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
        return round(statistics.median(samples), 1)

    timings, queries = {}, {}
    for days in (30, 366):
        for group in reports.GROUPS:

            def one(days=days, group=group):
                return reports.sla_report(
                    start=end - timedelta(days=days), end=end, group=group, tz=tz
                )

            timings[f"report {days} days, {group}"] = timed(one)
            with CaptureQueriesContext(connection) as ctx:
                result = one()
            queries[f"{days} days, {group}"] = (len(ctx.captured_queries), len(result.rows))
    sample = reports.sla_report(start=end - timedelta(days=30), end=end, group="agent", tz=tz)
    timings["charts (30 days, agent)"] = timed(lambda: reports.report_charts(sample))

    manager = get_user_model().objects.create_user("bench-manager", None, None, is_staff=True)
    client = Client()
    client.force_login(manager)
    timings["desk page 30 days, agent"] = timed(
        lambda: client.get("/desk/reports/service-levels/", {"group": "agent"})
    )
    token = "bench-" + "t" * 40
    ApiToken.objects.create(user=manager, name="bench", token_hash=ApiToken.hash(token))
    timings["API 30 days, agent"] = timed(
        lambda: client.get(
            "/api/v1/reports/service-levels",
            {"group": "agent"},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    )
    return {
        "vendor": connection.vendor,
        "inserted_s": round(inserted_s, 1),
        "timings": timings,
        "queries": queries,
    }


def report(results: dict, count: int) -> None:
    print(f"SLA report over {count:,} deadlines (due over 400 days), {TICKETS:,} tickets")
    for name, r in results.items():
        print(f"\n{name} ({r['vendor']}): deadlines inserted in {r['inserted_s']} s")
        for label, ms in r["timings"].items():
            print(f"  {label:<32} {ms:>9} ms")
        for label, (n, rows) in r["queries"].items():
            print(f"  queries, {label:<22} {n} for {rows} groups")


if __name__ == "__main__":
    sys.exit(main())
