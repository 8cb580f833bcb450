#!/usr/bin/env python3
"""Load: 200 concurrent agents and customers against the scale-out setup of docs/deploy/.

Starts its own installation on loopback, as the scale-out test does (kizuna/testbed.py):
nginx with the shipped site configuration and a test certificate, two `kizuna serve`
processes, two `kizuna worker` processes, a fresh PostgreSQL database. Then, for --seconds
(default 300), --users simulated people (default 200) each loop over what they do all day,
with a pause of --think seconds between two requests (default 5–15: a busy agent's pace of
about six pages a minute, reading and typing in between; `--think 2,8` is a harsher one):

- agents (35%) open the queue, open a ticket, type a draft that the live checker reads, and
  now and then send a reply (confirming the promises it lists when it names a time);
- customers (35%) look at their requests in the portal and now and then reply;
- API clients (30%) list the queue, read a ticket and its conversation, open tickets and
  reply to them.

Everybody signs in first, four at a time (the desk with a password, whose hash is slow on
purpose; the portal with the link it mails): measured and printed apart from the run.

Prints, for each kind of request, how many were made, errors, and the 50th/95th/99th
percentiles and the slowest; then the totals. Target (issue 15): zero errors and a 99th
percentile of at most 500 ms. Exit status 1 when the run misses that.

    python bench/load.py                       # the full run: 200 users, 5 minutes
    python bench/load.py --users 50 --seconds 60

Needs PostgreSQL (--database-url names the server; a database of its own is created and
dropped) and Debian's nginx (scripts/test.sh installs it).
"""

from __future__ import annotations

import os
import sys

# Scripts in bench/ (queue.py among them) would shadow standard modules of the same name.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import html  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

from kizuna.testbed import NETWORK_ERROR, Client, Deployment, postgres_database  # noqa: E402

DOMAIN = "load.example.jp"
PASSWORD = "correct horse battery staple"
DRAFTS = [
    "ご連絡ありがとうございます。現在、メールサーバーのログを確認しております。"
    "本日17時までに次のご連絡をいたします。",
    "お待たせしております。原因は証明書の期限切れと考えられます。更新作業を進めております。",
    "Thank you for your patience. We are checking the mail server logs now and will write "
    "again by 5 pm today with what we found.",
    "We have found the cause: the certificate had expired. We renewed it at 14:10 and mail "
    "is flowing again. Please tell us if anything still looks wrong.",
]
CUSTOMER_REPLIES = [
    "ご確認ありがとうございます。こちらでも再度試してみます。",
    "まだ送信できない社員がいます。状況を教えてください。",
    "Thanks, it works again on my side. Two colleagues still see the error though.",
]

