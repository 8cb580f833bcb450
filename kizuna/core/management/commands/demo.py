"""`kizuna demo`: migrations, demo data, the web server and a background worker in one go.

The web server and the worker run as child processes of this one (`kizuna serve` and
`kizuna worker`, exactly as in production), so what the demo shows is what gets deployed.

It seeds only an empty database or its own (anything else is refused before a single write).
On loopback its agents share the documented password; reachable from the network, each agent
gets a generated password, shown once, and only the host names of this machine are accepted.
See docs/demo.md.
"""

from __future__ import annotations

import ipaddress
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

from kizuna.demo import data as demo_data
from kizuna.portal.services import portal_link_create
from kizuna.tickets.models import Contact

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


WILDCARDS = ("0.0.0.0", "::", "")


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Only this machine can connect: a loopback address, or a name that resolves only to one."""
    if host.lower() == "localhost":
        return True
    address = _address(host)
    if address is not None:
        return address.is_loopback
    if host in WILDCARDS:
        return False
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    addresses = [_address(a) for a in resolved]
    return bool(addresses) and all(a is not None and a.is_loopback for a in addresses)


def host_header(host: str) -> str:
    """How a host appears in a Host header (and so in ALLOWED_HOSTS): IPv6 in brackets."""
    address = _address(host)
    if address is not None and address.version == 6:
        return f"[{address}]"
    return host


def machine_hosts() -> list[str]:
    """The names and addresses other machines may use to reach this one."""
    found: list[str] = []

    def add(value: str | None) -> None:
        if not value:
            return
        address = _address(value)
        if address is not None and (address.is_loopback or address.is_unspecified):
            return
        if address is not None and address.is_link_local:
            return  # needs a zone (fe80::1%eth0), which a Host header cannot carry
        value = host_header(value)
        if value not in found:
            found.append(value)

    # The address of the default route first (connecting a UDP socket sends nothing).
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                add(sock.getsockname()[0])
        except OSError:
            pass
    name = socket.gethostname()
    add(name)
    add(socket.getfqdn())
    try:
        for info in socket.getaddrinfo(name, None):
            add(info[4][0])
    except OSError:
        pass
    return found


def demo_allowed_hosts(host: str) -> list[str]:
    """ALLOWED_HOSTS for the demo: loopback, plus the address it listens on — for a wildcard
    address, this machine's names and addresses. Never every host ('*')."""
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    if host in WILDCARDS:
        extra = machine_hosts()
    else:
        extra = [host_header(host)]
    return [*dict.fromkeys([*extra, *hosts])]


def public_host(host: str) -> str:
    """The host to print in links for other machines."""
    if host in WILDCARDS:
        hosts = machine_hosts()
        return hosts[0] if hosts else "127.0.0.1"
    return browser_host(host)


def browser_host(host: str) -> str:
    """The address to put in printed links: a wildcard bind is reached through loopback."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def portal_signin_url(email: str, base_url: str) -> str | None:
    """A ready one-time portal sign-in link for a demo contact."""
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
        # Before migrations, which would already write: a database holding someone's data is
        # left exactly as it is.
        check = demo_data.check_database()
        if check.kind == "foreign":
            raise CommandError(demo_data.refusal_message(check))
        networked = not is_loopback(host)
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = demo_data.demo_seed(generate_passwords=networked)
        except demo_data.DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            self.stdout.write(f"Demo data created: {result.tickets} tickets.")
        else:
            self.stdout.write("Demo data already present: left as it was.")
        local = f"http://{browser_host(host)}:{port}"
        base = f"http://{public_host(host)}:{port}" if networked else local
        links = {lang: portal_signin_url(email, base) for lang, email in result.contacts.items()}
        # The children open their own connections; this process needs none while it waits.
        connections.close_all()

        env = os.environ.copy()
        env.update(KIZUNA_DEMO="1", KIZUNA_HOME=str(home))
        env.setdefault("KIZUNA_SITE_URL", base)
        if "KIZUNA_ALLOWED_HOSTS" not in env:
            env["KIZUNA_ALLOWED_HOSTS"] = ",".join(demo_allowed_hosts(host))
        allowed = [h for h in env["KIZUNA_ALLOWED_HOSTS"].split(",") if h.strip()]
        self._passwords_shown = False

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
            self._wait_until_up(f"{local}/healthz", children)
            self._banner(base, result, links, networked=networked, allowed=allowed)
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            failed = next(child for child in children if child.poll() is not None)
            raise CommandError(
                f"A demo process stopped unexpectedly (exit status {failed.returncode})."
            )
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo…")
        finally:
            # Generated passwords exist nowhere else: shown even if the demo did not start.
            if result.passwords and not self._passwords_shown:
                self._passwords(result)
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

    def _passwords(self, result: demo_data.DemoResult) -> None:
        w = self.stdout.write
        w("Agents' passwords, generated for this demo and shown only this once (only their")
        w("hashes are stored; `kizuna changepassword NAME` sets a new one):")
        for username, password in result.passwords.items():
            w(f"  {username:<8} {password}")
        self.stdout.flush()
        self._passwords_shown = True

    def _banner(
        self,
        base: str,
        result: demo_data.DemoResult,
        links: dict[str, str | None],
        *,
        networked: bool = False,
        allowed: list[str] | None = None,
    ) -> None:
        w = self.stdout.write
        outbox = getattr(settings, "EMAIL_FILE_PATH", None)
        w("")
        w(self.style.SUCCESS(f"Kizuna demo is running at {base}/"))
        w(f"  Agent desk        {base}/desk/")
        w(f"  Customer portal   {base}/portal/")
        w(f"  Administration    {base}/admin/   (as kimura)")
        if networked:
            w(
                "  Reachable from the network over plain HTTP: keep it on a trusted network.\n"
                f"  Accepted host names: {', '.join(allowed or [])}\n"
                "  (set KIZUNA_ALLOWED_HOSTS to reach it by another name)."
            )
        w("")
        everyone_fixed = set(result.fixed) == set(result.agents)
        if result.passwords:
            self._passwords(result)
            w("")
            w("Agents:")
        elif everyone_fixed:
            w(f"Agents — the password for all of them is: {demo_data.DEMO_PASSWORD}")
        else:
            w(
                "Agents — their passwords were shown when they were generated; "
                "`kizuna changepassword NAME` sets a new one:"
            )
        for username, first, last, lang, tz, teams, staff in demo_data.AGENTS:
            role = "service manager, administrator" if staff else ", ".join(teams)
            name = f"{last} {first}" if lang == "ja" else f"{first} {last}"
            note = ""
            if not result.passwords and not everyone_fixed and username in result.fixed:
                note = f" (password: {demo_data.DEMO_PASSWORD})"
            w(f"  {username:<8} {name} — {role}; {LANGUAGES[lang]}, {tz}{note}")
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
