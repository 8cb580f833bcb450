"""`kizuna demo`: migrations, demo data, the web server and a background worker in one go.

The web server and the worker run as child processes of this one (`kizuna serve` and
`kizuna worker`, exactly as in production), so what the demo shows is what gets deployed.
See docs/demo.md.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from kizuna.tickets import demo_data

LANGUAGES = {"ja": "Japanese", "en": "English"}
LEVELS = {"general": "not an engineer", "technical": "engineer"}
STARTUP_SECONDS = 60
STOP_SECONDS = 25


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def browser_host(host: str) -> str:
    """The address to put in printed links: a wildcard bind is reached through loopback."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def portal_signin_url(email: str, base_url: str) -> str | None:
    """A ready one-time portal sign-in link for a demo contact."""
    from kizuna.portal.services import portal_link_create
    from kizuna.tickets.models import Contact

    contact = Contact.objects.filter(email=email).first()
    return portal_link_create(contact=contact, base_url=base_url) if contact else None


class Command(BaseCommand):
    help = "Run Kizuna with demo data: database, migrations, web server and worker, in one command."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="port to listen on (default 8000)"
        )

    def handle(self, *args, host: str, port: int, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port {port} is not a port number (1–65535).")
        if not port_is_free(host, port):
            raise CommandError(
                f"Cannot listen on {host}:{port}: the address is in use or not available here. "
                f"Stop the other program or choose another port, e.g. `kizuna demo --port {port + 1}`."
            )
        home = settings.KIZUNA_HOME
        self.stdout.write(f"Kizuna demo: data in {home}")
        call_command("migrate", interactive=False, verbosity=0)
        result = demo_data.demo_seed()
        if result.created:
            self.stdout.write(f"Demo data created: {result.tickets} tickets.")
        else:
            self.stdout.write("Demo data already present: left as it was.")
        base = f"http://{browser_host(host)}:{port}"
        links = {lang: portal_signin_url(email, base) for lang, email in result.contacts.items()}
        # The children open their own connections; this process needs none while it waits.
        connections.close_all()

        env = os.environ.copy()
        env.update(KIZUNA_DEMO="1", KIZUNA_HOME=str(home))
        env.setdefault("KIZUNA_SITE_URL", base)
        if "KIZUNA_ALLOWED_HOSTS" not in env:
            wildcard = host in ("0.0.0.0", "::", "")
            env["KIZUNA_ALLOWED_HOSTS"] = "*" if wildcard else f"{host},127.0.0.1,localhost"

        kizuna = [sys.executable, "-m", "kizuna"]
        children: list[subprocess.Popen] = []
        previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            children.append(
                subprocess.Popen(
                    [*kizuna, "serve", "--host", host, "--port", str(port), "--workers", "2"],
                    env=env,
                )
            )
            children.append(subprocess.Popen([*kizuna, "worker", "--verbosity", "0"], env=env))
            self._wait_until_up(f"{base}/healthz", children)
            self._banner(base, result, links)
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            failed = next(child for child in children if child.poll() is not None)
            raise CommandError(
                f"A demo process stopped unexpectedly (exit status {failed.returncode})."
            )
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo…")
        finally:
            _stop(children)
            signal.signal(signal.SIGTERM, previous_term)
        self.stdout.write("Stopped. Run `kizuna demo` again to continue where you left off.")

    def _wait_until_up(self, url: str, children: list[subprocess.Popen]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children):
                raise CommandError("The demo could not start; see the messages above.")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise CommandError(
            f"The web server did not answer at {url} within {STARTUP_SECONDS} seconds."
        )

    def _banner(
        self, base: str, result: demo_data.DemoResult, links: dict[str, str | None]
    ) -> None:
        w = self.stdout.write
        outbox = getattr(settings, "EMAIL_FILE_PATH", None)
        w("")
        w(self.style.SUCCESS(f"Kizuna demo is running at {base}/"))
        w(f"  Agent desk        {base}/desk/")
        w(f"  Customer portal   {base}/portal/")
        w(f"  Administration    {base}/admin/   (as kimura)")
        w("")
        w(f"Agents — the password for all of them is: {demo_data.DEMO_PASSWORD}")
        for username, first, last, lang, tz, teams, staff in demo_data.AGENTS:
            role = "service manager, administrator" if staff else ", ".join(teams)
            name = f"{last} {first}" if lang == "ja" else f"{first} {last}"
            w(f"  {username:<8} {name} — {role}; {LANGUAGES[lang]}, {tz}")
        w("")
        w("Customers — in the portal, ask for a sign-in link with one of these addresses:")
        orgs = demo_data.ORGANIZATIONS
        for org_index, name, email, lang, level, role, _tz in demo_data.CONTACTS:
            w(
                f"  {email:<40} {name}, {role}, {orgs[org_index]['name']} ({LANGUAGES[lang]}, {LEVELS[level]})"
            )
        if outbox:
            w(
                f"  No mail server is configured, so mail (sign-in links included) is written to files in\n"
                f"  {outbox} — open the newest one and follow the link."
            )
        for lang, url in links.items():
            if url:
                w(f"  Ready-made one-time sign-in link ({result.contacts[lang]}): {url}")
        w("")
        w(f"Everything is kept in {settings.KIZUNA_HOME}; delete that directory to start afresh.")
        w("Press Ctrl-C to stop.")
        self.stdout.flush()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop(children: list[subprocess.Popen]) -> None:
    """Ask each child to finish what it is doing (SIGTERM), then insist."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