SEED = """
from django.contrib.auth import get_user_model
from kizuna.tickets.models import AgentProfile, Contact, EmailDomain, Organization, Team
User = get_user_model()
org = Organization.objects.create(name="負荷試験株式会社")
EmailDomain.objects.create(organization=org, domain="{domain}")
team = Team.objects.create(name="Support")
for n in range({agents}):
    agent = User.objects.create_user(f"agent{{n}}", f"agent{{n}}@kizuna.example", "{password}")
    AgentProfile.objects.create(user=agent, timezone="Asia/Tokyo", language="ja" if n % 2 else "en")
    team.members.add(agent)
for n in range({customers}):
    Contact.objects.create(
        organization=org, name=f"顧客 {{n}}", email=f"c{{n}}@{domain}",
        language="ja" if n % 3 else "en",
    )
print(team.pk)
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def add(self, name: str, seconds: float, problem: str = "") -> None:
        with self.lock:
            self.times[name].append(seconds)
            if problem:
                self.errors[name].append(problem)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Person:
    """One simulated person: a client of their own (cookies, one kept-alive connection)."""

    def __init__(self, bed: Deployment, stats: Stats, stop: threading.Event, think, **client):
        self.bed, self.stats, self.stop, self.think = bed, stats, stop, think
        self.client: Client = bed.client(**client)

    def call(self, name: str, method: str, path: str, *, ok=(200,), **kwargs):
        if method == "GET":
            answer = self.client.get(path)
        elif "form" in kwargs:
            answer = self.client.post_form(path, kwargs["form"], csrf_from=kwargs.get("page", ""))
        else:
            answer = self.client.post_json(path, kwargs["json"])
        problem = ""
        if answer.status == NETWORK_ERROR:
            problem = answer.headers.get("error", "connection failed")
        elif answer.status not in ok:
            # A form sent back with its errors: the errors say more than the page's start.
            shown = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.text, re.S)
            detail = " ".join(shown)[:300] if shown else answer.text[:200]
            problem = f"HTTP {answer.status} {path}: {detail!r}"
        self.stats.add(name, answer.seconds, problem)
        return answer if not problem else None

    def open_from_list(self, list_name: str, list_path: str, item_name: str, item_path: str):
        """Open a list, read it a while, then open one of the items it links to
        (`item_path` + id + "/"): (the id, the item's page), or None."""
        listing = self.call(list_name, "GET", list_path)
        if listing is None or not self.pause():
            return None
        ids = re.findall(rf'href="{re.escape(item_path)}(\d+)/"', listing.text)
        if not ids:
            return None
        ticket = random.choice(ids)
        page = self.call(item_name, "GET", f"{item_path}{ticket}/")
        return None if page is None else (ticket, page)

    def pause(self) -> bool:
        """Read for a while; False once the run is over."""
        return not self.stop.wait(random.uniform(*self.think))


class Agent(Person):
    def sign_in(self, n: int) -> bool:
        page = self.call("desk sign-in page", "GET", "/desk/login/")
        return page is not None and bool(
            self.call(
                "desk sign-in",
                "POST",
                "/desk/login/",
                ok=(302,),
                form={"username": f"agent{n}", "password": PASSWORD},
                page=page.text,
            )
        )

    def run(self, n: int) -> None:
        while self.pause():
            opened = self.open_from_list("desk queue", "/desk/", "desk ticket", "/desk/tickets/")
            if opened is None or not self.pause():
                continue
            ticket, page = opened
            draft = random.choice(DRAFTS)
            self.call(
                "desk live check",
                "POST",
                f"/desk/tickets/{ticket}/check/",
                form={"body": draft, "purpose": "any"},
                page=page.text,
            )
            if random.random() < 0.3 and self.pause():
                self.reply(ticket, draft, page.text)

    def reply(self, ticket: str, draft: str, page: str) -> None:
        """Send a reply. A draft that promises a time comes back once with the promises
        listed for review (400); the agent keeps them as found and sends it again."""
        path = f"/desk/tickets/{ticket}/reply/"
        form = {"body": draft, "purpose": "any", "override_check": "on"}
        answer = self.call("desk reply", "POST", path, ok=(302, 400), form=form, page=page)
        if answer is None or answer.status == 302:
            return
        review = answer.text.partition("data-promise-review")[2]
        if not review:
            self.stats.add("desk reply", 0.0, f"HTTP 400 {path} without a promise review")
            return
        fields = {
            name: html.unescape(value)
            for name, value in re.findall(
                r'name="(promise-\d+-(?:text|due))" value="([^"]*)"', review
            )
        }
        fields.update(
            (f"promise-{index}-keep", "on")
            for index in re.findall(r'name="promise-(\d+)-keep"', review)
        )
        if not self.pause():
            return
        self.call(
            "desk reply reviewed",
            "POST",
            path,
            ok=(302,),
            form={**form, "promises_reviewed": "1", **fields},
            page=answer.text,
        )


class Customer(Person):
    def sign_in(self, n: int) -> bool:
        email = f"c{n}@{DOMAIN}"
        page = self.call("portal sign-in page", "GET", "/portal/signin/")
        if page is None:
            return False
        asked = time.monotonic()
        form = {"email": email}
        if not self.call(
            "portal sign-in", "POST", "/portal/signin/", ok=(302,), form=form, page=page.text
        ):
            return False
        link = self.bed.signin_link(email, since=asked, timeout=60, stop=self.stop)
        if link is None:
            self.stats.add("portal link mailed", 0.0, f"no sign-in link reached {email}")
            return False
        button = self.call("portal link", "GET", link)
        return button is not None and bool(
            self.call("portal link used", "POST", link, ok=(302,), form={}, page=button.text)
        )

    def run(self, n: int) -> None:
        while self.pause():
            opened = self.open_from_list(
                "portal home", "/portal/", "portal ticket", "/portal/tickets/"
            )
            if opened is not None and random.random() < 0.3 and self.pause():
                ticket, page = opened
                self.call(
                    "portal reply",
                    "POST",
                    f"/portal/tickets/{ticket}/reply/",
                    ok=(302,),
                    form={"body": random.choice(CUSTOMER_REPLIES)},
                    page=page.text,
                )


class ApiClient(Person):
    def sign_in(self, n: int) -> bool:
        return True  # the token is the sign-in

    def run(self, n: int) -> None:
        while self.pause():
            listing = self.call("api list", "GET", "/api/v1/tickets?limit=25")
            if listing is None or not self.pause():
                continue
            items = listing.json()["results"]
            if not items:
                continue
            ticket = random.choice(items)["id"]
            if self.call("api ticket", "GET", f"/api/v1/tickets/{ticket}") is None:
                continue
            if not self.pause():
                return
            self.call("api messages", "GET", f"/api/v1/tickets/{ticket}/messages")
            roll = random.random()
            if roll < 0.15 and self.pause():
                self.call(
                    "api create",
                    "POST",
                    "/api/v1/tickets",
                    ok=(201,),
                    json={
                        "requester": f"c{random.randrange(200)}@{DOMAIN}",
                        "subject": "VPN に接続できない",
                        "body": "本日朝から VPN に接続できません。在宅勤務の社員が作業できません。",
                    },
                )
            elif roll < 0.35 and self.pause():
                self.call(
                    "api reply",
                    "POST",
                    f"/api/v1/tickets/{ticket}/replies",
                    ok=(201,),
                    json={"body": random.choice(DRAFTS), "override_check": True},
                )


def cpu_seconds(bed: Deployment) -> dict[str, float]:
    """CPU time used so far by each part of the setup: the web processes, the workers,
    nginx, PostgreSQL's server processes and this script (its simulated people)."""
    tick = os.sysconf("SC_CLK_TCK")
    leaders = {process.pid: name.split("@")[0] for name, process in bed.processes.items()}
    if bed.nginx is not None:
        leaders[bed.nginx.pid] = "nginx"
    used: dict[str, float] = defaultdict(float)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        group, seconds = int(fields[2]), (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == os.getpid():
            used["load script"] += seconds
        elif group in leaders:
            used[leaders[group]] += seconds
        elif command == "postgres":
            used["PostgreSQL"] += seconds
    return used


def report(stats: Stats, elapsed: float | None) -> tuple[list[float], int]:
    """A line per kind of request and one for all; then the first errors of each kind."""
    print(
        f"{'request':<22}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    everything: list[float] = []
    errors = 0

    def line(name: str, values: list[float], failed: int) -> None:
        print(
            f"{name:<22}{len(values):>7}{failed:>8}"
            + "".join(f"{1000 * percentile(values, q):>9.0f}" for q in (0.5, 0.95, 0.99))
            + f"{1000 * max(values, default=0):>9.0f}"
        )

    for name in sorted(stats.times):
        values = stats.times[name]
        everything += values
        errors += len(stats.errors[name])
        line(name, values, len(stats.errors[name]))
    line("all", everything, errors)
    for name, problems in sorted(stats.errors.items()):
        for problem in problems[:3]:
            print(f"  {name}: {problem}")
    return everything, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument(
        "--think", default="5,15", help="pause between two requests, MIN,MAX seconds (default 5,15)"
    )
    parser.add_argument("--ramp", type=float, default=30, help="seconds over which people arrive")
    parser.add_argument(
        "--tickets", type=int, default=3000, help="tickets in the queue at the start"
    )
    parser.add_argument("--web-workers", type=int, default=3, help="processes per `kizuna serve`")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "KIZUNA_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server; a database of its own is created there and dropped",
    )
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    agents = round(args.users * 0.35)
    customers = round(args.users * 0.35)
    api_clients = args.users - agents - customers

    root = Path(tempfile.mkdtemp(prefix="kizuna-load-"))
    url, drop = postgres_database(args.database_url, f"kizuna_load_{os.getpid()}")
    bed = Deployment(
        root,
        url,
        web_workers=args.web_workers,
        settings={
            "KIZUNA_POLL_SECONDS": "3600",
            # Every simulated person comes from 127.0.0.1 and signs in once.
            "KIZUNA_PORTAL_LINKS_PER_CLIENT_HOUR": "100000",
            "KIZUNA_LOGIN_FAILURES_PER_ADDRESS": "100000",
        },
    )
    try:
        started = time.monotonic()
        bed.prepare()
        team = bed.kizuna(
            "shell",
            "-c",
            SEED.format(
                agents=agents, customers=max(customers, 200), domain=DOMAIN, password=PASSWORD
            ),
        )
        team = int(team.stdout.split()[-1])
        bed.kizuna("generate_tickets", "--count", str(args.tickets), "--orgs", "20")
        token = bed.kizuna("apitoken", "agent0").stdout.strip().split()[-1]
        bed.start()
        setup_api = bed.client(token=token)
        for n in range(customers):  # each customer has a request of their own to look at
            answer = setup_api.post_json(
                "/api/v1/tickets",
                {
                    "requester": f"c{n}@{DOMAIN}",
                    "subject": "メールが送信できない",
                    "body": "今朝から社内の全員がメールを送信できません。",
                    "team": team,
                },
            )
            if answer.status != 201:
                raise SystemExit(
                    f"setup: a ticket could not be opened: {answer.status} {answer.text}"
                )
        print(
            f"setup: {time.monotonic() - started:.0f} s; {agents} agents, {customers} customers, "
            f"{api_clients} API clients; {args.tickets + customers} tickets; "
            f"2 web processes × {args.web_workers} workers, 2 workers, nginx; think {think} s",
            flush=True,
        )

        # The morning: everybody signs in (a password is hashed slowly on purpose; a portal
        # link travels by mail), four at a time. Measured, but apart from the day's work.
        signins, stop = Stats(), threading.Event()
        people = [Agent(bed, signins, stop, think) for _ in range(agents)]
        people += [Customer(bed, signins, stop, think) for _ in range(customers)]
        people += [ApiClient(bed, signins, stop, think, token=token) for _ in range(api_clients)]
        numbers = [n for count in (agents, customers, api_clients) for n in range(count)]
        with ThreadPoolExecutor(4) as pool:
            signed = list(
                pool.map(lambda pair: pair[0].sign_in(pair[1]), zip(people, numbers, strict=True))
            )
        if not all(signed):
            report(signins, None)
            raise SystemExit(f"{signed.count(False)} people could not sign in")

        stats = Stats()
        threads = []

        def live(person: Person, n: int, delay: float) -> None:
            if stop.wait(delay):
                return
            person.stats = stats
            try:
                person.run(n)
            except Exception as exc:  # a person's crash is an error of the run
                stats.add(f"{type(person).__name__} crashed", 0.0, repr(exc))

        order = list(zip(people, numbers, strict=True))
        random.shuffle(order)
        for i, (person, n) in enumerate(order):
            delay = args.ramp * i / max(1, len(order))
            thread = threading.Thread(target=live, args=(person, n, delay), daemon=True)
            thread.start()
            threads.append(thread)
        began = time.monotonic()
        cpu_before = cpu_seconds(bed)
        logged_before = len(bed.access_log())
        while time.monotonic() - began < args.seconds:
            time.sleep(min(30, args.seconds - (time.monotonic() - began)))
            done = sum(len(v) for v in stats.times.values())
            print(f"  {time.monotonic() - began:5.0f} s: {done} requests", flush=True)
        cpu_after, cpu_span = cpu_seconds(bed), time.monotonic() - began
        served = bed.access_log()[logged_before:]
        stop.set()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - began
        bed.assert_alive()
    finally:
        bed.stop()
        drop()

    print("\nSigning in (before the run):")
    report(signins, None)
    print(f"\nThe run: {args.users} users for {elapsed:.0f} s, after a ramp of {args.ramp:.0f} s")
    everything, errors = report(stats, elapsed)
    cpu = {part: cpu_after[part] - cpu_before.get(part, 0.0) for part in cpu_after}
    print(
        f"CPU over the run ({os.cpu_count()} cores): "
        + ", ".join(
            f"{part} {seconds / cpu_span:.2f} cores"
            for part, seconds in sorted(cpu.items(), key=lambda item: -item[1])
        )
    )
    seconds = [row[1] for row in served]
    print(
        f"As nginx measured them ({len(seconds)} requests, TLS and the client's own delays left "
        "out): "
        + ", ".join(
            f"p{round(q * 100)} {1000 * percentile(seconds, q):.0f} ms" for q in (0.5, 0.95, 0.99)
        )
    )
    p99 = 1000 * percentile(everything, 0.99)
    print(
        f"{len(everything) / elapsed:.1f} requests/s, {errors} errors, p99 {p99:.0f} ms "
        "(target: 0 errors, p99 ≤ 500 ms)"
    )
    return 0 if errors == 0 and p99 <= 500 else 1


if __name__ == "__main__":
    sys.exit(main())
