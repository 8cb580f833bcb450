"""A scale-out installation on one machine, built from the files shipped in docs/deploy/:
nginx with the site configuration of docs/deploy/nginx/kizuna.conf (TLS with a test
certificate), `kizuna serve`, `kizuna worker` and `kizuna smtpd` started from the ExecStart
lines of the systemd units in docs/deploy/systemd/ with the settings of its kizuna.env, one
PostgreSQL database, one shared attachments directory, and a recording SMTP server per
process that sends mail. Only ports and paths are changed, each named in `SITE_REWRITES` and
`settings()`, so a change to the shipped files is a change to what the tests run.

Used by the scale-out test (kizuna/core/tests/test_scaleout.py) and bench/load.py.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
from aiosmtpd.controller import Controller

DEPLOY = Path(__file__).resolve().parent.parent / "docs" / "deploy"
SITE = DEPLOY / "nginx" / "kizuna.conf"
UNITS = DEPLOY / "systemd"
HOST = "help.example.com"
KIZUNA_PROGRAM = "/opt/kizuna/venv/bin/kizuna"
NGINX = "/usr/sbin/nginx"

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
SIGNIN_LINK = re.compile(rb"/portal/signin/[A-Za-z0-9_\-]+/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# systemd units -------------------------------------------------------------------------------


@dataclass
class Unit:
    """A systemd unit file as systemd reads it: sections of `Key=value` lines, a key possibly
    repeated, comments (# or ;) and blank lines skipped, a trailing backslash continuing."""

    path: Path
    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def values(self, section: str, key: str) -> list[str]:
        return [value for k, value in self.sections.get(section, []) if k == key]

    def value(self, section: str, key: str) -> str:
        found = self.values(section, key)
        if len(found) != 1:
            raise ValueError(f"{self.path.name}: [{section}] {key}= appears {len(found)} times")
        return found[0]


def unit_read(path: Path) -> Unit:
    unit = Unit(path)
    section = None
    pending = ""
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = pending + raw.strip()
        pending = ""
        if not line or line.startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            unit.sections.setdefault(section, [])
            continue
        key, sep, value = line.partition("=")
        if not sep or section is None or not key.strip():
            raise ValueError(f"{path.name}:{number}: not a Key=value line in a section: {raw!r}")
        unit.sections[section].append((key.strip(), value.strip()))
    return unit


def specifiers_expand(text: str, *, instance: str = "") -> str:
    """%i (the instance), %H (the host name) and %% — the specifiers the shipped units use."""
    known = {"i": instance, "H": socket.gethostname(), "%": "%"}

    def one(match: re.Match) -> str:
        letter = match.group(1)
        if letter not in known:
            raise ValueError(f"specifier %{letter} is not one the shipped units may use")
        return known[letter]

    return re.sub(r"%(.)", one, text)


def unit_command(
    unit: Unit, *, instance: str = "", key: str = "ExecStart", paths: dict[str, str] | None = None
) -> list[str]:
    """The unit's ExecStart (or another Exec line) as an argument list for this checkout:
    the installed program path becomes this Python's `-m kizuna`, and each of `paths` (a
    directory of the shipped layout) the directory given for it."""
    line = specifiers_expand(unit.value("Service", key), instance=instance)
    for shipped, here in (paths or {}).items():
        line = line.replace(shipped, here)
    argv = shlex.split(line)
    here = [sys.executable, "-m", "kizuna"]
    if argv[0] == KIZUNA_PROGRAM:
        return here + argv[1:]
    if argv[:2] == ["/bin/sh", "-c"] and len(argv) == 3:
        return ["/bin/sh", "-c", argv[2].replace(KIZUNA_PROGRAM, shlex.join(here))]
    if key != "ExecStart" and Path(argv[0]).is_absolute():
        return argv  # a system program run after Kizuna's (find, say)
    raise ValueError(f"{unit.path.name}: {key} runs {argv[0]}, not {KIZUNA_PROGRAM}")


def environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (no quoting used here)."""
    values = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{path.name}:{number}: not a KEY=VALUE line: {raw!r}")
        values[key] = value
    return values


# Mail -----------------------------------------------------------------------------------------


@dataclass
class Received:
    port: int
    message_id: str
    at: float
    content: bytes
    recipients: list[str]


class RecordingSMTP:
    """A real SMTP server's handler: may take a while to accept each recipient (as a busy
    relay does) and records which port received which Message-ID when the whole message had
    arrived. Like a real server, it keeps a message whose sender vanished before the 250."""

    def __init__(self, port: int, log: list, lock: threading.Lock, delay: tuple[float, float]):
        self.port, self.log, self.lock, self.delay = port, log, lock, delay
        self.started = threading.Event()
        self.hold_first = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay[1]:
            await asyncio.sleep(random.uniform(*self.delay))  # noqa: S311
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        arrived = time.monotonic()
        self.started.set()
        if self.hold_first:
            # The first message never completes: its sender is killed while it waits.
            self.hold_first = False
            await asyncio.sleep(120)
            return "451 4.3.0 Try again later"
        match = MESSAGE_ID.search(envelope.content)
        mid = match.group(1).decode() if match else ""
        with self.lock:
            self.log.append(
                Received(self.port, mid, arrived, envelope.content, list(envelope.rcpt_tos))
            )
        return "250 OK: queued"


def smtp_start(
    log: list, lock: threading.Lock, delay=(0.0, 0.0)
) -> tuple[RecordingSMTP, Controller]:
    port = free_port()
    handler = RecordingSMTP(port, log, lock, delay)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return handler, controller


# HTTP through the proxy -----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


NETWORK_ERROR = 599  # the status a request gets when the connection itself failed


class Client:
    """One browser or API client talking HTTPS to the proxy on one kept-alive connection,
    with its own cookies. A failed connection is reported as status 599 and reopened."""

    def __init__(self, port: int, context: ssl.SSLContext, *, token: str = ""):
        self.port, self.context, self.token = port, context, token
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPSConnection | None = None

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict | None = None
    ) -> Response:
        sent = {"Host": HOST, "Accept-Language": "ja", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPSConnection(
                    "127.0.0.1", self.port, context=self.context, timeout=90
                )
            self.connection.request(method, path, body=body or None, headers=sent)
            answer = self.connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Response(NETWORK_ERROR, {"error": repr(exc)}, b"", time.perf_counter() - started)
        for header, value in answer.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if answer.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(
            answer.status,
            {k.lower(): v for k, v in answer.getheaders()},
            data,
            time.perf_counter() - started,
        )

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, payload: dict) -> Response:
        return self.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )

    def post_form(self, path: str, fields: dict, *, csrf_from: str = "") -> Response:
        """A form as a browser sends it: the CSRF token of the page it was on, and Origin."""
        token = self.cookies.get("csrftoken", "")
        if csrf_from:
            found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', csrf_from)
            token = found.group(1) if found else token
        return self.request(
            "POST",
            path,
            body=urlencode({"csrfmiddlewaretoken": token, **fields}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{path}",
            },
        )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# The installation -----------------------------------------------------------------------------


def certificate_make(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the site's name (and 127.0.0.1), as a test CA."""
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


