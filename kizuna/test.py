"""Shared test personas and builders (named people make tests read like stories)."""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone

from kizuna.letters.services import builtins_install
from kizuna.tickets import services
from kizuna.tickets.models import AgentProfile, Contact, EmailDomain, Organization, Team, Ticket
from kizuna.tickets.workflow import ResolutionAnswers

PASSWORD = "correct horse battery staple"

# P2's answers for tests that resolve a ticket on the way to something else.
REPORT = ResolutionAnswers(
    cause="送信サーバーの証明書の有効期限が切れていました。",
    done="証明書を更新いたしました。残っている作業はございません。",
    fully_resolved="yes",
    recurrence="期限の30日前に通知が届くよう、監視を追加いたしました。",
)
REPORT_JSON = {
    "cause": REPORT.cause,
    "done": REPORT.done,
    "fully_resolved": REPORT.fully_resolved,
    "recurrence": REPORT.recurrence,
}


def seed_service_levels() -> None:
    """The calendars and policies a fresh installation has (seeded by a migration): tests that
    empty the database between them (live-server tests) get them back."""
    seed = importlib.import_module("kizuna.sla.migrations.0002_default_policies").seed
    seed(django_apps, None)  # does nothing when calendars exist


def column_values(obj) -> dict:
    """Every column of a model instance, by attribute (foreign keys as their ids)."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


class Personas:
    """An agent and a teammate, a customer organization with a contact, and an outsider
    organization whose contact must never see the first one's tickets."""

    def make_personas(self) -> None:
        seed_service_levels()
        builtins_install()  # the sample letters a new installation has (seeded by a migration)
        User = get_user_model()
        self.agent = User.objects.create_user(
            "sato", "sato@kizuna.example", PASSWORD, first_name="佐藤"
        )
        AgentProfile.objects.create(user=self.agent, timezone="Asia/Tokyo", language="ja")
        self.teammate = User.objects.create_user(
            "alice", "alice@kizuna.example", PASSWORD, first_name="Alice"
        )
        AgentProfile.objects.create(user=self.teammate, timezone="Europe/London", language="en")
        self.team = Team.objects.create(name="Hosting")
        self.team.members.add(self.agent, self.teammate)

        self.org = Organization.objects.create(name="山田商事株式会社")
        EmailDomain.objects.create(organization=self.org, domain="yamada.example.jp")
        self.customer = Contact.objects.create(
            organization=self.org,
            name="山田 太郎",
            email="taro@yamada.example.jp",
            language="ja",
            technical_level="general",
            role="総務部",
        )
        self.other_org = Organization.objects.create(name="Northwind Ltd")
        EmailDomain.objects.create(organization=self.other_org, domain="northwind.example")
        self.outsider = Contact.objects.create(
            organization=self.other_org,
            name="Nancy Davolio",
            email="nancy@northwind.example",
            language="en",
            technical_level="technical",
            role="IT manager",
            timezone="Europe/London",
        )

    def make_ticket(self, **overrides) -> Ticket:
        fields = {
            "requester": self.customer,
            "subject": "メールが送信できない",
            "body": "今朝9時ごろから、社内の全員がメールを送信できません。受信はできています。",
            "priority": "high",
        }
        fields.update(overrides)
        return services.ticket_open(**fields)

    def later(self, **kwargs) -> timezone.datetime:
        return timezone.now() + timedelta(**(kwargs or {"hours": 2}))


class BaseTestCase(Personas, TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.make_personas()


class Installation:
    """A Kizuna installation of its own for tests that run `kizuna` processes: a temporary
    KIZUNA_HOME with its SQLite file or, when the suite runs on PostgreSQL (KIZUNA_DATABASE_URL
    set), a fresh PostgreSQL database, dropped by `close()`. `env` is the processes'
    environment (add settings to it); `query` reads the installation's database."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="kizuna-installation-")
        self.home = Path(self.tmp.name)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "DJANGO_"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="kizuna.settings",
            KIZUNA_HOME=self.tmp.name,
            KIZUNA_HTTPS="0",
            KIZUNA_SECRET_KEY="test-only-" + "x" * 40,
            KIZUNA_LOG_LEVEL="WARNING",
        )
        self.pg_url = ""
        suite_url = os.environ.get("KIZUNA_DATABASE_URL", "")
        if suite_url:
            parts = urlsplit(suite_url)
            name = f"kizuna_sep_{os.getpid()}_{id(self) % 1000003}"
            self.pg_admin = urlunsplit(parts._replace(path="/postgres"))
            self.pg_url = urlunsplit(parts._replace(path=f"/{name}"))
            self._pg(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            self.env["KIZUNA_DATABASE_URL"] = self.pg_url

    def close(self) -> None:
        if self.pg_url:
            self._pg(f'DROP DATABASE IF EXISTS "{urlsplit(self.pg_url).path[1:]}" WITH (FORCE)')
        self.tmp.cleanup()

    def _pg(self, *statements):
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    @property
    def database(self) -> str:
        return "PostgreSQL" if self.pg_url else "SQLite"

    def query(self, sql: str, *, sqlite: bool | None = None) -> list[tuple]:
        """Rows of `sql` in this installation's database (`sqlite`: its SQLite file even when
        it has a PostgreSQL database, for a test that turned to SQLite)."""
        if not (sqlite if sqlite is not None else not self.pg_url):
            with psycopg.connect(self.pg_url) as conn:
                return conn.execute(sql).fetchall()
        conn = sqlite3.connect(self.home / "kizuna.sqlite3", timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def kizuna(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `kizuna ARGS` in this installation."""
        return subprocess.run(
            [sys.executable, "-m", "kizuna", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


class SeparateInstallation:
    """A test case's own installation (see `Installation`), as attributes of the test."""

    def setUp(self):
        super().setUp()
        self.installation = Installation()
        self.addCleanup(self.installation.close)
        self.home, self.env = self.installation.home, self.installation.env
        self.pg_url = self.installation.pg_url

    @property
    def database(self) -> str:
        return self.installation.database

    def query(self, sql: str) -> list[tuple]:
        # A test may turn to SQLite by dropping KIZUNA_DATABASE_URL and `pg_url`.
        return self.installation.query(sql, sqlite=not self.pg_url)
