"""Real mail servers for the tests: a private Dovecot on loopback (started by
scripts/mailservers.sh), a proxy that cuts connections partway, and an SMTP client (swaks).

Each test process (each pytest-xdist worker) starts its own Dovecot in its own directory on
free ports; each test gets its own mail user, so tests never see each other's mail.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from kizuna.mail.tests.builders import kizuna_env, run_kizuna

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "mailservers.sh"
INSTALL_HINT = "scripts/test.sh installs it (or run: scripts/mailservers.sh install)"


@dataclass
class MailUser:
    name: str
    password: str


class Dovecot:
    """A running private Dovecot: ports, its CA certificate, and helpers to put mail in and
    look at what is where."""

    # Dovecot rereads its user list at most once a second, so users are made up front.
    POOL = 300

    def __init__(self, directory: Path):
        self.dir = directory
        self._pool = iter(range(self.POOL))

    def start(self) -> None:
        if not Path("/usr/sbin/dovecot").exists():
            pytest.fail(f"The IMAP tests need Dovecot (/usr/sbin/dovecot); {INSTALL_HINT}.")
        if not shutil.which("openssl"):
            pytest.fail(f"The IMAP tests need openssl for a test certificate; {INSTALL_HINT}.")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.password = "s3cret"
        self.users = self.dir / "users"
        self.users.write_text(
            "".join(f"user{n}:{{PLAIN}}{self.password}\n" for n in range(self.POOL))
        )
        run = subprocess.run(
            [str(SCRIPT), "start", str(self.dir)], capture_output=True, text=True, timeout=60
        )
        if run.returncode != 0:
            log = self.dir / "dovecot.log"
            pytest.fail(
                f"Dovecot did not start: {run.stderr.strip()}\n"
                f"{log.read_text() if log.exists() else ''}"
            )
        ports = dict(item.split("=") for item in run.stdout.split())
        self.imap_port = int(ports["imap"])
        self.imaps_port = int(ports["imaps"])
        self.cafile = str(self.dir / "cert.pem")

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.dir)], capture_output=True, timeout=60)

    def add_user(self) -> MailUser:
        """A mail user of its own, with an empty mailbox."""
        n = next(self._pool, None)
        if n is not None:
            return MailUser(name=f"user{n}", password=self.password)
        user = MailUser(name=f"extra-{uuid.uuid4().hex[:8]}", password=self.password)
        subprocess.run(
            [str(SCRIPT), "adduser", str(self.dir), user.name, user.password],
            check=True,
            timeout=30,
        )
        time.sleep(1.1)
        return user

    def connect(self, user: MailUser) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=30)
        client.starttls(ssl.create_default_context(cafile=self.cafile))
        client.login(user.name, user.password)
        return client

    def append(self, user: MailUser, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.connect(user)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def messages(self, user: MailUser, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in a folder, oldest first ([] when the folder does not exist)."""
        client = self.connect(user)
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["UNDELETED"]))
            fetched = client.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
            return [fetched[uid][b"BODY[]"] for uid in uids]
        finally:
            client.logout()

    def flags(self, user: MailUser, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        client = self.connect(user)
        try:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            return [client.get_flags(uids)[uid] for uid in uids] if uids else []
        finally:
            client.logout()


class CuttingProxy:
    """A TCP proxy on loopback that forwards to `port` and drops the connection partway:
    after the server has sent `cut_after` bytes (in the middle of a response), or when the
    client sends the `cut_on` command for the n-th time (a plaintext session, so the proxy
    can read the commands)."""

    def __init__(
        self, port: int, *, cut_after: int | None = None, cut_on: tuple[bytes, int] | None = None
    ):
        self.target = port
        self.cut_after = cut_after
        self.cut_on = cut_on
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        self.received = 0  # bytes the server sent, over all connections
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._upstream, args=(client, server), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client), daemon=True).start()

    def _upstream(self, src: socket.socket, dst: socket.socket) -> None:
        seen = 0
        try:
            while data := src.recv(4096):
                if self.cut_on is not None:
                    seen += data.count(self.cut_on[0])
                    if seen >= self.cut_on[1]:
                        self.cuts += 1
                        break
                dst.sendall(data)
        except OSError:
            pass
        self._hang_up(src, dst)

    def _downstream(self, src: socket.socket, dst: socket.socket) -> None:
        sent = 0
        try:
            while data := src.recv(4096):
                if self.cut_after is not None and sent + len(data) > self.cut_after:
                    dst.sendall(data[: self.cut_after - sent])
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
                self.received += len(data)
        except OSError:
            pass
        self._hang_up(src, dst)

    @staticmethod
    def _hang_up(*socks: socket.socket) -> None:
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="session")
def dovecot():
    # A short path of its own: Dovecot's unix sockets live under it, and their paths are limited.
    directory = Path(tempfile.mkdtemp(prefix="kz-dovecot-"))
    server = Dovecot(directory)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mail_user(dovecot) -> MailUser:
    return dovecot.add_user()


@pytest.fixture
def trust_dovecot(dovecot, settings):
    """Our pollers trust the test server's self-signed certificate, as an administrator would
    with KIZUNA_IMAP_CA_FILE."""
    settings.KIZUNA_IMAP_CA_FILE = dovecot.cafile
    return dovecot


def swaks(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run swaks, a real SMTP/LMTP client; fails the test when it is not installed."""
    if not shutil.which("swaks"):
        pytest.fail(f"The SMTP tests need swaks (an SMTP client); {INSTALL_HINT}.")
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(
        ["swaks", "--suppress-data", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


class KizunaHome:
    """A throwaway installation for `kizuna` subprocesses: its own KIZUNA_HOME with a migrated
    SQLite database (whatever database the suite itself uses), read back with sqlite3."""

    def __init__(self, **env: str):
        self._dir = tempfile.TemporaryDirectory(prefix="kizuna-mail-test-")
        self.path = Path(self._dir.name)
        self.env = kizuna_env(self._dir.name, **{"KIZUNA_LOG_LEVEL": "INFO", **env})
        self.run("migrate", "--verbosity", "0")

    def run(self, *args: str) -> subprocess.CompletedProcess:
        result = run_kizuna(self.env, *args)
        assert result.returncode == 0, result.stderr
        return result

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "kizuna", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def query(self, sql: str, *params):
        with sqlite3.connect(self.path / "kizuna.sqlite3", timeout=20) as db:
            return db.execute(sql, params).fetchall()

    def cleanup(self) -> None:
        self._dir.cleanup()