class Deployment:
    """`webs` web processes and `workers` workers of one installation behind nginx.

    `root` holds everything (database aside): attachments, static files, nginx's files,
    logs. `database_url` names an empty PostgreSQL database. `settings` are added to the
    shipped kizuna.env (the test's own values: short leases, quick timers)."""

    def __init__(
        self,
        root: Path,
        database_url: str,
        *,
        webs: int = 2,
        workers: int = 2,
        web_workers: int = 2,
        settings: dict[str, str] | None = None,
    ):
        self.root = root
        self.database_url = database_url
        self.web_ports = [free_port() for _ in range(webs)]
        self.worker_names = [str(n + 1) for n in range(workers)]
        self.web_workers = web_workers
        self.https_port, self.http_port, self.smtpd_port = free_port(), free_port(), free_port()
        self.attachments = root / "shared" / "attachments"
        self.static = root / "home" / "static"
        self.extra = settings or {}
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.smtp: dict[str, RecordingSMTP] = {}
        self._controllers: list[Controller] = []
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: list = []
        self.nginx: subprocess.Popen | None = None

    # Settings and commands

    def settings(self) -> dict[str, str]:
        """The shipped kizuna.env with this machine's paths, ports and database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
        env.update(environment_file(UNITS / "kizuna.env"))
        env.update(
            DJANGO_SETTINGS_MODULE="kizuna.settings",
            KIZUNA_HOME=str(self.root / "home"),
            KIZUNA_DATABASE_URL=self.database_url,
            KIZUNA_ATTACHMENTS_DIR=str(self.attachments),
            KIZUNA_SITE_URL=f"https://{HOST}:{self.https_port}",
            KIZUNA_SECRET_KEY="testbed-only-" + "k" * 40,
            KIZUNA_LOG_LEVEL="WARNING",
        )
        env.update(self.extra)
        return env

    def kizuna(self, *args: str, timeout: float = 300, check: bool = True):
        done = subprocess.run(
            [sys.executable, "-m", "kizuna", *args],
            env=self.settings(),
            cwd=self.root / "home",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"kizuna {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()

    # Starting and stopping

    def prepare(self) -> None:
        """Certificate, directories, database tables and static files."""
        for path in (self.attachments, self.static, self.root / "tls", self.root / "nginx"):
            path.mkdir(parents=True, exist_ok=True)
        self.certificate, self.key = certificate_make(self.root / "tls")
        self.kizuna("migrate", "--verbosity", "0")
        self.kizuna("collectstatic", "--noinput", "--verbosity", "0")

    def start(self) -> None:
        for port in self.web_ports:
            self.start_unit(
                "kizuna-web@.service", str(port), extra=["--workers", str(self.web_workers)]
            )
        for name in self.worker_names:
            self.start_unit("kizuna-worker@.service", name)
        self.start_unit("kizuna-smtpd.service", "", port=self.smtpd_port)
        self.nginx_start()
        self.wait_ready()

    def start_unit(
        self, unit_name: str, instance: str, *, extra: list[str] = (), port: int | None = None
    ) -> subprocess.Popen:
        unit = unit_read(UNITS / unit_name)
        argv = unit_command(unit, instance=instance) + list(extra)
        if port is not None:
            # The shipped port of `kizuna smtpd` is a fixed one; here any free port.
            argv[argv.index("--port") + 1] = str(port)
        name = unit_name.replace("@.service", "").replace(".service", "")
        name = f"{name}@{instance}" if instance else name
        env = self.settings()
        if not unit_name.startswith("kizuna-smtpd"):
            # Each sending process mails to a recording server of its own, so a copy mailed
            # twice can be traced to the process that sent it.
            handler, controller = smtp_start(self.received, self.lock)
            self.smtp[name] = handler
            self._controllers.append(controller)
            env.update(KIZUNA_SMTP_HOST="127.0.0.1", KIZUNA_SMTP_PORT=str(handler.port))
        log = open(self.root / f"{name}.log", "w")  # noqa: SIM115
        self._logs.append(log)
        working = Path(
            unit.value("Service", "WorkingDirectory").replace(
                "/var/lib/kizuna", str(self.root / "home")
            )
        )
        working.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            argv, env=env, cwd=working, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def site_configuration(self) -> str:
        """docs/deploy/nginx/kizuna.conf with the lines marked "replaced in tests" changed."""
        text = SITE.read_text()
        upstreams = iter(self.web_ports)
        rewrites = {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "ssl_certificate /etc/ssl/kizuna/fullchain.pem;": f"ssl_certificate {self.certificate};",
            "ssl_certificate_key /etc/ssl/kizuna/privkey.pem;": f"ssl_certificate_key {self.key};",
            "alias /var/lib/kizuna/static/;": f"alias {self.static}/;",
        }
        lines = []
        for line in text.splitlines():
            if "# replaced in tests" in line:
                code = line.split("#", 1)[0].strip()
                if code.startswith("server 127.0.0.1:"):
                    port = next(upstreams, None)
                    new = "" if port is None else code.replace(code.split()[1], f"127.0.0.1:{port}")
                elif code in rewrites:
                    new = rewrites[code]
                else:
                    raise ValueError(f"{SITE.name}: no rewrite for the line {line.strip()!r}")
                lines.append(f"    {new}" if new else "")
            else:
                lines.append(line)
        extra_ports = list(upstreams)
        if extra_ports:
            at = next(
                i for i, line in enumerate(lines) if line.strip().startswith("server 127.0.0.1:")
            )
            for port in extra_ports:
                lines.insert(at, f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;")
        return "\n".join(lines) + "\n"

    def nginx_configure(self) -> Path:
        """Write nginx's files (the shipped site inside a main configuration of the test's
        own) and have `nginx -t` check them; returns the main configuration's path."""
        if not Path(NGINX).exists():
            raise RuntimeError(f"nginx is not installed ({NGINX}); scripts/test.sh installs it")
        directory = self.root / "nginx"
        (directory / "site.conf").write_text(self.site_configuration())
        user = "user root root;" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(
            f"""{user}
worker_processes 2;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # Each request with nginx's own measure of its time (from its first byte read to its
    # last byte sent) and the web process's share of it.
    log_format timed '$status $request_time $upstream_response_time "$request"';
    access_log {directory}/access.log timed;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/site.conf;
}}
"""
        )
        check = subprocess.run(
            [NGINX, "-t", "-p", str(directory), "-c", str(directory / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
        return directory / "nginx.conf"

    def nginx_start(self) -> None:
        main = self.nginx_configure()
        directory = main.parent
        log = open(self.root / "nginx.log", "w")  # noqa: SIM115
        self._logs.append(log)
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(directory), "-c", str(main)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def access_log(self) -> list[tuple[int, float, str]]:
        """(status, seconds as nginx measured them, request line) of each request so far."""
        rows = []
        path = self.root / "nginx" / "access.log"
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            status, seconds, _upstream, request = line.split(" ", 3)
            rows.append((int(status), float(seconds), request.strip('"')))
        return rows

    def signin_link(
        self, email: str, *, since: float, timeout: float, stop: threading.Event
    ) -> str | None:
        """The path of the portal sign-in link mailed to `email` after `since` (a
        time.monotonic() reading), waited for until `timeout` seconds pass or `stop` is set."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.is_set():
            with self.lock:
                for received in reversed(self.received):
                    if received.at >= since and email in received.recipients:
                        found = SIGNIN_LINK.search(received.content)
                        if found:
                            return found.group(0).decode()
            time.sleep(0.2)
        return None

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def client(self, *, token: str = "") -> Client:
        return Client(self.https_port, self.context(), token=token)

    def wait_ready(self, timeout: float = 90) -> None:
        """Until every web process answers /healthz directly, nginx through TLS, and
        `kizuna smtpd` takes connections."""
        deadline = time.monotonic() + timeout
        pending = {f"web@{port}": port for port in self.web_ports}
        while time.monotonic() < deadline:
            for name, port in list(pending.items()):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/healthz", headers={"Host": HOST})
                    if conn.getresponse().status == 200:
                        del pending[name]
                    conn.close()
                except OSError:
                    pass
            if not pending and self._smtpd_up():
                answer = self.client().get("/healthz")
                if answer.status == 200:
                    return
            self.assert_alive()
            time.sleep(0.3)
        raise RuntimeError(f"the installation did not come up in {timeout} s\n{self.logs()}")

    def _smtpd_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.smtpd_port), timeout=2):
                return True
        except OSError:
            return False

    def assert_alive(self, *, except_for: tuple[str, ...] = ()) -> None:
        for name, process in self.processes.items():
            if name not in except_for and process.poll() is not None:
                raise RuntimeError(f"{name} stopped (status {process.returncode})\n{self.logs()}")
        if self.nginx is not None and self.nginx.poll() is not None:
            raise RuntimeError(f"nginx stopped\n{self.logs()}")

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: the server and every process it forked, as a
        crash or the kernel's out-of-memory killer would."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in [*self.processes.values(), self.nginx]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in [*self.processes.values(), self.nginx]:
            if process is None:
                continue
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for controller in self._controllers:
            controller.stop()
        for log in self._logs:
            log.close()

    def logs(self, tail: int = 3000) -> str:
        parts = []
        for path in sorted(self.root.glob("*.log")) + [self.root / "nginx" / "error.log"]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)


def postgres_database(suite_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database next to the suite's one, and a function that drops it."""
    parts = urlsplit(suite_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    url = urlunsplit(parts._replace(path=f"/{name}"))

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    return url, lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def nginx_available() -> bool:
    return Path(NGINX).exists() and shutil.which("openssl") is not None
