#!/usr/bin/env python3
"""Tickets created over HTTP: POST /api/v1/tickets from concurrent clients.

Prints tickets/s, latency percentiles and the number of errors. Target (issues 2 and 15): at least
300 tickets/s on SQLite with 4 clients on a 2-core machine.

From scratch, against a fresh embedded database:

    export KIZUNA_HOME=$(mktemp -d) KIZUNA_HTTPS=0 KIZUNA_SECRET_KEY=bench-only-key
    TOKEN=$(python bench/api_create.py --setup)      # migrate; an agent, a contact, a token
    kizuna serve --port 8000 &                       # production settings, gunicorn
    python bench/api_create.py --token "$TOKEN" --url http://127.0.0.1:8000
    kill %1

--setup runs in-process with Kizuna's settings and prints only the token on stdout.
The benchmark itself needs nothing but the standard library: each client thread keeps one
HTTP/1.1 connection open and reuses it.
"""

from __future__ import annotations

import os
import sys

# Scripts in bench/ (queue.py among them) would shadow standard modules of the same name.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

CONTACT_EMAIL = "bench@bench.example"


def setup() -> str:
    """Migrate the database, create an agent, a customer contact and an API token."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    import secrets

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from kizuna.api.models import ApiToken
    from kizuna.tickets.models import AgentProfile, Contact, EmailDomain, Organization

    call_command("migrate", verbosity=0, interactive=False)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-agent", defaults={"email": "agent@bench.example"}
    )
    AgentProfile.objects.get_or_create(
        user=user, defaults={"timezone": "Asia/Tokyo", "language": "ja"}
    )
    org, _ = Organization.objects.get_or_create(name="Bench Corp")
    EmailDomain.objects.get_or_create(domain="bench.example", defaults={"organization": org})
    Contact.objects.get_or_create(
        email=CONTACT_EMAIL, defaults={"organization": org, "name": "ベンチ 太郎", "language": "ja"}
    )
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name="bench", token_hash=ApiToken.hash(token))
    return token


def run(url: str, token: str, clients: int, count: int, requester: str) -> int:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path.rstrip("/") or "") + "/api/v1/tickets"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    local = threading.local()
    counter = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}

    def conn() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(host, port, timeout=30)
        return local.conn

    def one(i: int) -> None:
        body = json.dumps(
            {
                "requester": requester,
                "subject": f"ベンチマーク {i}: メールが送信できない",
                "body": "今朝9時ごろから、社内の全員がメールを送信できません。受信はできています。",
                "priority": ("low", "normal", "high", "urgent")[i % 4],
            }
        )
        start = time.perf_counter()
        try:
            c = conn()
            c.request("POST", path, body=body, headers=headers)
            resp = c.getresponse()
            data = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            status, data = 0, repr(exc).encode()
        elapsed = time.perf_counter() - start
        with lock:
            if status == 201:
                latencies.append(elapsed)
            else:
                key = f"{status} {data[:120].decode(errors='replace')}"
                errors[key] = errors.get(key, 0) + 1

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            one(i)

    # One request first: fails fast on a wrong URL or token, and warms up the server.
    one(-1)
    if errors:
        print(f"the first request failed: {next(iter(errors))}", file=sys.stderr)
        return 2
    latencies.clear()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for _ in range(clients):
            pool.submit(worker)
    wall = time.perf_counter() - started

    ok = len(latencies)
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))] if ms else float("nan")

    print(
        f"clients={clients} requests={count} created={ok} errors={sum(errors.values())} wall={wall:.2f}s"
    )
    print(f"tickets/s: {ok / wall:.1f}")
    print(
        f"latency ms: p50={pct(50):.1f} p95={pct(95):.1f} p99={pct(99):.1f} "
        f"mean={statistics.fmean(ms) if ms else float('nan'):.1f} max={ms[-1] if ms else float('nan'):.1f}"
    )
    for key, n in sorted(errors.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {n} × {key}")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--setup", action="store_true", help="prepare KIZUNA_HOME's database and print a token"
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Kizuna is served")
    parser.add_argument(
        "--token", default=os.environ.get("KIZUNA_API_TOKEN", ""), help="an agent's API token"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--count", type=int, default=2000, help="tickets to create (default 2000)")
    parser.add_argument(
        "--requester", default=CONTACT_EMAIL, help="the contact's email address or id"
    )
    args = parser.parse_args()
    if args.setup:
        print(setup())
        return 0
    if not args.token:
        parser.error("--token is required (create one with --setup or `kizuna apitoken USERNAME`)")
    if args.clients < 1 or args.count < 1:
        parser.error("--clients and --count must be at least 1")
    return run(args.url, args.token, args.clients, args.count, args.requester)


if __name__ == "__main__":
    sys.exit(main())
