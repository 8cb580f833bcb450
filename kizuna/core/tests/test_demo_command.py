"""`kizuna demo` as someone trying it runs it: real processes, a real database file, HTTP.

Reachable from the network it makes a password per agent and shows it once, and accepts only
this machine's host names; pointed at a database holding other data, it refuses and writes
nothing (docs/demo.md)."""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.test import SimpleTestCase

from kizuna.demo import data as demo_data
from kizuna.testbed import free_port

READY = "Press Ctrl-C to stop."
PASSWORD_LINE = re.compile(r"^\s+([a-z]+)\s+(\S{5}-\S{5}-\S{5}-\S{5})\s*$")


class RunningDemo:
    """A `kizuna demo` process whose output is read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kizuna", "demo", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("the demo stopped:\n" + self.output)
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} within {timeout} s:\n" + self.output)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        while True:
            try:
                line = self._queue.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return self.process.returncode


def desk_sign_in(base: str, username: str, password: str) -> bool:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/desk/login/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    with opener.open(f"{base}/desk/login/", data=form, timeout=10) as response:
        return urllib.parse.urlparse(response.url).path == "/desk/"


def status_for_host(base: str, host: str) -> int:
    request = urllib.request.Request(f"{base}/desk/login/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class DemoCommandTests(SimpleTestCase):
    def setUp(self):
        home = tempfile.TemporaryDirectory(prefix="kizuna-trial-")
        self.addCleanup(home.cleanup)
        self.home = Path(home.name)
        # Its own SQLite file, whatever database the suite runs on.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
        self.env.update(DJANGO_SETTINGS_MODULE="kizuna.settings", KIZUNA_HOME=str(self.home))

    def demo(self, *args: str) -> RunningDemo:
        running = RunningDemo(list(args), self.env)
        self.addCleanup(running.stop)
        return running

    def kizuna(self, *args: str, env: dict[str, str] | None = None):
        return subprocess.run(
            [sys.executable, "-m", "kizuna", *args],
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def test_on_the_network_each_agent_gets_a_password_shown_once(self):
        port = free_port()
        first = self.demo("--host", "0.0.0.0", "--port", str(port))
        first.wait_for(READY)
        passwords = dict(m.groups() for m in map(PASSWORD_LINE.match, first.lines) if m is not None)
        self.assertEqual(sorted(passwords), sorted(a[0] for a in demo_data.AGENTS))
        self.assertEqual(len(set(passwords.values())), len(passwords))
        self.assertNotIn(demo_data.DEMO_PASSWORD, first.output)
        base = f"http://127.0.0.1:{port}"
        for username, password in passwords.items():
            self.assertTrue(desk_sign_in(base, username, password), username)
        self.assertFalse(desk_sign_in(base, "kimura", demo_data.DEMO_PASSWORD))
        # Only this machine's names and addresses are accepted, not any Host header.
        self.assertEqual(status_for_host(base, "attacker.example"), 400)
        self.assertEqual(status_for_host(base, f"localhost:{port}"), 200)
        self.assertEqual(first.stop(), 0, first.output)
        self.assertEqual(first.output.count(passwords["kimura"]), 1)

        # Started again on its own database: it runs, and shows no password any more.
        second = self.demo("--host", "0.0.0.0", "--port", str(port))
        second.wait_for(READY)
        self.assertIn("Demo data already present", second.output)
        for password in passwords.values():
            self.assertNotIn(password, second.output)
        self.assertTrue(desk_sign_in(base, "sato", passwords["sato"]))
        self.assertEqual(second.stop(), 0, second.output)

    def test_on_loopback_the_documented_password_until_opened_to_the_network(self):
        port = free_port()
        local = self.demo("--port", str(port))
        local.wait_for(READY)
        self.assertIn(f"the password for all of them is: {demo_data.DEMO_PASSWORD}", local.output)
        base = f"http://127.0.0.1:{port}"
        self.assertTrue(desk_sign_in(base, "tanaka", demo_data.DEMO_PASSWORD))
        self.assertEqual(status_for_host(base, "attacker.example"), 400)
        self.assertEqual(local.stop(), 0, local.output)

        # The same demo opened to the network: the well-known password stops working.
        networked = self.demo("--host", "0.0.0.0", "--port", str(port))
        networked.wait_for(READY)
        passwords = dict(
            m.groups() for m in map(PASSWORD_LINE.match, networked.lines) if m is not None
        )
        self.assertEqual(sorted(passwords), sorted(a[0] for a in demo_data.AGENTS))
        self.assertFalse(desk_sign_in(base, "tanaka", demo_data.DEMO_PASSWORD))
        self.assertTrue(desk_sign_in(base, "tanaka", passwords["tanaka"]))
        self.assertEqual(networked.stop(), 0, networked.output)

    def test_a_database_holding_other_data_is_refused_untouched(self):
        self.assertEqual(self.kizuna("migrate", "--verbosity", "0").returncode, 0)
        created = self.kizuna(
            "createsuperuser",
            "--noinput",
            "--username",
            "root",
            "--email",
            "root@example.com",
            env={**self.env, "DJANGO_SUPERUSER_PASSWORD": "a real administrator's password"},
        )
        self.assertEqual(created.returncode, 0, created.stderr)
        database = self.home / "kizuna.sqlite3"
        before = hashlib.sha256(database.read_bytes()).hexdigest()

        result = self.kizuna("demo", "--port", str(free_port()))

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("already holds data the demo did not create", result.stderr)
        self.assertIn("nothing was changed", result.stderr)
        self.assertEqual(hashlib.sha256(database.read_bytes()).hexdigest(), before)
        with sqlite3.connect(database) as db:
            self.assertEqual(db.execute("SELECT username FROM auth_user").fetchall(), [("root",)])
            self.assertEqual(
                db.execute("SELECT COUNT(*) FROM tickets_organization").fetchone(), (0,)
            )
